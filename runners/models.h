// The image classifiers of the train task: one encoder per case of
// TrainTask.encoder (MLP, small CNN, small patch transformer), each ending in
// a linear layer that gives one logit per class.
#ifndef RUNNERS_MODELS_H_
#define RUNNERS_MODELS_H_

#include <torch/torch.h>

#include <memory>

#include "absl/status/statusor.h"
#include "conf.pb.h"

namespace runners {

// Maps normalised images [N, 1, rows, cols] to logits [N, num_classes].
class ImageClassifier : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(torch::Tensor images) = 0;
};

// Builds the encoder chosen in `cfg` for images of rows x cols pixels, with
// its parameters drawn from LibTorch's default generator (seed it first).
// Errors name the field whose value cannot make a model (e.g.
// "transformer.patch_size 5 does not divide the 28x28 image").
absl::StatusOr<std::shared_ptr<ImageClassifier>> MakeClassifier(const TrainTask& cfg, int rows,
                                                                int cols, int num_classes);

// uint8 pixels [N, rows*cols] -> float images [N, 1, rows, cols] with the
// mean and standard deviation of Fashion-MNIST's training set.
torch::Tensor NormalizeImages(const torch::Tensor& pixels, int rows, int cols);

}  // namespace runners

#endif  // RUNNERS_MODELS_H_
