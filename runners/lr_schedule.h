// The learning rate of a training step: linear warmup, then decay per epoch.
#ifndef RUNNERS_LR_SCHEDULE_H_
#define RUNNERS_LR_SCHEDULE_H_

namespace runners {

struct LrSchedule {
  double peak_lr = 0.1;
  // Factor applied once per epoch after warmup.
  double decay_per_epoch = 1.0;
  int warmup_epochs = 0;
};

// The rate for step `step` (0-based) of epoch `epoch` (0-based) when an epoch
// has `steps_per_epoch` steps. During warmup, with t = epoch + step /
// steps_per_epoch, it grows linearly from peak_lr / (warmup_epochs + 1) at
// t = 0 towards peak_lr at t = warmup_epochs; epoch warmup_epochs + k runs
// at peak_lr * decay_per_epoch^k.
double LearningRate(const LrSchedule& schedule, int epoch, int step, int steps_per_epoch);

}  // namespace runners

#endif  // RUNNERS_LR_SCHEDULE_H_
