// Loading Fashion-MNIST's four gzipped IDX files into memory.
#include "runners/fashion_mnist.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "runners/idx_file.h"

namespace runners {

const std::array<const char*, kNumClasses>& FashionMnistClassNames() {
  static const std::array<const char*, kNumClasses> names = {
      "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
      "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

std::string ImagesFile(const std::string& dir, Split split) {
  return absl::StrCat(dir, split == Split::kTrain ? "/train" : "/t10k", "-images-idx3-ubyte.gz");
}

std::string LabelsFile(const std::string& dir, Split split) {
  return absl::StrCat(dir, split == Split::kTrain ? "/train" : "/t10k", "-labels-idx1-ubyte.gz");
}

absl::StatusOr<ImageSet> LoadFashionMnist(const std::string& dir, Split split, int max_samples) {
  const std::string images_path = ImagesFile(dir, split);
  const std::string labels_path = LabelsFile(dir, split);
  absl::StatusOr<IdxArray> images = ReadIdxFile(images_path, 3);
  if (!images.ok()) return images.status();
  absl::StatusOr<IdxArray> labels = ReadIdxFile(labels_path, 1);
  if (!labels.ok()) return labels.status();
  if (images->dims[0] != labels->dims[0]) {
    return absl::DataLossError(absl::StrFormat("%s holds %d images but %s holds %d labels",
                                               images_path, images->dims[0], labels_path,
                                               labels->dims[0]));
  }
  ImageSet set;
  set.count = images->dims[0];
  set.rows = images->dims[1];
  set.cols = images->dims[2];
  if (max_samples > 0) set.count = std::min(set.count, max_samples);
  const size_t image_size = static_cast<size_t>(set.rows) * set.cols;
  images->data.resize(image_size * set.count);
  labels->data.resize(set.count);
  set.pixels = std::move(images->data);
  set.labels = std::move(labels->data);
  for (int i = 0; i < set.count; ++i) {
    if (set.labels[i] >= kNumClasses) {
      return absl::DataLossError(
          absl::StrFormat("%s: label %d of item %d is not a class in [0, %d)", labels_path,
                          set.labels[i], i, kNumClasses));
    }
  }
  return set;
}

}  // namespace runners
