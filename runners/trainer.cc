// The train task: data-parallel SGD/Adam training of an image classifier with
// per-epoch validation, metrics, checkpoints and exact resumption.
#include <ATen/CPUGeneratorImpl.h>
#include <dlfcn.h>

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "conf.cfg.h"
#include "glog/logging.h"
#include "heyhi/exp_dir.h"
#include "runners/checkpoint.h"
#include "runners/evaluation.h"
#include "runners/files.h"
#include "runners/hold_point.h"
#include "runners/lr_schedule.h"
#include "runners/tasks.h"

namespace runners {
namespace {

// How long the checkpoint hook waits for the step in flight to finish: well
// within the default 90 s between Slurm's signal and its kill.
constexpr std::chrono::seconds kHookWait{45};

uint64_t Mix(uint64_t x) {  // splitmix64: decorrelates nearby seeds
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// The order of the training samples in `epoch`: the same on every rank.
uint64_t ShuffleSeed(int64_t seed, int64_t epoch) { return Mix(Mix(seed) ^ Mix(epoch + 1)); }

// The generator seed for the random draws (dropout) of one step on one rank.
// A function of the position alone, so that a run resumed at any step — on
// any rank, after a preemption saved only rank 0's state — draws the same.
uint64_t StepSeed(int64_t seed, int64_t epoch, int64_t step, int rank) {
  return Mix(Mix(Mix(Mix(seed) ^ 0x5eed) ^ Mix(epoch)) ^ Mix(step * 4099 + rank));
}

absl::Status CheckConfig(const TrainTaskView& cfg, int world_size) {
  if (cfg.batch_size() <= 0 || cfg.batch_size() % world_size != 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("batch_size %d must be a positive multiple of the number of ranks (%d)",
                        cfg.batch_size(), world_size));
  }
  if (cfg.eval_batch_size() <= 0) return absl::InvalidArgumentError("eval_batch_size must be > 0");
  if (!(cfg.lr() > 0)) return absl::InvalidArgumentError("lr must be > 0");
  if (!(cfg.lr_decay() > 0)) return absl::InvalidArgumentError("lr_decay must be > 0");
  if (cfg.num_epochs() < 1) return absl::InvalidArgumentError("num_epochs must be >= 1");
  if (cfg.warmup_epochs() < 0) return absl::InvalidArgumentError("warmup_epochs must be >= 0");
  if (cfg.clip_grad_norm() < 0) return absl::InvalidArgumentError("clip_grad_norm must be >= 0");
  if (cfg.max_steps_per_epoch() < 0) {
    return absl::InvalidArgumentError("max_steps_per_epoch must be >= 0");
  }
  if (cfg.checkpoint().empty()) {
    return absl::InvalidArgumentError("checkpoint must name a file (relative to the exp dir)");
  }
  return absl::OkStatus();
}

class Trainer {
 public:
  Trainer(const TrainTask& cfg, heyhi::JobContext& ctx) : cfg_(cfg), view_(cfg_), ctx_(ctx) {}

  absl::Status Run();
  // The checkpoint hook: saves the state after the last finished step.
  void SaveFromHook();

 private:
  absl::Status Setup();
  absl::Status Resume();
  absl::Status RunEpoch(int64_t epoch);
  // Rank 0 only: checkpoint, then metrics.jsonl from the checkpoint's lines.
  absl::Status Save();
  void SetLearningRate(double lr);
  std::vector<torch::Tensor> ParametersAndBuffers() const;

