// The HH_TEST_KILL_AT test hook: one read of the variable, one kill.
#include "heyhi/base/test_hook.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace heyhi {
namespace {

constexpr char kWritingPrefix[] = "writing:";

// The only place that reads the variable.
const std::string& KillStepFromEnv() {
  static const std::string* const step = [] {
    const char* value = std::getenv(kTestKillVariable);
    return new std::string(value == nullptr ? "" : value);
  }();
  return *step;
}

}  // namespace

const std::vector<std::string>& TestKillSteps() {
  static const std::vector<std::string>* const steps = new std::vector<std::string>{
      "after_snapshot", "after_lock",    "after_config", "after_record", "after_index",
      "after_jobid",    "after_workers", "after_task",   "after_done"};
  return *steps;
}

absl::Status CheckTestKillStep() {
  const std::string& step = KillStepFromEnv();
  if (step.empty()) return absl::OkStatus();
  const std::vector<std::string>& steps = TestKillSteps();
  if (std::find(steps.begin(), steps.end(), step) != steps.end()) return absl::OkStatus();
  if (absl::StartsWith(step, kWritingPrefix) && step.size() > sizeof(kWritingPrefix) - 1 &&
      step.find('/') == std::string::npos) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      kTestKillVariable, "=", step, ": not a step of run (a test hook); expected one of ",
      absl::StrJoin(steps, ", "), " or writing:<file name>"));
}

void KillHereForTest(absl::string_view step) {
  const std::string& wanted = KillStepFromEnv();
  if (wanted.empty() || wanted != step) return;
  kill(getpid(), SIGKILL);
  pause();  // SIGKILL cannot be caught: this is never reached
}

void KillWhileWritingForTest(absl::string_view path) {
  if (KillStepFromEnv().empty()) return;
  const size_t slash = path.rfind('/');
  KillHereForTest(absl::StrCat(kWritingPrefix,
                               slash == absl::string_view::npos ? path : path.substr(slash + 1)));
}

}  // namespace heyhi
