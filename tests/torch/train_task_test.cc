// Tests of the train and eval tasks on small slices of Fashion-MNIST:
// determinism, metrics and checkpoints, resuming after a kill or a
// preemption, evaluation, and configuration errors.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "conf.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "runners/checkpoint_summary.h"
#include "runners/tasks.h"
#include "tests/temp_tree.h"
#include "tests/torch/runner_test_util.h"

namespace runners {
namespace {

using ::runners_test::MetricsWithoutTimes;
using ::runners_test::ReadMetrics;
using ::runners_test::Slurp;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// An MLP with dropout: exercises the generator as well as the weights.
constexpr char kTinyMlp[] =
    "mlp { hidden_dim: 32 num_layers: 1 dropout: 0.2 } batch_size: 32 lr: 0.05 "
    "num_epochs: 2 max_steps_per_epoch: 6";
// A CNN with batch norm (buffers) and dropout, 60 steps per epoch.
constexpr char kSmallConv[] =
    "conv { channels: 8 num_blocks: 2 dropout: 0.3 } batch_size: 32 lr: 0.05 lr_decay: 0.7 "
    "clip_grad_norm: 2 num_epochs: 3 max_steps_per_epoch: 60 seed: 11";

MetaCfg ParseMeta(const std::string& text) {
  MetaCfg meta;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &meta)) << text;
  return meta;
}

absl::Status TrainInProcess(const std::string& meta_text, const std::string& exp_dir) {
  std::filesystem::create_directories(exp_dir);
  MetaCfg meta = ParseMeta(meta_text);
  heyhi::JobContext::Job job;
  job.exp_dir = exp_dir;
  heyhi::JobContext ctx(std::move(job));
  return RunTraining(meta.train(), ctx);
}

// The keys of a JSON object, in the file's order.
std::vector<std::string> Keys(const nlohmann::ordered_json& object) {
  std::vector<std::string> keys;
  for (const auto& item : object.items()) keys.push_back(item.key());
  return keys;
}

CheckpointSummary Summary(const std::string& path) {
  absl::StatusOr<CheckpointSummary> summary = ReadCheckpointSummary(path);
  EXPECT_TRUE(summary.ok()) << summary.status();
  return summary.ok() ? *summary : CheckpointSummary{};
}

TEST(Train, SameSeedGivesIdenticalWeightsAndMetrics) {
  heyhi::TempTree tree;
  const std::string config = runners_test::TrainConfig(512, 200, kTinyMlp);
  ASSERT_TRUE(TrainInProcess(config, tree.Path("a")).ok());
  ASSERT_TRUE(TrainInProcess(config, tree.Path("b")).ok());
  const CheckpointSummary a = Summary(tree.Path("a/checkpoint.pt"));
  const CheckpointSummary b = Summary(tree.Path("b/checkpoint.pt"));
  ASSERT_FALSE(a.tensors.empty());
  EXPECT_EQ(a.tensors, b.tensors);
  EXPECT_EQ(MetricsWithoutTimes(tree.Path("a")), MetricsWithoutTimes(tree.Path("b")));
}

TEST(Train, DifferentSeedGivesDifferentWeights) {
  heyhi::TempTree tree;
  ASSERT_TRUE(
      TrainInProcess(runners_test::TrainConfig(512, 200, absl::StrCat(kTinyMlp, " seed: 7")),
                     tree.Path("a"))
          .ok());
  ASSERT_TRUE(
      TrainInProcess(runners_test::TrainConfig(512, 200, absl::StrCat(kTinyMlp, " seed: 8")),
                     tree.Path("b"))
          .ok());
  EXPECT_NE(Summary(tree.Path("a/checkpoint.pt")).tensors,
            Summary(tree.Path("b/checkpoint.pt")).tensors);
}

TEST(Train, WritesOneMetricsLinePerEpochAndACheckpointAtomically) {
  heyhi::TempTree tree;
  ASSERT_TRUE(TrainInProcess(runners_test::TrainConfig(512, 200, kTinyMlp), tree.Path("xp")).ok());
  auto metrics = ReadMetrics(tree.Path("xp"));
  ASSERT_EQ(metrics.size(), 2u);
  for (int epoch = 0; epoch < 2; ++epoch) {
    EXPECT_EQ(metrics[epoch]["epoch"], epoch + 1);
    for (const char* key : {"train_loss", "test_loss", "test_accuracy", "samples_per_s"}) {
      EXPECT_TRUE(metrics[epoch].count(key)) << key;
    }
    EXPECT_EQ(metrics[epoch]["train_samples"], 6 * 32);
  }
  EXPECT_THAT(Slurp(tree.Path("xp/metrics.jsonl")), HasSubstr("\"epoch_seconds\""));
  const CheckpointSummary summary = Summary(tree.Path("xp/checkpoint.pt"));
  EXPECT_EQ(summary.epoch, 2);
  EXPECT_EQ(summary.step, 0);
  EXPECT_EQ(summary.metrics_jsonl, Slurp(tree.Path("xp/metrics.jsonl")));
  EXPECT_THAT(summary.train_task_text, HasSubstr("hidden_dim: 32"));
  // Temp files were renamed away.
  for (const auto& entry : std::filesystem::directory_iterator(tree.Path("xp"))) {
    EXPECT_THAT(entry.path().filename().string(), ::testing::Not(HasSubstr(".tmp")));
  }
}

