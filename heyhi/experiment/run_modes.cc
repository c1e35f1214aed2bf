// The modes x statuses table of `run`.
#include "heyhi/experiment/run_modes.h"

#include "absl/strings/str_cat.h"

namespace heyhi {

absl::StatusOr<RunMode> ParseRunMode(const std::string& name) {
  if (name == "gentle_start") return RunMode::kGentleStart;
  if (name == "start_continue") return RunMode::kStartContinue;
  if (name == "start_restart") return RunMode::kStartRestart;
  if (name == "restart") return RunMode::kRestart;
  if (name == "dryrun") return RunMode::kDryRun;
  return absl::InvalidArgumentError(absl::StrCat(
      "--mode ", name,
      ": unknown mode; expected gentle_start, start_continue, start_restart, restart or dryrun"));
}

const char* RunModeName(RunMode mode) {
  switch (mode) {
    case RunMode::kGentleStart:
      return "gentle_start";
    case RunMode::kStartContinue:
      return "start_continue";
    case RunMode::kStartRestart:
      return "start_restart";
    case RunMode::kRestart:
      return "restart";
    case RunMode::kDryRun:
      return "dryrun";
  }
  return "?";
}

RunMode DefaultRunMode(bool adhoc) { return adhoc ? RunMode::kRestart : RunMode::kGentleStart; }

RunAction DecideRunAction(RunMode mode, XpStatus status) {
  if (mode == RunMode::kDryRun) return RunAction::kReport;
  if (status == XpStatus::kNotStarted) return RunAction::kRun;
  switch (mode) {
    case RunMode::kGentleStart:
      return RunAction::kSkip;
    case RunMode::kStartContinue:
      return status == XpStatus::kDead ? RunAction::kRun : RunAction::kSkip;
    case RunMode::kStartRestart:
      return status == XpStatus::kDead ? RunAction::kWipeRun : RunAction::kSkip;
    case RunMode::kRestart:
      return status == XpStatus::kRunning ? RunAction::kKillWipeRun : RunAction::kWipeRun;
    case RunMode::kDryRun:
      break;
  }
  return RunAction::kReport;
}

const char* RunActionName(RunAction action) {
  switch (action) {
    case RunAction::kRun:
      return "run";
    case RunAction::kSkip:
      return "skip";
    case RunAction::kWipeRun:
      return "wipe and run";
    case RunAction::kKillWipeRun:
      return "kill, wipe and run";
    case RunAction::kReport:
      return "report only";
  }
  return "?";
}

}  // namespace heyhi
