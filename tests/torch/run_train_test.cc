// Tests of the train and eval tasks through the `run` command: a killed run
// continued with --mode start_continue, local data parallelism (num_procs:
// 2), and an eval that finds its checkpoint by //sig/ and its data by
// //reference/.
#include <signal.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "heyhi/base/subprocess.h"
#include "nlohmann/json.hpp"
#include "runners/checkpoint_summary.h"
#include "tests/temp_tree.h"
#include "tests/torch/runner_test_util.h"

namespace runners {
namespace {

using ::runners_test::MetricsWithoutTimes;
using ::runners_test::ReadMetrics;
using ::runners_test::Slurp;
using ::testing::HasSubstr;

const std::string kSourceDir = HEYHI_SOURCE_DIR;

// The exp dirs under `exp_root` that hold a metrics.jsonl.
std::vector<std::string> ExpDirsWithMetrics(const std::string& exp_root) {
  std::vector<std::string> dirs;
  std::error_code error;
  for (auto it = std::filesystem::recursive_directory_iterator(exp_root, error);
       it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (it->path().filename() == "metrics.jsonl") dirs.push_back(it->path().parent_path());
  }
  return dirs;
}

std::string OnlyExpDir(const std::string& exp_root) {
  std::vector<std::string> dirs = ExpDirsWithMetrics(exp_root);
  EXPECT_EQ(dirs.size(), 1u) << "exp dirs with metrics under " << exp_root;
  return dirs.empty() ? exp_root : dirs[0];
}

// Starts `run` with `args`, exp dirs under `exp_root` and `env` added.
pid_t StartRun(const std::vector<std::string>& args, const std::string& exp_root,
               const std::string& log_path, std::vector<std::string> env = {}) {
  std::vector<std::string> argv = {runners_test::RunBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  env.push_back("HH_EXP_DIR=" + exp_root);
  return runners_test::StartProcess(argv, env, log_path);
}

TEST(RunTrain, KilledRunContinuedWithStartContinueEndsWithTheWeightsOfAnUninterruptedRun) {
  heyhi::TempTree tree;
  // The repository's default config, made small: a narrow CNN (batch norm,
  // dropout) on 2048 images, 60 steps per epoch.
  const std::vector<std::string> args = {"-c",
                                         kSourceDir + "/conf/c02_sup_train/sl.prototxt",
                                         "data.max_train_samples=2048",
                                         "data.max_test_samples=200",
                                         "conv.channels=8",
                                         "max_steps_per_epoch=60",
                                         "num_epochs=3",
                                         "num_threads=1",
                                         "log_every=0"};
  ASSERT_EQ(runners_test::WaitForExit(StartRun(args, tree.Path("whole"), tree.Path("whole.log"))),
            0)
      << Slurp(tree.Path("whole.log"));

  // The first run holds once epoch 1 is saved, before epoch 2's first step,
  // and is killed there.
  pid_t first =
      StartRun(args, tree.Path("resumed"), tree.Path("first.log"), {runners_test::HoldAtEnv(2, 0)});
  const std::string held = runners_test::WaitUntilHeld(tree.Path("resumed"), first);
  kill(first, SIGKILL);
  ASSERT_EQ(runners_test::WaitForExit(first), 128 + SIGKILL) << Slurp(tree.Path("first.log"));
  ASSERT_NE(held, "") << Slurp(tree.Path("first.log"));
  const std::string exp_dir = OnlyExpDir(tree.Path("resumed"));
  EXPECT_EQ(held, exp_dir);
  ASSERT_EQ(ReadMetrics(exp_dir).size(), 1u);

  std::vector<std::string> continue_args = args;
  continue_args.push_back("--mode=start_continue");
  ASSERT_EQ(runners_test::WaitForExit(
                StartRun(continue_args, tree.Path("resumed"), tree.Path("second.log"))),
            0)
      << Slurp(tree.Path("second.log"));
  const std::string second_log = Slurp(tree.Path("second.log"));
  EXPECT_THAT(second_log, HasSubstr("status: DEAD\nmode: start_continue -> run"));
  EXPECT_THAT(second_log, HasSubstr("at epoch 2, step 0"));
  // The same folder, continued.
  EXPECT_EQ(OnlyExpDir(tree.Path("resumed")), exp_dir);
  const std::string whole_dir = OnlyExpDir(tree.Path("whole"));
  EXPECT_EQ(std::filesystem::relative(exp_dir, tree.Path("resumed")),
            std::filesystem::relative(whole_dir, tree.Path("whole")));

  auto resumed = ReadCheckpointSummary(exp_dir + "/checkpoint.pt");
  auto whole = ReadCheckpointSummary(whole_dir + "/checkpoint.pt");
  ASSERT_TRUE(resumed.ok() && whole.ok());
  EXPECT_EQ(resumed->epoch, 3);
  EXPECT_EQ(resumed->tensors, whole->tensors);
  EXPECT_EQ(MetricsWithoutTimes(exp_dir), MetricsWithoutTimes(whole_dir));
}

// runners/run_main.cc: run allocates through tcmalloc (linked in), and the
// trainer says so at start.
TEST(RunTrain, TrainsOnTcmalloc) {
#ifndef HEYHI_WITH_TCMALLOC
  GTEST_SKIP() << "run is built without tcmalloc (HEYHI_TCMALLOC=OFF or no libtcmalloc-minimal4)";
#endif
  heyhi::TempTree tree;
  const std::vector<std::string> args = {"-c",
                                         kSourceDir + "/conf/c02_sup_train/sl_mlp_2procs.prototxt",
                                         "launcher.local.num_procs=1",
                                         "data.max_train_samples=256",
                                         "data.max_test_samples=64",
                                         "max_steps_per_epoch=1",
                                         "num_epochs=1",
                                         "log_every=0"};
  ASSERT_EQ(runners_test::WaitForExit(StartRun(args, tree.Path("exp"), tree.Path("run.log"))), 0)
      << Slurp(tree.Path("run.log"));
  std::string logs = Slurp(tree.Path("run.log"));
  for (const auto& entry : std::filesystem::directory_iterator(OnlyExpDir(tree.Path("exp")))) {
    if (entry.path().extension() == ".log") logs += Slurp(entry.path().string());
  }
  EXPECT_THAT(logs, HasSubstr("malloc: tcmalloc"));
}

TEST(RunTrain, TwoLocalProcessesGiveTheLossCurveOfOneProcessWithTheSameGlobalBatch) {
  heyhi::TempTree tree;
  // One step per epoch, so each metrics line is one step's loss. No dropout:
  // its draws depend on how the batch is split.
  const std::vector<std::string> args = {"-c",
                                         kSourceDir + "/conf/c02_sup_train/sl_mlp_2procs.prototxt",
                                         "mlp.dropout=0",
                                         "data.max_train_samples=1024",
                                         "data.max_test_samples=256",
                                         "batch_size=64",
                                         "max_steps_per_epoch=1",
                                         "num_epochs=6",
                                         "lr_decay=0.9",
                                         "log_every=0"};
  std::vector<std::string> one_process = args;
  one_process.push_back("launcher.local.num_procs=1");
  ASSERT_EQ(
      runners_test::WaitForExit(StartRun(one_process, tree.Path("one"), tree.Path("one.log"))), 0)
      << Slurp(tree.Path("one.log"));
  ASSERT_EQ(runners_test::WaitForExit(StartRun(args, tree.Path("two"), tree.Path("two.log"))), 0)
      << Slurp(tree.Path("two.log"));

  const std::string two_dir = OnlyExpDir(tree.Path("two"));
  EXPECT_THAT(Slurp(two_dir + "/worker_1.log"), HasSubstr("rank 1 of 2 joined the gloo"));
  auto one = ReadMetrics(OnlyExpDir(tree.Path("one")));
  auto two = ReadMetrics(two_dir);
  ASSERT_EQ(one.size(), 6u);
  ASSERT_EQ(two.size(), 6u);
  for (size_t step = 0; step < one.size(); ++step) {
    EXPECT_EQ(one[step]["world_size"], 1);
    EXPECT_EQ(two[step]["world_size"], 2);
    for (const char* key : {"train_loss", "test_loss", "test_accuracy"}) {
      EXPECT_NEAR(one[step][key], two[step][key], 1e-5) << key << " at step " << step + 1;
    }
  }
  // The curve goes down: the comparison is not between two flat lines.
  EXPECT_LT(one.back()["train_loss"], one.front()["train_loss"] - 0.1);

  auto weights_one = ReadCheckpointSummary(OnlyExpDir(tree.Path("one")) + "/checkpoint.pt");
  auto weights_two = ReadCheckpointSummary(two_dir + "/checkpoint.pt");
  ASSERT_TRUE(weights_one.ok() && weights_two.ok());
  for (const auto& [name, values] : weights_one->tensors) {
    const std::vector<float>& other = weights_two->tensors[name];
    ASSERT_EQ(values.size(), other.size()) << name;
    for (size_t i = 0; i < values.size(); ++i) {
      ASSERT_NEAR(values[i], other[i], 1e-5) << name << "[" << i << "]";
    }
  }
}

// SPEC §12 with the real task: the repository's grid of four short MLP
// trainings, two at a time; the table shows four DONE with their accuracy,
// and running the grid again launches nothing.
TEST(RunTrain, GridOfFourTrainingsRunsTwoAtATimeAndAgainLaunchesNothing) {
  heyhi::TempTree tree;
  heyhi::ProgramOptions options;
  options.env = {"HH_EXP_DIR=" + tree.Path("exp")};
  options.working_dir = kSourceDir;
  const std::vector<std::string> grid = {
      runners_test::RunBinary(), "grid", "mlp_lr", "--jobs", "2", "--wait", "--json"};
  absl::StatusOr<heyhi::ProgramResult> first = heyhi::RunProgram(grid, options);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->exit_code, 0) << first->err;
  EXPECT_THAT(first->err, HasSubstr("launched 4 of 4 member(s)"));
  const nlohmann::json table = nlohmann::json::parse(first->out);
  ASSERT_EQ(table["rows"].size(), 4u) << first->out;
  for (const nlohmann::json& row : table["rows"]) {
    EXPECT_EQ(row["status"], "DONE") << row;
    EXPECT_EQ(row["epoch"], 1) << row;
    // Ten classes: chance is 0.1; even 2,000 images and one epoch do better.
    EXPECT_GT(row["metrics"]["test_accuracy"].get<double>(), 0.3) << row;
  }
  absl::StatusOr<heyhi::ProgramResult> again = heyhi::RunProgram(grid, options);
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_EQ(again->exit_code, 0) << again->err;
  EXPECT_THAT(again->err, HasSubstr("nothing to launch"));
  EXPECT_THAT(again->err, ::testing::Not(HasSubstr("launched ")));
}

TEST(RunEval, EvalLoadsTheCheckpointOfASigPrefixAndTheDataOfAReferencePath) {
  heyhi::TempTree tree;
  // The reference folder holds the data set (a link to the installed one).
  std::filesystem::create_directories(tree.Path("ref"));
  std::filesystem::create_directory_symlink("/usr/share/datasets/fashion-mnist",
                                            tree.Path("ref/fashion-mnist"));
  const std::vector<std::string> env = {"HH_REFERENCE_DIR=" + tree.Path("ref"),
                                        "HH_CLUSTER=", "HH_ENV="};
  const std::vector<std::string> train = {"-c",
                                          kSourceDir + "/conf/c02_sup_train/sl.prototxt",
                                          "data.dir=//reference/fashion-mnist",
                                          "data.max_train_samples=512",
                                          "data.max_test_samples=200",
                                          "conv.channels=4",
                                          "num_epochs=1",
                                          "max_steps_per_epoch=8",
                                          "num_threads=1",
                                          "log_every=0"};
  ASSERT_EQ(
      runners_test::WaitForExit(StartRun(train, tree.Path("exp"), tree.Path("train.log"), env)), 0)
      << Slurp(tree.Path("train.log"));
  const std::string train_dir = OnlyExpDir(tree.Path("exp"));
  const double last_accuracy = ReadMetrics(train_dir).back()["test_accuracy"];
  const std::string sig = train_dir.substr(train_dir.size() - 12);

  const std::vector<std::string> eval = {"-c", kSourceDir + "/conf/c01_eval/eval.prototxt",
                                         "checkpoint=//sig/" + sig.substr(0, 5) + "/checkpoint.pt",
                                         "data.dir=//reference/fashion-mnist",
                                         "data.max_test_samples=200"};
  ASSERT_EQ(runners_test::WaitForExit(StartRun(eval, tree.Path("exp"), tree.Path("eval.log"), env)),
            0)
      << Slurp(tree.Path("eval.log"));
  const std::string log = Slurp(tree.Path("eval.log"));
  const std::string marker = "exp dir: ";
  const size_t at = log.find(marker);
  ASSERT_NE(at, std::string::npos) << log;
  const std::string eval_dir =
      log.substr(at + marker.size(), log.find('\n', at) - at - marker.size());
  const std::string text = Slurp(eval_dir + "/result.json");
  const nlohmann::json result = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(result.is_object()) << text << log;
  EXPECT_EQ(result["checkpoint"], train_dir + "/checkpoint.pt");
  EXPECT_EQ(result["epochs_trained"], 1);
  EXPECT_EQ(result["num_samples"], 200);
  EXPECT_EQ(result["accuracy"].get<double>(), last_accuracy) << text;

  // A reference that is not there fails the eval, naming both paths.
  std::vector<std::string> missing = eval;
  missing.back() = "data.dir=//reference/no-such-data";
  missing.push_back("data.max_test_samples=100");
  EXPECT_EQ(
      runners_test::WaitForExit(StartRun(missing, tree.Path("exp"), tree.Path("missing.log"), env)),
      1);
  EXPECT_THAT(Slurp(tree.Path("missing.log")),
              HasSubstr("data.dir: '//reference/no-such-data' is " + tree.Path("ref/no-such-data") +
                        ", which does not exist"));
}

}  // namespace
}  // namespace runners
