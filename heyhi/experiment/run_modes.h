// What `run` does for each mode and experiment status (the table of SPEC §6).
#ifndef HEYHI_EXPERIMENT_RUN_MODES_H_
#define HEYHI_EXPERIMENT_RUN_MODES_H_

#include <string>

#include "absl/status/statusor.h"
#include "heyhi/exp_dir.h"

namespace heyhi {

enum class RunMode { kGentleStart, kStartContinue, kStartRestart, kRestart, kDryRun };

enum class RunAction {
  kRun,          // launch in the folder as it is
  kSkip,         // leave the experiment alone
  kWipeRun,      // wipe the folder, then launch
  kKillWipeRun,  // stop the running job, wipe, launch
  kReport,       // dryrun: only say what is there
};

// "gentle_start", ...; an unknown name is an error listing the modes.
absl::StatusOr<RunMode> ParseRunMode(const std::string& name);
const char* RunModeName(RunMode mode);

// The mode when none is given: restart with --adhoc, else gentle_start.
RunMode DefaultRunMode(bool adhoc);

// The cell of the table for `mode` and `status`.
RunAction DecideRunAction(RunMode mode, XpStatus status);

// "run", "skip", "wipe and run", "kill, wipe and run", "report only".
const char* RunActionName(RunAction action);

}  // namespace heyhi

#endif  // HEYHI_EXPERIMENT_RUN_MODES_H_
