// Registers the train and eval tasks for MetaCfg's `train` and `eval` cases.
// Linked as an object file into each binary so the registrations are kept.
#include "runners/tasks.h"

#include <stdexcept>

namespace runners {

void Train(const TrainTask& cfg, heyhi::JobContext& ctx) {
  if (absl::Status status = RunTraining(cfg, ctx); !status.ok()) {
    throw std::runtime_error(std::string(status.message()));
  }
}

void Eval(const EvalTask& cfg, heyhi::JobContext& ctx) {
  if (absl::Status status = RunEvaluation(cfg, ctx); !status.ok()) {
    throw std::runtime_error(std::string(status.message()));
  }
}

}  // namespace runners

HEYHI_TASK(train, TrainTask, runners::Train);
HEYHI_TASK(eval, EvalTask, runners::Eval);
