// Tests of data-parallel training over c10d/Gloo with worker processes
// started directly (the loss-curve comparison, through `run`, is in
// run_train_test.cc).
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/temp_tree.h"
#include "tests/torch/runner_test_util.h"

namespace runners {
namespace {

using ::runners_test::ReadMetrics;
using ::runners_test::Slurp;
using ::testing::HasSubstr;

// Starts `world_size` workers of `config_path` (rank r in exp_dirs[r]) and
// waits for all; returns their exit codes.
std::vector<int> RunRanks(const heyhi::TempTree& tree, const std::string& config_path,
                          const std::vector<std::string>& exp_dirs) {
  const int port = runners_test::FreePort();
  std::vector<pid_t> pids;
  for (size_t rank = 0; rank < exp_dirs.size(); ++rank) {
    std::filesystem::create_directories(exp_dirs[rank]);
    pids.push_back(runners_test::StartWorker(config_path, exp_dirs[rank], static_cast<int>(rank),
                                             static_cast<int>(exp_dirs.size()), port,
                                             tree.Path(absl::StrCat("rank", rank, ".log"))));
  }
  std::vector<int> codes;
  for (pid_t pid : pids) codes.push_back(runners_test::WaitForExit(pid));
  return codes;
}

TEST(DataParallel, OnlyRankZeroWritesCheckpointAndMetrics) {
  heyhi::TempTree tree;
  const std::string config_path = tree.Write(
      "train.prototxt",
      runners_test::TrainConfig(256, 64, "mlp { hidden_dim: 8 } batch_size: 64 num_epochs: 1"));
  ASSERT_EQ(RunRanks(tree, config_path, {tree.Path("rank0"), tree.Path("rank1")}),
            (std::vector<int>{0, 0}))
      << Slurp(tree.Path("rank0.log")) << Slurp(tree.Path("rank1.log"));
  EXPECT_TRUE(std::filesystem::exists(tree.Path("rank0/checkpoint.pt")));
  EXPECT_EQ(ReadMetrics(tree.Path("rank0")).size(), 1u);
  EXPECT_TRUE(std::filesystem::is_empty(tree.Path("rank1")));
}

TEST(DataParallel, GlobalBatchNotDivisibleByTheRanksIsAnError) {
  heyhi::TempTree tree;
  const std::string config_path = tree.Write(
      "train.prototxt", runners_test::TrainConfig(256, 64, "mlp {} batch_size: 63 num_epochs: 1"));
  EXPECT_EQ(RunRanks(tree, config_path, {tree.Path("xp"), tree.Path("xp")}),
            (std::vector<int>{1, 1}));
  EXPECT_THAT(Slurp(tree.Path("rank0.log")),
              HasSubstr("batch_size 63 must be a positive multiple of the number of ranks (2)"));
}

}  // namespace
}  // namespace runners
