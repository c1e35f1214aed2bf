// Learning-rate schedule of the train task.
#include "runners/lr_schedule.h"

#include <cmath>

namespace runners {

double LearningRate(const LrSchedule& schedule, int epoch, int step, int steps_per_epoch) {
  if (epoch < schedule.warmup_epochs) {
    const double t =
        epoch + (steps_per_epoch > 0 ? static_cast<double>(step) / steps_per_epoch : 0.0);
    return schedule.peak_lr * (1.0 + t) / (schedule.warmup_epochs + 1.0);
  }
  return schedule.peak_lr * std::pow(schedule.decay_per_epoch, epoch - schedule.warmup_epochs);
}

}  // namespace runners
