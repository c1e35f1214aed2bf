// The tasks of this repository's MetaCfg: `train` and `eval` (SPEC §8).
// This header needs no LibTorch.
#ifndef RUNNERS_TASKS_H_
#define RUNNERS_TASKS_H_

#include "absl/status/status.h"
#include "conf.pb.h"
#include "heyhi/task.h"

namespace runners {

// Trains the classifier of `cfg` on Fashion-MNIST. Every epoch, rank 0
// appends a line to <exp dir>/metrics.jsonl and replaces the checkpoint
// (<exp dir>/<cfg.checkpoint>); a run that finds a checkpoint continues from
// it. Registers a checkpoint hook on `ctx` for preemption. Tests stop a run
// at a chosen step with HEYHI_TEST_HOLD_AT (runners/hold_point.h).
absl::Status RunTraining(const TrainTask& cfg, heyhi::JobContext& ctx);

// Evaluates the checkpoint cfg.checkpoint (relative to the launch folder) on
// the test set and writes accuracy, loss and per-class accuracy to
// <exp dir>/<cfg.out> as JSON.
absl::Status RunEvaluation(const EvalTask& cfg, heyhi::JobContext& ctx);

}  // namespace runners

#endif  // RUNNERS_TASKS_H_