TEST(Train, RunKilledAfterFirstEpochResumesToTheWeightsOfAnUninterruptedRun) {
  heyhi::TempTree tree;
  const std::string config_path =
      tree.Write("train.prototxt", runners_test::TrainConfig(2048, 200, kSmallConv));
  std::filesystem::create_directories(tree.Path("whole"));
  ASSERT_EQ(runners_test::RunWorker(config_path, tree.Path("whole"), tree.Path("whole.log")), 0)
      << Slurp(tree.Path("whole.log"));

  // The first run holds once epoch 1 is saved, before epoch 2's first step,
  // and is killed there: not before, not later.
  std::filesystem::create_directories(tree.Path("resumed"));
  pid_t first = runners_test::StartWorker(config_path, tree.Path("resumed"), 0, 1, 0,
                                          tree.Path("first.log"), {runners_test::HoldAtEnv(2, 0)});
  const std::string held = runners_test::WaitUntilHeld(tree.Path("resumed"), first);
  kill(first, SIGKILL);
  ASSERT_EQ(runners_test::WaitForExit(first), 128 + SIGKILL) << Slurp(tree.Path("first.log"));
  ASSERT_EQ(held, tree.Path("resumed")) << Slurp(tree.Path("first.log"));
  ASSERT_EQ(ReadMetrics(tree.Path("resumed")).size(), 1u);
  EXPECT_EQ(Summary(tree.Path("resumed/checkpoint.pt")).epoch, 1);

  ASSERT_EQ(runners_test::RunWorker(config_path, tree.Path("resumed"), tree.Path("second.log")), 0)
      << Slurp(tree.Path("second.log"));
  EXPECT_THAT(Slurp(tree.Path("second.log")), HasSubstr("at epoch 2, step 0"));
  EXPECT_EQ(Summary(tree.Path("resumed/checkpoint.pt")).tensors,
            Summary(tree.Path("whole/checkpoint.pt")).tensors);
  EXPECT_EQ(MetricsWithoutTimes(tree.Path("resumed")), MetricsWithoutTimes(tree.Path("whole")));
}

TEST(Train, CheckpointHookMidEpochThenResumeGivesTheWeightsOfAnUninterruptedRun) {
  heyhi::TempTree tree;
  const std::string config_path =
      tree.Write("train.prototxt", runners_test::TrainConfig(2048, 200, kSmallConv));
  std::filesystem::create_directories(tree.Path("whole"));
  ASSERT_EQ(runners_test::RunWorker(config_path, tree.Path("whole"), tree.Path("whole.log")), 0)
      << Slurp(tree.Path("whole.log"));

  // The first run holds after 5 of epoch 2's 60 steps and is preempted there.
  std::filesystem::create_directories(tree.Path("preempted"));
  pid_t first = runners_test::StartWorker(config_path, tree.Path("preempted"), 0, 1, 0,
                                          tree.Path("first.log"), {runners_test::HoldAtEnv(2, 5)});
  const std::string held = runners_test::WaitUntilHeld(tree.Path("preempted"), first);
  kill(first, SIGUSR2);  // task_worker runs the checkpoint hook, then exits 3
  ASSERT_EQ(runners_test::WaitForExit(first), 3) << Slurp(tree.Path("first.log"));
  ASSERT_EQ(held, tree.Path("preempted")) << Slurp(tree.Path("first.log"));
  const CheckpointSummary saved = Summary(tree.Path("preempted/checkpoint.pt"));
  EXPECT_EQ(saved.epoch, 1);
  EXPECT_EQ(saved.step, 5);
  EXPECT_THAT(Slurp(tree.Path("first.log")), HasSubstr("checkpoint hook: saved epoch 2 step 5 "));

  ASSERT_EQ(runners_test::RunWorker(config_path, tree.Path("preempted"), tree.Path("second.log")),
            0)
      << Slurp(tree.Path("second.log"));
  EXPECT_THAT(Slurp(tree.Path("second.log")),
              HasSubstr(absl::StrCat("at epoch 2, step ", saved.step)));
  EXPECT_EQ(Summary(tree.Path("preempted/checkpoint.pt")).tensors,
            Summary(tree.Path("whole/checkpoint.pt")).tensors);
  EXPECT_EQ(MetricsWithoutTimes(tree.Path("preempted")), MetricsWithoutTimes(tree.Path("whole")));
}