  const TrainTask& cfg_;
  TrainTaskView view_;
  heyhi::JobContext& ctx_;
  torch::Device device_{torch::kCPU};
  std::unique_ptr<DataParallelGroup> group_;
  TensorDataset train_, test_;
  std::shared_ptr<ImageClassifier> model_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::string checkpoint_path_;
  int64_t steps_per_epoch_ = 0;
  // Held while a step changes the state, so that the hook saves a whole step.
  std::timed_mutex state_mutex_;
  // Set (under state_mutex_) once Setup, resume included, is done: before, a
  // hook would save a fresh model over the checkpoint it is resuming from.
  bool ready_ = false;
  TrainProgress progress_;
  // Rank 0's test hold point (HEYHI_TEST_HOLD_AT), if it is still to come.
  std::optional<HoldPoint> hold_;
};

absl::Status Trainer::Setup() {
  torch::set_num_threads(ThreadsPerRank(view_.num_threads(), ctx_));
  LOG(INFO) << "threads: " << at::get_num_threads() << " intra-op, "
            << at::get_num_interop_threads() << " inter-op (rank " << ctx_.rank() << " of "
            << ctx_.world_size() << ")";
  // tcmalloc exports tc_malloc, linked in or preloaded.
  LOG(INFO) << "malloc: " << (dlsym(RTLD_DEFAULT, "tc_malloc") != nullptr ? "tcmalloc" : "glibc");
  device_ = RankDevice(ctx_);
  if (device_.is_cpu()) at::globalContext().setDeterministicAlgorithms(true, false);
  auto group = DataParallelGroup::Join(ctx_, device_);
  if (!group.ok()) return group.status();
  group_ = *std::move(group);
  if (absl::Status s = CheckConfig(view_, group_->world_size()); !s.ok()) return s;
  auto hold = ParseHoldPoint(std::getenv(kHoldAtEnv));
  if (!hold.ok()) return hold.status();
  if (group_->rank() == 0 && !FileExists(JoinPath(ctx_.exp_dir(), kHeldFile))) hold_ = *hold;

  auto train = LoadTensorDataset(cfg_.data(), Split::kTrain, ctx_);
  if (!train.ok()) return train.status();
  train_ = *std::move(train);
  auto test = LoadTensorDataset(cfg_.data(), Split::kTest, ctx_);
  if (!test.ok()) return test.status();
  test_ = *std::move(test);
  steps_per_epoch_ = train_.size() / view_.batch_size();
  if (steps_per_epoch_ == 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "batch_size %d is larger than the %d training samples", view_.batch_size(), train_.size()));
  }
  if (view_.max_steps_per_epoch() > 0) {
    steps_per_epoch_ = std::min<int64_t>(steps_per_epoch_, view_.max_steps_per_epoch());
  }

  torch::manual_seed(static_cast<uint64_t>(view_.seed()));
  auto model = MakeClassifier(cfg_, train_.rows, train_.cols, kNumClasses);
  if (!model.ok()) return model.status();
  model_ = *std::move(model);
  model_->to(device_);
  if (view_.optimizer() == TrainTask::ADAM) {
    optimizer_ = std::make_unique<torch::optim::Adam>(
        model_->parameters(),
        torch::optim::AdamOptions(view_.lr()).weight_decay(view_.weight_decay()));
  } else {
    optimizer_ = std::make_unique<torch::optim::SGD>(model_->parameters(),
                                                     torch::optim::SGDOptions(view_.lr())
                                                         .momentum(view_.momentum())
                                                         .weight_decay(view_.weight_decay()));
  }
  checkpoint_path_ = JoinPath(ctx_.exp_dir(), std::string(view_.checkpoint()));
  return Resume();
}

absl::Status Trainer::Resume() {
  // Rank 0 decides, so that all ranks agree even if their views of the file differ.
  torch::Tensor found = torch::tensor({FileExists(checkpoint_path_) ? 1.0f : 0.0f});
  group_->BroadcastFromRankZero({found});
  if (found.item<float>() == 0) {
    group_->BroadcastFromRankZero(ParametersAndBuffers());
    return absl::OkStatus();
  }
  if (absl::Status s = LoadCheckpoint(checkpoint_path_, *model_, optimizer_.get(), &progress_);
      !s.ok()) {
    return s;
  }
  LOG(INFO) << "resuming from " << checkpoint_path_ << " at epoch " << progress_.epoch + 1
            << ", step " << progress_.step << " (requeue count " << ctx_.requeue_count() << ")";
  if (group_->rank() == 0) {
    return WriteFileAtomically(JoinPath(ctx_.exp_dir(), heyhi::kMetricsFile),
                               progress_.metrics_jsonl);
  }
  return absl::OkStatus();
}

