// Training checkpoints: model, optimizer, progress (epoch, step, partial-epoch
// sums, metrics so far) and the generator state, in one file that is
// replaced atomically. LibTorch's archive format (torch::save compatible).
#ifndef RUNNERS_CHECKPOINT_H_
#define RUNNERS_CHECKPOINT_H_

#include <torch/torch.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "conf.pb.h"
#include "runners/models.h"

namespace runners {

// Where a training run stands. A run resumed from it continues with step
// `step` of epoch `epoch` (both 0-based) and ends as if never interrupted.
struct TrainProgress {
  int64_t epoch = 0;          // epochs completed
  int64_t step = 0;           // steps completed in epoch `epoch`
  double loss_sum = 0;        // sum of the step losses of those steps
  double train_seconds = 0;   // time spent on those steps
  std::string metrics_jsonl;  // the metrics.jsonl lines of the completed epochs
};

// Writes a checkpoint to `path` (temp file + rename). `cfg` is stored so that
// the model can be rebuilt without the config that trained it.
absl::Status SaveCheckpoint(const std::string& path, const TrainTask& cfg, torch::nn::Module& model,
                            torch::optim::Optimizer& optimizer, const TrainProgress& progress);

// Reads a checkpoint into an existing model (and optimizer, and generator
// state, when given non-null) built from the same config.
absl::Status LoadCheckpoint(const std::string& path, torch::nn::Module& model,
                            torch::optim::Optimizer* optimizer, TrainProgress* progress);

// A checkpoint's training config and its model, rebuilt and loaded.
struct LoadedModel {
  TrainTask cfg;
  std::shared_ptr<ImageClassifier> model;
  TrainProgress progress;
};
absl::StatusOr<LoadedModel> LoadModelFromCheckpoint(const std::string& path, int rows, int cols,
                                                    int num_classes);

}  // namespace runners

#endif  // RUNNERS_CHECKPOINT_H_
