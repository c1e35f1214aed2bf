// Data on tensors, and measuring a classifier on a data set (shared by the
// train task's validation and the eval task).
#ifndef RUNNERS_EVALUATION_H_
#define RUNNERS_EVALUATION_H_

#include <torch/torch.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "conf.pb.h"
#include "runners/data_parallel.h"
#include "runners/fashion_mnist.h"
#include "runners/models.h"

namespace runners {

// One split in memory: pixels uint8 [N, rows*cols], labels int64 [N].
struct TensorDataset {
  torch::Tensor pixels;
  torch::Tensor labels;
  int rows = 0;
  int cols = 0;
  int64_t size() const { return labels.size(0); }
};

// Loads `split` from `data.dir` (resolved by ctx.ResolvePath: //reference/,
// path_map, relative to the launch folder), keeping at most
// data.max_train_samples or data.max_test_samples (0: all).
absl::StatusOr<TensorDataset> LoadTensorDataset(const DataCfg& data, Split split,
                                                const heyhi::JobContext& ctx);

// What a classifier scores on a data set.
struct EvalResult {
  int64_t count = 0;
  double loss = 0;      // mean cross-entropy
  double accuracy = 0;  // fraction of correct predictions
  std::vector<int64_t> class_correct;
  std::vector<int64_t> class_count;
};

// Runs `model` (in eval mode, no gradients) over `data` in batches of
// `batch_size`. In a group of several ranks each rank takes a contiguous
// share of the data and the sums are added up: every rank gets the result
// for the whole set.
EvalResult Evaluate(ImageClassifier& model, const TensorDataset& data, int batch_size,
                    int num_classes, torch::Device device, DataParallelGroup& group);

// Intra-op threads per rank: `configured` when > 0; else SLURM_CPUS_PER_TASK;
// else this machine's CPUs divided by the ranks on it (LOCAL_WORLD_SIZE, else
// the world size).
int ThreadsPerRank(int configured, const heyhi::JobContext& ctx);

// The message of a LibTorch exception without its C++ backtrace.
std::string TorchErrorMessage(const std::exception& e);

}  // namespace runners

#endif  // RUNNERS_EVALUATION_H_
