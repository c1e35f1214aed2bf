// run never launches twice, never wipes what is not its own, and creates
// nothing when asked only to look (SPEC §6, §8).
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
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
  const std::string may_end = box.scratch + "/may_end";
  // The task that launches runs until may_end exists, so the other run can
  // only find it RUNNING, however late it comes.
  const std::vector<std::string> args = {"-c", kSleep, "wait_file=" + may_end, "write_file=" + ran};
  RunProcess a = box.Start(args);
  RunProcess b = box.Start(args);
  // The run that did not launch ends first (one that launched waits for
  // may_end, or fails after wait_file_timeout): wait for it without reaping it.
  siginfo_t first{};
  ASSERT_EQ(waitid(P_ALL, 0, &first, WEXITED | WNOWAIT), 0);
  ASSERT_TRUE(first.si_pid == a.pid || first.si_pid == b.pid) << first.si_pid;
  const RunProcess& skipped = first.si_pid == a.pid ? a : b;
  const RunProcess& launched = first.si_pid == a.pid ? b : a;
  const RunResult rs = Wait(skipped);
  std::ofstream(may_end).close();
  const RunResult rl = Wait(launched);
  EXPECT_EQ(rs.exit_code, 0) << rs.err;
  EXPECT_EQ(rl.exit_code, 0) << rl.err;
  EXPECT_EQ(CountLines(ran), 1);
  EXPECT_EQ(Line(rs.out, "status after"), "RUNNING") << rs.out;
  EXPECT_EQ(Line(rl.out, "status after"), "DONE") << rl.out;
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

TEST(RunSafety, AFolderByTheNameOfTheMarkerIsNoMarker) {
  RunSandbox box;
  box.tree.Write("exp/xp/.heyhi/precious.txt", "keep");
  const RunResult r = box.Run({"-c", kSleep, "--out", "xp", "--mode", "restart", "--force"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("exists and is not heyhi's (no .heyhi marker)"), std::string::npos) << r.err;
  EXPECT_EQ(box.tree.Read("exp/xp/.heyhi/precious.txt"), "keep");
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

TEST(RunSafety, OutThroughASymbolicLinkIsRefusedAndTheLinkedFolderStaysTheUsers) {
  RunSandbox box;
  box.tree.Write("mine/precious.txt", "keep");
  const std::string link = box.tree.Path("link");
  std::filesystem::create_directory_symlink(box.tree.Path("mine"), link);
  RunResult r = box.Run({"-c", kSleep, "--out", link});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("is a symbolic link"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(box.tree.Path("mine/.heyhi")));
  // So the folder never becomes heyhi's: a restart there wipes nothing.
  r = box.Run({"-c", kSleep, "--out", box.tree.Path("mine"), "--mode", "restart", "--force"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(box.tree.Read("mine/precious.txt"), "keep");
  const std::vector<std::string> left = {box.tree.Path("mine/precious.txt")};
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(box.tree.Path("mine"))) {
    files.push_back(entry.path().string());
  }
  EXPECT_EQ(files, left);
}

TEST(RunSafety, TheNextRunRemovesTempFilesThatAKilledRunLeftBehind) {
  RunSandbox box;
  RunResult r = box.Run({"-c", kSleep, "fail=true"});
  ASSERT_EQ(r.exit_code, 1);
  const std::string dir = Line(r.out, "exp dir");
  // A run killed in the middle of an atomic write leaves its temp file.
  box.tree.Write(dir.substr(box.tree.root().size() + 1) + "/heyhi.xp.prototxt.tmp.999999.0",
                 "half");
  r = box.Run({"-c", kSleep, "fail=true", "--mode", "start_continue"});
  EXPECT_NE(r.out.find("removed 1 temporary file(s) left by a killed run"), std::string::npos)
      << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir + "/heyhi.xp.prototxt.tmp.999999.0"));
  EXPECT_EQ(Line(r.out, "status after"), "DEAD");
}

TEST(RunSafety, ASnapshotThatCannotBeMadeLeavesNoExpDir) {
  RunSandbox box;
  const std::string file = box.tree.Write("file", "x");
  const RunResult r = box.Run({"-c", kSleep, "--checkpoint", file + "/cache"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot create folder " + file + "/cache: Not a directory"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(IsEmptyDir(box.exp_root));
}

TEST(RunSafety, ALaunchThatFailsBeforeItsTaskStartsLeavesNoExpDir) {
  RunSandbox box;
  box.tree.Write("exp/.xps", "not a folder");  // the XP index cannot be written
  RunResult r = box.Run({"-c", kSleep, "--checkpoint="});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(box.exp_root + "/.xps exists and is not a folder"), std::string::npos)
      << r.err;
  std::vector<std::string> left;
  for (const auto& entry : std::filesystem::directory_iterator(box.exp_root)) {
    left.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(left, std::vector<std::string>{".xps"});
  // A restart wiped the folder: failing, it leaves none either.
  std::filesystem::remove(box.exp_root + "/.xps");
  r = box.Run({"-c", kSleep, "--checkpoint="});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string dir = Line(r.out, "exp dir");
  std::filesystem::remove(box.exp_root + "/.xps/" + dir.substr(dir.size() - 12));
  std::filesystem::remove(box.exp_root + "/.xps");
  box.tree.Write("exp/.xps", "not a folder");
  r = box.Run({"-c", kSleep, "--checkpoint=", "--mode", "restart", "--force"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_EQ(Line(box.Run({"-c", kSleep, "--mode", "dryrun"}).out, "status"), "NOT_STARTED");
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

TEST(RunSafety, DescribeOfAnUnknownKeySaysSoOnce) {
  RunSandbox box;
  const RunResult r = box.Run({"-c", kSleep, "--describe", "lrr"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(
      r.err.rfind("run: --describe lrr: TestSleepTask has no field \"lrr\"; did you mean: lr", 0),
      0u)
      << r.err;
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
