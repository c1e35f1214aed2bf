// HEYHI_TEST_HOLD_AT: parsing, and holding a training run for a test.
#include "runners/hold_point.h"

#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "runners/files.h"

namespace runners {

absl::StatusOr<std::optional<HoldPoint>> ParseHoldPoint(const char* value) {
  if (value == nullptr || *value == '\0') return std::nullopt;
  const std::vector<std::string> parts = absl::StrSplit(value, ':');
  HoldPoint point;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &point.epoch) ||
      !absl::SimpleAtoi(parts[1], &point.step) || point.epoch < 1 || point.step < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(kHoldAtEnv, "=\"", value, "\": expected EPOCH:STEP, EPOCH >= 1, STEP >= 0"));
  }
  return point;
}

absl::Status HoldForTest(const HoldPoint& point, const std::string& exp_dir) {
  const std::string where = absl::StrCat("epoch ", point.epoch, " step ", point.step);
  if (absl::Status s = WriteFileAtomically(JoinPath(exp_dir, kHeldFile), where + "\n"); !s.ok()) {
    return s;
  }
  // Whoever set the variable kills the process during this wait; returning
  // means nobody did.
  std::this_thread::sleep_for(kHoldLimit);
  return absl::DeadlineExceededError(
      absl::StrCat(kHoldAtEnv, ": held at ", where, " for ",
                   std::chrono::duration_cast<std::chrono::seconds>(kHoldLimit).count(),
                   " s and nobody stopped the run"));
}

}  // namespace runners
