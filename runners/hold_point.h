// HEYHI_TEST_HOLD_AT: a test stops a training run at a chosen step instead of racing it.
#ifndef RUNNERS_HOLD_POINT_H_
#define RUNNERS_HOLD_POINT_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace runners {

// The environment variable "EPOCH:STEP": rank 0 of a training run stops
// before step STEP (0-based) of epoch EPOCH (1-based), that is once STEP steps
// of that epoch are done. STEP 0 is after the previous epoch's checkpoint and
// metrics line were written. For tests; unset in real runs.
inline constexpr char kHoldAtEnv[] = "HEYHI_TEST_HOLD_AT";
// Written (atomically) in the exp dir when the run stops there; it holds
// "epoch EPOCH step STEP". A run whose exp dir has it does not stop again, so
// that a requeued or continued run goes on.
inline constexpr char kHeldFile[] = "held_for_test";
// How long a held run waits to be killed or preempted before it fails: a
// guard against a test that never comes, not a timing the test relies on.
inline constexpr std::chrono::minutes kHoldLimit{10};

struct HoldPoint {
  int64_t epoch = 0;  // 1-based
  int64_t step = 0;   // steps of that epoch done
};

// The hold point of `value` (the variable's text); nullopt for nullptr or "".
absl::StatusOr<std::optional<HoldPoint>> ParseHoldPoint(const char* value);

// Writes `exp_dir`/kHeldFile, then waits kHoldLimit for the process to be
// killed (or to exit from another thread) and returns an error if it was not.
// Call it with no lock held that a checkpoint hook needs.
absl::Status HoldForTest(const HoldPoint& point, const std::string& exp_dir);

}  // namespace runners

#endif  // RUNNERS_HOLD_POINT_H_
