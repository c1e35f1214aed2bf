// Saving and loading training checkpoints with torch::serialize archives.
#include "runners/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>

#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "runners/checkpoint_summary.h"
#include "runners/fashion_mnist.h"
#include "runners/files.h"

namespace runners {
namespace {

constexpr char kFormat[] = "heyhi.train_checkpoint.v1";

at::Generator DefaultGenerator() { return at::detail::getDefaultCPUGenerator(); }

// Runs `body`, turning LibTorch's exceptions into an error about `path`.
template <typename Body>
absl::Status Guarded(const std::string& what, const std::string& path, Body body) {
  try {
    return body();
  } catch (const std::exception& e) {
    return absl::DataLossError(absl::StrCat("cannot ", what, " checkpoint ", path, ": ", e.what()));
  }
}

std::string ReadString(torch::serialize::InputArchive& archive, const std::string& key) {
  c10::IValue value;
  archive.read(key, value);
  return value.toStringRef();
}

int64_t ReadInt(torch::serialize::InputArchive& archive, const std::string& key) {
  c10::IValue value;
  archive.read(key, value);
  return value.toInt();
}

double ReadDouble(torch::serialize::InputArchive& archive, const std::string& key) {
  c10::IValue value;
  archive.read(key, value);
  return value.toDouble();
}

absl::Status CheckFormat(torch::serialize::InputArchive& archive, const std::string& path) {
  c10::IValue format;
  if (!archive.try_read("format", format) || !format.isString() ||
      format.toStringRef() != kFormat) {
    return absl::DataLossError(
        absl::StrCat(path, " is a LibTorch archive but not a training checkpoint of this program"));
  }
  return absl::OkStatus();
}

absl::StatusOr<TrainTask> ReadTrainTask(torch::serialize::InputArchive& archive,
                                        const std::string& path) {
  TrainTask cfg;
  if (!google::protobuf::TextFormat::ParseFromString(ReadString(archive, "train_task"), &cfg)) {
    return absl::DataLossError(absl::StrCat(path, ": the stored training config does not parse"));
  }
  return cfg;
}

void ReadProgress(torch::serialize::InputArchive& archive, TrainProgress* progress) {
  progress->epoch = ReadInt(archive, "epoch");
  progress->step = ReadInt(archive, "step");
  progress->loss_sum = ReadDouble(archive, "loss_sum");
  progress->train_seconds = ReadDouble(archive, "train_seconds");
  progress->metrics_jsonl = ReadString(archive, "metrics_jsonl");
}

}  // namespace

absl::Status SaveCheckpoint(const std::string& path, const TrainTask& cfg, torch::nn::Module& model,
                            torch::optim::Optimizer& optimizer, const TrainProgress& progress) {
  std::string bytes;
  absl::Status built = Guarded("write", path, [&] {
    std::string cfg_text;
    google::protobuf::TextFormat::PrintToString(cfg, &cfg_text);
    torch::serialize::OutputArchive archive;
    archive.write("format", c10::IValue(std::string(kFormat)));
    archive.write("train_task", c10::IValue(cfg_text));
    archive.write("epoch", c10::IValue(progress.epoch));
    archive.write("step", c10::IValue(progress.step));
    archive.write("loss_sum", c10::IValue(progress.loss_sum));
    archive.write("train_seconds", c10::IValue(progress.train_seconds));
    archive.write("metrics_jsonl", c10::IValue(progress.metrics_jsonl));
    {
      at::Generator generator = DefaultGenerator();
      std::lock_guard<std::mutex> lock(generator.mutex());
      archive.write("rng_state", generator.get_state(), /*is_buffer=*/true);
    }
    torch::serialize::OutputArchive model_archive;
    model.save(model_archive);
    archive.write("model", model_archive);
    torch::serialize::OutputArchive optimizer_archive;
    optimizer.save(optimizer_archive);
    archive.write("optimizer", optimizer_archive);
    archive.save_to([&bytes](const void* data, size_t size) {
      bytes.append(static_cast<const char*>(data), size);
      return size;
    });
    return absl::OkStatus();
  });
  if (!built.ok()) return built;
  return WriteFileAtomically(path, bytes);
}

absl::Status LoadCheckpoint(const std::string& path, torch::nn::Module& model,
                            torch::optim::Optimizer* optimizer, TrainProgress* progress) {
  return Guarded("read", path, [&]() -> absl::Status {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    if (absl::Status s = CheckFormat(archive, path); !s.ok()) return s;
    torch::serialize::InputArchive model_archive;
    archive.read("model", model_archive);
    model.load(model_archive);
    if (optimizer != nullptr) {
      torch::serialize::InputArchive optimizer_archive;
      archive.read("optimizer", optimizer_archive);
      optimizer->load(optimizer_archive);
      torch::Tensor state;
      archive.read("rng_state", state, /*is_buffer=*/true);
      at::Generator generator = DefaultGenerator();
      std::lock_guard<std::mutex> lock(generator.mutex());
      generator.set_state(state);
    }
    if (progress != nullptr) ReadProgress(archive, progress);
    return absl::OkStatus();
  });
}

absl::StatusOr<LoadedModel> LoadModelFromCheckpoint(const std::string& path, int rows, int cols,
                                                    int num_classes) {
  if (!FileExists(path)) return absl::NotFoundError(absl::StrCat("no checkpoint at ", path));
  LoadedModel loaded;
  absl::Status status = Guarded("read", path, [&]() -> absl::Status {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    if (absl::Status s = CheckFormat(archive, path); !s.ok()) return s;
    absl::StatusOr<TrainTask> cfg = ReadTrainTask(archive, path);
    if (!cfg.ok()) return cfg.status();
    loaded.cfg = *std::move(cfg);
    auto model = MakeClassifier(loaded.cfg, rows, cols, num_classes);
    if (!model.ok()) return model.status();
    loaded.model = *std::move(model);
    torch::serialize::InputArchive model_archive;
    archive.read("model", model_archive);
    loaded.model->load(model_archive);
    ReadProgress(archive, &loaded.progress);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return loaded;
}

absl::StatusOr<CheckpointSummary> ReadCheckpointSummary(const std::string& path) {
  constexpr int kSide = 28;
  auto loaded = LoadModelFromCheckpoint(path, kSide, kSide, kNumClasses);
  if (!loaded.ok()) return loaded.status();
  CheckpointSummary summary;
  summary.epoch = loaded->progress.epoch;
  summary.step = loaded->progress.step;
  summary.metrics_jsonl = loaded->progress.metrics_jsonl;
  google::protobuf::TextFormat::PrintToString(loaded->cfg, &summary.train_task_text);
  auto add = [&summary](const std::string& name, const torch::Tensor& tensor) {
    torch::Tensor values = tensor.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    summary.tensors[name].assign(values.data_ptr<float>(),
                                 values.data_ptr<float>() + values.numel());
  };
  for (const auto& item : loaded->model->named_parameters()) add(item.key(), item.value());
  for (const auto& item : loaded->model->named_buffers()) add(item.key(), item.value());
  return summary;
}

}  // namespace runners
