// A test hook, for the crash-safety tests only: HH_TEST_KILL_AT=<step> makes
// the process kill itself with SIGKILL when it reaches <step>, as a `kill -9`
// at that moment would. Unset (always, outside those tests) it does nothing.
#ifndef HEYHI_BASE_TEST_HOOK_H_
#define HEYHI_BASE_TEST_HOOK_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace heyhi {

// The environment variable, read once per process, by KillStepFromEnv() alone.
inline constexpr char kTestKillVariable[] = "HH_TEST_KILL_AT";

// The steps of a `run` launch, in the order it reaches them:
//   after_snapshot  the binary is in the snapshot cache; no exp dir file yet
//   after_lock      the exp dir holds its marker and the launch lock
//   after_config    config files, overrides, command, launch dir, snapshot path
//   after_record    heyhi.xp.prototxt
//   after_index     the $HH_EXP_DIR/.xps link
//   after_jobid     heyhi.jobid: the XP is RUNNING while this process lives
//   after_workers   every local worker process started (num_procs > 1)
//   after_task      the task returned, no done marker yet
//   after_done      heyhi.done and the record's end time written
// and "writing:<file name>": the temporary copy of a file written atomically
// (WriteFileAtomically) is complete and flushed, not yet renamed over it.
const std::vector<std::string>& TestKillSteps();

// OK when HH_TEST_KILL_AT is unset, empty, or names a step; else an error
// that lists the steps.
absl::Status CheckTestKillStep();

// SIGKILLs this process when HH_TEST_KILL_AT is `step`.
void KillHereForTest(absl::string_view step);

// KillHereForTest("writing:<the last part of path>").
void KillWhileWritingForTest(absl::string_view path);

}  // namespace heyhi

#endif  // HEYHI_BASE_TEST_HOOK_H_
