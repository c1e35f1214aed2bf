// The Fashion-MNIST data set as Debian's dataset-fashion-mnist ships it.
#ifndef RUNNERS_FASHION_MNIST_H_
#define RUNNERS_FASHION_MNIST_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace runners {

inline constexpr char kDefaultFashionMnistDir[] = "/usr/share/datasets/fashion-mnist";
inline constexpr int kNumClasses = 10;

// Class names in label order (0 = "T-shirt/top" ... 9 = "Ankle boot").
const std::array<const char*, kNumClasses>& FashionMnistClassNames();

enum class Split { kTrain, kTest };

// Images and labels of one split: image i is pixels[i*rows*cols ...], one
// byte per pixel (0 = background), and labels[i] in [0, kNumClasses).
struct ImageSet {
  int count = 0;
  int rows = 0;
  int cols = 0;
  std::vector<uint8_t> pixels;
  std::vector<uint8_t> labels;
};

// "<dir>/train-images-idx3-ubyte.gz" and friends.
std::string ImagesFile(const std::string& dir, Split split);
std::string LabelsFile(const std::string& dir, Split split);

// Reads the images and labels of `split` from `dir`, keeping the first
// `max_samples` (0: all). Errors name the file: missing, corrupt, image and
// label counts that differ, or a label out of range.
absl::StatusOr<ImageSet> LoadFashionMnist(const std::string& dir, Split split, int max_samples = 0);

}  // namespace runners

#endif  // RUNNERS_FASHION_MNIST_H_