TEST(Eval, ResultAccuracyEqualsTheLastValidationOfTheCheckpoint) {
  heyhi::TempTree tree;
  ASSERT_TRUE(
      TrainInProcess(runners_test::TrainConfig(512, 300, kTinyMlp), tree.Path("train")).ok());
  const double last_accuracy = ReadMetrics(tree.Path("train")).back()["test_accuracy"];

  // The checkpoint path is relative to the folder `run` was started from.
  MetaCfg meta = ParseMeta(
      absl::StrCat("eval { checkpoint: \"train/checkpoint.pt\" data { max_test_samples: 300 } }"));
  heyhi::JobContext::Job job;
  job.launch_dir = tree.root();
  job.exp_dir = tree.Path("eval");
  heyhi::JobContext ctx(std::move(job));
  std::filesystem::create_directories(tree.Path("eval"));
  absl::Status status = RunEvaluation(meta.eval(), ctx);
  ASSERT_TRUE(status.ok()) << status;
  const std::string text = Slurp(tree.Path("eval/result.json"));
  const nlohmann::ordered_json result =
      nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(result.is_object()) << text;
  EXPECT_THAT(Keys(result), ElementsAre("checkpoint", "epochs_trained", "num_samples", "accuracy",
                                        "loss", "per_class"));
  EXPECT_EQ(result["checkpoint"], tree.Path("train/checkpoint.pt"));
  EXPECT_EQ(result["accuracy"].get<double>(), last_accuracy) << text;
  EXPECT_EQ(result["num_samples"], 300);
  EXPECT_EQ(result["epochs_trained"], 2);
  const nlohmann::ordered_json& per_class = result["per_class"];
  ASSERT_TRUE(per_class.is_array() && per_class.size() == 10) << text;
  EXPECT_THAT(Keys(per_class[0]), ElementsAre("class", "name", "count", "accuracy"));
  EXPECT_EQ(per_class[0]["class"], 0);
  EXPECT_EQ(per_class[0]["name"], "T-shirt/top");
  EXPECT_EQ(per_class[9]["name"], "Ankle boot");
  int64_t count = 0;
  for (const auto& entry : per_class) count += entry["count"].get<int64_t>();
  EXPECT_EQ(count, 300);
}

TEST(Eval, MissingCheckpointErrorNamesThePath) {
  heyhi::TempTree tree;
  MetaCfg meta = ParseMeta("eval { checkpoint: \"nowhere/checkpoint.pt\" }");
  heyhi::JobContext::Job job;
  job.launch_dir = tree.root();
  job.exp_dir = tree.root();
  heyhi::JobContext ctx(std::move(job));
  absl::Status status = RunEvaluation(meta.eval(), ctx);
  EXPECT_THAT(status.message(), HasSubstr(tree.Path("nowhere/checkpoint.pt")));
}

TEST(Train, EveryEncoderLearnsBeyondChance) {
  heyhi::TempTree tree;
  const char* encoders[] = {
      "mlp { hidden_dim: 64 num_layers: 2 } lr: 0.05",
      "conv { channels: 8 num_blocks: 2 } lr: 0.05",
      "transformer { num_heads: 2 ff_channels: 64 num_blocks: 1 embed_dim: 32 patch_size: 7 "
      "dropout: 0 } optimizer: ADAM lr: 0.003"};
  for (const char* encoder : encoders) {
    const std::string dir = tree.Path(std::to_string(std::hash<std::string>()(encoder)));
    absl::Status status =
        TrainInProcess(runners_test::TrainConfig(
                           2048, 500, absl::StrCat(encoder, " batch_size: 32 num_epochs: 2")),
                       dir);
    ASSERT_TRUE(status.ok()) << encoder << ": " << status;
    // Ten balanced classes: chance is 10%.
    EXPECT_GT(ReadMetrics(dir).back()["test_accuracy"], 0.5) << encoder;
  }
}

TEST(Train, ConfigErrorsNameTheField) {
  heyhi::TempTree tree;
  auto error = [&](const std::string& fields) {
    return std::string(
        TrainInProcess(runners_test::TrainConfig(256, 100, fields), tree.Path("xp")).message());
  };
  EXPECT_THAT(error("batch_size: 32"), HasSubstr("no encoder chosen"));
  EXPECT_THAT(error("mlp {} batch_size: 0"), HasSubstr("batch_size 0 must be a positive multiple"));
  EXPECT_THAT(error("transformer { patch_size: 5 }"),
              HasSubstr("transformer.patch_size 5 does not divide the 28x28 image"));
  EXPECT_THAT(error("transformer { num_heads: 3 embed_dim: 64 }"),
              HasSubstr("transformer.num_heads 3 does not divide transformer.embed_dim 64"));
  EXPECT_THAT(error("conv { num_blocks: 6 }"), HasSubstr("conv.num_blocks 6"));
  EXPECT_THAT(error("mlp { dropout: 1.5 }"), HasSubstr("mlp.dropout 1.5 is not a probability"));
  EXPECT_THAT(error("mlp {} batch_size: 512"),
              HasSubstr("batch_size 512 is larger than the 256 training samples"));
}

TEST(Train, MissingDataFolderErrorNamesTheFile) {
  heyhi::TempTree tree;
  absl::Status status =
      TrainInProcess("train { data { dir: \"/nonexistent/fmnist\" } mlp {} }", tree.Path("xp"));
  EXPECT_THAT(status.message(), HasSubstr("/nonexistent/fmnist/train-images-idx3-ubyte.gz"));
  EXPECT_THAT(status.message(), HasSubstr("dataset-fashion-mnist"));
}

}  // namespace
}  // namespace runners
