// run never launches twice, never wipes what is not its own, and creates
// nothing when asked only to look (SPEC §6, §8).
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "run_test_helpers.h"

namespace heyhi_test {
namespace {

const char kSleep[] = "conf/c90_test/sleep.prototxt";

TEST(RunSafety, TwoRacingRunsLaunchOnce) {
  RunSandbox box;
  const std::string ran = box.scratch + "/ran.txt";
  const std::vector<std::string> args = {"-c", kSleep, "seconds=3", "write_file=" + ran};
  RunProcess a = box.Start(args);
  RunProcess b = box.Start(args);
  RunResult ra = Wait(a);
  RunResult rb = Wait(b);
  EXPECT_EQ(ra.exit_code, 0) << ra.err;
  EXPECT_EQ(rb.exit_code, 0) << rb.err;
  EXPECT_EQ(CountLines(ran), 1);
  const std::string after_a = Line(ra.out, "status after");
  const std::string after_b = Line(rb.out, "status after");
  EXPECT_TRUE((after_a == "DONE" && after_b == "RUNNING") ||
              (after_a == "RUNNING" && after_b == "DONE"))
      << ra.out << "\n---\n"
      << rb.out;
}

TEST(RunSafety, RestartRefusesAFolderWithoutTheMarkerAndDeletesNothing) {
  RunSandbox box;
  box.tree.Write("exp/xp/precious.txt", "keep");
  const RunResult r = box.Run({"-c", kSleep, "--out", "xp", "--mode", "restart", "--force"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("marker"), std::string::npos) << r.err;
  EXPECT_EQ(box.tree.Read("exp/xp/precious.txt"), "keep");
  EXPECT_FALSE(std::filesystem::exists(box.exp_root + "/xp/.heyhi"));
}

TEST(RunSafety, RestartRefusesOutRootAndDeletesNothing) {
  RunSandbox box;
  box.tree.Write("exp/other/precious.txt", "keep");
  for (const std::string& out : std::vector<std::string>{"/", ".", box.exp_root}) {
    const RunResult r = box.Run({"-c", kSleep, "--out", out, "--mode", "restart", "--force"});
    EXPECT_NE(r.exit_code, 0) << out;
    EXPECT_FALSE(r.err.empty()) << out;
  }
  EXPECT_EQ(box.tree.Read("exp/other/precious.txt"), "keep");
  EXPECT_TRUE(std::filesystem::exists("/tmp"));
}

TEST(RunSafety, TheExpRootItselfIsNeverAnExpDir) {
  RunSandbox box;
  const RunResult r = box.Run({"-c", kSleep, "--out", box.exp_root, "--mode", "restart"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("exp root itself"), std::string::npos) << r.err;
  EXPECT_TRUE(IsEmptyDir(box.exp_root));
}

TEST(RunSafety, WipeDoesNotFollowASymlinkOutOfTheExpDir) {
  RunSandbox box;
  ASSERT_EQ(box.Run({"-c", kSleep, "--out", "xp"}).exit_code, 0);
  const std::string target = box.tree.Write("outside/data/precious.txt", "keep");
  std::filesystem::create_directory_symlink(box.tree.Path("outside/data"),
                                            box.exp_root + "/xp/link");
  const RunResult r = box.Run({"-c", kSleep, "--out", "xp", "--mode", "restart", "--force"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(std::filesystem::exists(box.exp_root + "/xp/link"));
  EXPECT_EQ(box.tree.Read("outside/data/precious.txt"), "keep");
}

TEST(RunSafety, PrintAndDryrunCreateNothing) {
  RunSandbox box;
  const std::vector<std::vector<std::string>> looks = {
      {"--print"},          {"--print-flat"},     {"--print-flat-all"},
      {"--describe", "lr"}, {"--mode", "dryrun"}, {"--adhoc", "--mode", "dryrun"}};
  for (const auto& look : looks) {
    std::vector<std::string> args = {"-c", kSleep, "lr=0.5"};
    args.insert(args.end(), look.begin(), look.end());
    const RunResult r = box.Run(args);
    EXPECT_EQ(r.exit_code, 0) << look[0] << ": " << r.err;
    EXPECT_FALSE(r.out.empty()) << look[0];
  }
  EXPECT_TRUE(IsEmptyDir(box.exp_root));
}

TEST(RunSafety, PrintingWorksForATaskWithNoRegisteredFunction) {
  RunSandbox box;
  const RunResult r = box.Run({"-c", "conf/c90_test/all_kinds.prototxt", "--print-flat"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(IsEmptyDir(box.exp_root));
}

TEST(RunSafety, LaunchingAnUnregisteredTaskIsAnErrorBeforeAnythingIsCreated) {
  RunSandbox box;
  const RunResult r = box.Run({"-c", "conf/c90_test/all_kinds.prototxt"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no task registered for \"test_all_kinds\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("registered tasks: test_sleep"), std::string::npos) << r.err;
  EXPECT_TRUE(IsEmptyDir(box.exp_root));
}

TEST(RunSafety, SlurmLauncherAskingTheImpossibleIsAnErrorBeforeAnythingIsCreated) {
  RunSandbox box;
  const RunResult r = box.Run({"-c", kSleep, "Ilauncher=slurm", "launcher.slurm.num_gpus=12"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("num_gpus"), std::string::npos) << r.err;
  EXPECT_TRUE(IsEmptyDir(box.exp_root));
}

}  // namespace
}  // namespace heyhi_test