std::vector<torch::Tensor> Trainer::ParametersAndBuffers() const {
  std::vector<torch::Tensor> tensors = model_->parameters();
  for (const torch::Tensor& b : model_->buffers()) tensors.push_back(b);
  return tensors;
}

void Trainer::SetLearningRate(double lr) {
  for (auto& param_group : optimizer_->param_groups()) param_group.options().set_lr(lr);
}

absl::Status Trainer::RunEpoch(int64_t epoch) {
  const int world = group_->world_size();
  const int64_t global_batch = view_.batch_size();
  const int64_t local_batch = global_batch / world;
  const LrSchedule schedule{view_.lr(), view_.lr_decay(), view_.warmup_epochs()};
  torch::Tensor order = torch::randperm(
      train_.size(), at::detail::createCPUGenerator(ShuffleSeed(view_.seed(), epoch)),
      torch::kInt64);
  model_->train();
  const std::vector<torch::Tensor> parameters = model_->parameters();
  while (true) {
    // Before the step takes the lock, so that a checkpoint hook can save the
    // held state. Only this thread changes progress_.
    if (hold_ && hold_->epoch == epoch + 1 && hold_->step == progress_.step) {
      LOG(INFO) << "holding at epoch " << epoch + 1 << " step " << progress_.step << " for a test ("
                << kHoldAtEnv << ")";
      return HoldForTest(*hold_, ctx_.exp_dir());
    }
    std::unique_lock<std::timed_mutex> lock(state_mutex_);
    const int64_t step = progress_.step;
    if (step >= steps_per_epoch_) break;
    const auto start = std::chrono::steady_clock::now();
    const double lr = LearningRate(schedule, epoch, step, steps_per_epoch_);
    SetLearningRate(lr);
    torch::manual_seed(StepSeed(view_.seed(), epoch, step, group_->rank()));
    torch::Tensor indices =
        order.narrow(0, step * global_batch + group_->rank() * local_batch, local_batch);
    torch::Tensor images =
        NormalizeImages(train_.pixels.index_select(0, indices), train_.rows, train_.cols)
            .to(device_);
    torch::Tensor labels = train_.labels.index_select(0, indices).to(device_);
    optimizer_->zero_grad();
    torch::Tensor loss = torch::cross_entropy_loss(model_->forward(images), labels);
    loss.backward();
    // The step's loss travels with the gradients: one collective for both.
    torch::Tensor mean_loss = loss.detach().reshape({1}).clone();
    std::vector<torch::Tensor> shared = {mean_loss};
    for (const torch::Tensor& p : parameters) {
      if (p.grad().defined()) shared.push_back(p.grad());
    }
    group_->MeanInPlace(shared);
    if (view_.clip_grad_norm() > 0)
      torch::nn::utils::clip_grad_norm_(parameters, view_.clip_grad_norm());
    optimizer_->step();
    const double step_loss = mean_loss.item<double>();
    if (!std::isfinite(step_loss)) {
      return absl::InternalError(absl::StrFormat(
          "the training loss is %f at epoch %d step %d (lr %g): lower lr or set clip_grad_norm",
          step_loss, epoch + 1, step, lr));
    }
    progress_.loss_sum += step_loss;
    progress_.step = step + 1;
    progress_.train_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (group_->rank() == 0 && view_.log_every() > 0 && (step + 1) % view_.log_every() == 0) {
      LOG(INFO) << absl::StrFormat("epoch %d step %d/%d loss %.4f lr %.5g", epoch + 1, step + 1,
                                   steps_per_epoch_, step_loss, lr);
    }
  }

  // Batch-norm statistics differ per rank; validate and save rank 0's.
  group_->BroadcastFromRankZero(model_->buffers());
  const auto eval_start = std::chrono::steady_clock::now();
  const EvalResult test =
      Evaluate(*model_, test_, view_.eval_batch_size(), kNumClasses, device_, *group_);
  const double eval_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - eval_start).count();

  std::lock_guard<std::timed_mutex> lock(state_mutex_);
  const int64_t samples = steps_per_epoch_ * global_batch;
  const std::map<std::string, double> metrics = {
      {"train_loss", progress_.loss_sum / steps_per_epoch_},
      {"test_loss", test.loss},
      {"test_accuracy", test.accuracy},
      {"lr", LearningRate(schedule, epoch, steps_per_epoch_ - 1, steps_per_epoch_)},
      {"train_samples", static_cast<double>(samples)},
      {"train_seconds", progress_.train_seconds},
      {"epoch_seconds", progress_.train_seconds + eval_seconds},
      {"samples_per_s", samples / std::max(progress_.train_seconds, 1e-9)},
      {"world_size", static_cast<double>(world)}};
  LOG(INFO) << absl::StrFormat(
      "epoch %d/%d: train loss %.4f, test loss %.4f, test accuracy %.4f, %.1f s, %.0f samples/s",
      epoch + 1, view_.num_epochs(), progress_.loss_sum / steps_per_epoch_, test.loss,
      test.accuracy, progress_.train_seconds + eval_seconds,
      samples / std::max(progress_.train_seconds, 1e-9));
  // Metrics before the checkpoint: a run killed in between redoes the epoch,
  // and LogMetrics replaces its line instead of repeating it.
  if (absl::Status logged = ctx_.LogMetrics(metrics, epoch + 1, (epoch + 1) * steps_per_epoch_);
      !logged.ok()) {
    return logged;
  }
  if (group_->rank() == 0) {
    absl::StatusOr<std::string> written =
        ReadFileToString(JoinPath(ctx_.exp_dir(), heyhi::kMetricsFile));
    if (!written.ok()) return written.status();
    progress_.metrics_jsonl = *written;
  }
  progress_.epoch = epoch + 1;
  progress_.step = 0;
  progress_.loss_sum = 0;
  progress_.train_seconds = 0;
  return Save();
}

