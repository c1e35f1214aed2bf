// Measuring a classifier on Fashion-MNIST; the eval task.
#include <cstdlib>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "conf.cfg.h"
#include "glog/logging.h"
#include "nlohmann/json.hpp"
#include "runners/checkpoint.h"
#include "runners/evaluation.h"
#include "runners/files.h"
#include "runners/tasks.h"

namespace runners {
namespace {

int PositiveEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return 0;
  char* end = nullptr;
  long n = std::strtol(value, &end, 10);
  return (end != value && *end == '\0' && n > 0 && n < (1 << 20)) ? static_cast<int>(n) : 0;
}

nlohmann::ordered_json PerClassJson(const EvalResult& result) {
  nlohmann::ordered_json per_class = nlohmann::ordered_json::array();
  for (size_t c = 0; c < result.class_count.size(); ++c) {
    nlohmann::ordered_json entry;
    entry["class"] = c;
    entry["name"] = c < FashionMnistClassNames().size() ? FashionMnistClassNames()[c] : "";
    entry["count"] = result.class_count[c];
    entry["accuracy"] = result.class_count[c] > 0
                            ? static_cast<double>(result.class_correct[c]) / result.class_count[c]
                            : 0.0;
    per_class.push_back(std::move(entry));
  }
  return per_class;
}

}  // namespace

absl::StatusOr<TensorDataset> LoadTensorDataset(const DataCfg& data, Split split,
                                                const heyhi::JobContext& ctx) {
  DataCfgView view(data);
  const int max_samples =
      split == Split::kTrain ? view.max_train_samples() : view.max_test_samples();
  absl::StatusOr<std::string> dir = ctx.ResolvePath(std::string(view.dir()));
  if (!dir.ok())
    return absl::Status(dir.status().code(), absl::StrCat("data.dir: ", dir.status().message()));
  absl::StatusOr<ImageSet> set = LoadFashionMnist(*dir, split, max_samples);
  if (!set.ok()) return set.status();
  TensorDataset dataset;
  dataset.rows = set->rows;
  dataset.cols = set->cols;
  dataset.pixels =
      torch::from_blob(set->pixels.data(),
                       {set->count, static_cast<int64_t>(set->rows) * set->cols}, torch::kUInt8)
          .clone();
  dataset.labels =
      torch::from_blob(set->labels.data(), {set->count}, torch::kUInt8).to(torch::kInt64);
  return dataset;
}

EvalResult Evaluate(ImageClassifier& model, const TensorDataset& data, int batch_size,
                    int num_classes, torch::Device device, DataParallelGroup& group) {
  torch::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  const int64_t begin = data.size() * group.rank() / group.world_size();
  const int64_t end = data.size() * (group.rank() + 1) / group.world_size();
  torch::Tensor loss_sum = torch::zeros({1}, torch::kFloat64);
  torch::Tensor correct = torch::zeros({num_classes}, torch::kInt64);
  torch::Tensor count = torch::zeros({num_classes}, torch::kInt64);
  for (int64_t start = begin; start < end; start += batch_size) {
    const int64_t n = std::min<int64_t>(batch_size, end - start);
    torch::Tensor images =
        NormalizeImages(data.pixels.narrow(0, start, n), data.rows, data.cols).to(device);
    torch::Tensor labels = data.labels.narrow(0, start, n);
    torch::Tensor logits = model.forward(images).to(torch::kCPU);
    loss_sum +=
        torch::cross_entropy_loss(logits, labels, {}, at::Reduction::Sum).to(torch::kFloat64);
    torch::Tensor hit = logits.argmax(1).eq(labels).to(torch::kInt64);
    count.index_add_(0, labels, torch::ones_like(labels));
    correct.index_add_(0, labels, hit);
  }
  group.SumInPlace({loss_sum, correct, count});
  if (was_training) model.train();

  EvalResult result;
  result.count = count.sum().item<int64_t>();
  const int64_t total_correct = correct.sum().item<int64_t>();
  result.loss = result.count > 0 ? loss_sum.item<double>() / result.count : 0.0;
  result.accuracy = result.count > 0 ? static_cast<double>(total_correct) / result.count : 0.0;
  for (int c = 0; c < num_classes; ++c) {
    result.class_correct.push_back(correct[c].item<int64_t>());
    result.class_count.push_back(count[c].item<int64_t>());
  }
  return result;
}

int ThreadsPerRank(int configured, const heyhi::JobContext& ctx) {
  if (configured > 0) return configured;
  if (int slurm_cpus = PositiveEnv("SLURM_CPUS_PER_TASK"); slurm_cpus > 0) return slurm_cpus;
  int ranks_here = PositiveEnv("LOCAL_WORLD_SIZE");
  if (ranks_here == 0) ranks_here = ctx.world_size();
  const int cpus = static_cast<int>(std::thread::hardware_concurrency());
  return std::max(1, cpus / std::max(1, ranks_here));
}

std::string TorchErrorMessage(const std::exception& e) {
  if (const auto* torch_error = dynamic_cast<const c10::Error*>(&e)) {
    return torch_error->what_without_backtrace();
  }
  return e.what();
}

absl::Status RunEvaluation(const EvalTask& cfg, heyhi::JobContext& ctx) {
  EvalTaskView view(cfg);
  if (!view.checkpoint().has_value() || view.checkpoint()->empty()) {
    return absl::InvalidArgumentError("eval: set `checkpoint` to the checkpoint file to evaluate");
  }
  if (view.batch_size() <= 0) return absl::InvalidArgumentError("eval: batch_size must be > 0");
  try {
    torch::set_num_threads(ThreadsPerRank(0, ctx));
    const torch::Device device = RankDevice(ctx);
    auto group = DataParallelGroup::Join(ctx, device);
    if (!group.ok()) return group.status();
    auto data = LoadTensorDataset(cfg.data(), Split::kTest, ctx);
    if (!data.ok()) return data.status();
    absl::StatusOr<std::string> resolved = ctx.ResolvePath(std::string(*view.checkpoint()));
    if (!resolved.ok()) {
      return absl::Status(resolved.status().code(),
                          absl::StrCat("eval: checkpoint: ", resolved.status().message()));
    }
    const std::string& checkpoint = *resolved;
    auto loaded = LoadModelFromCheckpoint(checkpoint, data->rows, data->cols, kNumClasses);
    if (!loaded.ok()) return loaded.status();
    loaded->model->to(device);
    const EvalResult result =
        Evaluate(*loaded->model, *data, view.batch_size(), kNumClasses, device, **group);
    LOG(INFO) << absl::StrFormat(
        "eval of %s (after %d epochs): accuracy %.4f, loss %.4f on %d images", checkpoint,
        loaded->progress.epoch, result.accuracy, result.loss, result.count);
    if ((*group)->rank() != 0) return absl::OkStatus();
    nlohmann::ordered_json json;  // keys in this order in the file
    json["checkpoint"] = checkpoint;
    json["epochs_trained"] = loaded->progress.epoch;
    json["num_samples"] = result.count;
    json["accuracy"] = result.accuracy;
    json["loss"] = result.loss;
    json["per_class"] = PerClassJson(result);
    // A path need not be UTF-8: replace what is not rather than throw.
    const std::string text = json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return WriteFileAtomically(JoinPath(ctx.exp_dir(), std::string(view.out())), text + "\n");
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("eval: ", TorchErrorMessage(e)));
  }
}

}  // namespace runners
