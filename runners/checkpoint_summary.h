// What a training checkpoint holds, readable without LibTorch's headers (for
// tests and tools): progress and every parameter and buffer by name.
#ifndef RUNNERS_CHECKPOINT_SUMMARY_H_
#define RUNNERS_CHECKPOINT_SUMMARY_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace runners {

struct CheckpointSummary {
  int64_t epoch = 0;  // epochs completed
  int64_t step = 0;   // steps completed in the next epoch
  std::string metrics_jsonl;
  std::string train_task_text;  // the TrainTask that wrote it, in text format
  // Parameters and buffers by their dotted names, as float values.
  std::map<std::string, std::vector<float>> tensors;
};

// Reads the checkpoint of a 28x28, 10-class Fashion-MNIST model at `path`.
absl::StatusOr<CheckpointSummary> ReadCheckpointSummary(const std::string& path);

}  // namespace runners

#endif  // RUNNERS_CHECKPOINT_SUMMARY_H_