absl::Status Trainer::Save() {
  if (group_->rank() != 0) return absl::OkStatus();
  return SaveCheckpoint(checkpoint_path_, cfg_, *model_, *optimizer_, progress_);
}

void Trainer::SaveFromHook() {
  std::unique_lock<std::timed_mutex> lock(state_mutex_, kHookWait);
  if (!lock.owns_lock()) {
    LOG(ERROR) << "checkpoint hook: the training step did not finish within " << kHookWait.count()
               << " s; keeping the last checkpoint";
    return;
  }
  if (!ready_) {
    LOG(WARNING) << "checkpoint hook: training has not started; keeping the last checkpoint";
    return;
  }
  if (group_->rank() != 0) return;
  absl::Status saved = SaveCheckpoint(checkpoint_path_, cfg_, *model_, *optimizer_, progress_);
  if (saved.ok()) {
    LOG(INFO) << "checkpoint hook: saved epoch " << progress_.epoch + 1 << " step "
              << progress_.step << " to " << checkpoint_path_;
  } else {
    LOG(ERROR) << "checkpoint hook: " << saved;
  }
}

absl::Status Trainer::Run() {
  if (absl::Status s = Setup(); !s.ok()) return s;
  {
    std::lock_guard<std::timed_mutex> lock(state_mutex_);
    ready_ = true;
  }
  if (progress_.epoch >= view_.num_epochs()) {
    LOG(INFO) << "the checkpoint already holds all " << view_.num_epochs() << " epochs";
    return absl::OkStatus();
  }
  for (int64_t epoch = progress_.epoch; epoch < view_.num_epochs(); ++epoch) {
    if (absl::Status s = RunEpoch(epoch); !s.ok()) return s;
  }
  group_->Barrier();
  return absl::OkStatus();
}

}  // namespace

absl::Status RunTraining(const TrainTask& cfg, heyhi::JobContext& ctx) {
  Trainer trainer(cfg, ctx);
  ctx.SetCheckpointHook([&trainer] { trainer.SaveFromHook(); });
  absl::Status status;
  try {
    status = trainer.Run();
  } catch (const std::exception& e) {
    status = absl::InternalError(absl::StrCat("train: ", TorchErrorMessage(e)));
  }
  ctx.SetCheckpointHook(nullptr);
  return status;
}

}  // namespace runners
