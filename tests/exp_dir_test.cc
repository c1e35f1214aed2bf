// Tests of the exp dir unit: status from heyhi's files, the launch lock,
// atomic writes and the wipe safety rules of SPEC §6.
#include "heyhi/exp_dir.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "temp_tree.h"

namespace heyhi {
namespace {

namespace fs = std::filesystem;

std::string Host() {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  return host;
}

// The pid of a process that has exited and been collected.
int DeadPid() {
  const pid_t pid = fork();
  if (pid == 0) _exit(0);
  int status = 0;
  waitpid(pid, &status, 0);
  return pid;
}

TEST(ExpDirStatus, NoJobIdIsNotStarted) {
  TempTree tree;
  ExpDir dir(tree.Path("xp"), tree.root());
  EXPECT_EQ(dir.Status(), XpStatus::kNotStarted);
  ASSERT_TRUE(dir.Create().ok());
  EXPECT_EQ(dir.Status(), XpStatus::kNotStarted);
}

TEST(ExpDirStatus, LiveLocalProcessIsRunning) {
  TempTree tree;
  ExpDir dir(tree.Path("xp"), tree.root());
  ASSERT_TRUE(dir.Create().ok());
  ASSERT_TRUE(dir.RecordJobId(absl::StrCat("local:", getpid(), "@", Host())).ok());
  EXPECT_EQ(dir.Status(), XpStatus::kRunning);
}

TEST(ExpDirStatus, ExitedProcessWithoutDoneMarkerIsDead) {
  TempTree tree;
  ExpDir dir(tree.Path("xp"), tree.root());
  ASSERT_TRUE(dir.Create().ok());
  ASSERT_TRUE(dir.RecordJobId(absl::StrCat("local:", DeadPid(), "@", Host())).ok());
  EXPECT_EQ(dir.Status(), XpStatus::kDead);
}

TEST(ExpDirStatus, DoneMarkerWrittenByHeyhiIsDone) {
  TempTree tree;
  ExpDir dir(tree.Path("xp"), tree.root());
  ASSERT_TRUE(dir.Create().ok());
  ASSERT_TRUE(dir.RecordJobId(absl::StrCat("local:", DeadPid(), "@", Host())).ok());
  ASSERT_TRUE(dir.MarkDone().ok());
  EXPECT_EQ(dir.Status(), XpStatus::kDone);
}

TEST(ExpDirStatus, ProbeErrorIsReportedAsRunningSoNothingIsWiped) {
  TempTree tree;
  ExpDir dir(tree.Path("xp"), tree.root());
  ASSERT_TRUE(dir.Create().ok());
  ASSERT_TRUE(dir.RecordJobId("slurm:42").ok());
  EXPECT_EQ(dir.Status([](const std::string&) -> absl::StatusOr<bool> {
    return absl::UnavailableError("controller down");
  }),
            XpStatus::kRunning);
  EXPECT_EQ(dir.Status([](const std::string&) -> absl::StatusOr<bool> { return false; }),
            XpStatus::kDead);
}

TEST(ExpDirStatus, JobOnAnotherHostIsAssumedAlive) {
  EXPECT_TRUE(*LocalJobIsAlive(absl::StrCat("local:", DeadPid(), "@not-", Host())));
  EXPECT_FALSE(LocalJobIsAlive("slurm:3").ok());
  EXPECT_FALSE(LocalJobIsAlive("local:abc@x").ok());
}

TEST(ExpDirLock, SecondLockerIsRefusedWhileTheFirstHoldsIt) {
  TempTree tree;
  ExpDir dir(tree.Path("a/b/xp"), tree.root());
  absl::StatusOr<std::unique_ptr<ExpLock>> first = dir.TryLock();
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_NE(*first, nullptr);
  EXPECT_TRUE(dir.HasMarker());
  absl::StatusOr<std::unique_ptr<ExpLock>> second = dir.TryLock();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*second, nullptr);
  first->reset();
  absl::StatusOr<std::unique_ptr<ExpLock>> third = dir.TryLock();
  ASSERT_TRUE(third.ok());
  EXPECT_NE(*third, nullptr);
}

TEST(ExpDirFiles, WriteFileIsAtomicAndLeavesNoTempFile) {
  TempTree tree;
  ExpDir dir(tree.Path("xp"), tree.root());
  ASSERT_TRUE(dir.Create().ok());
  ASSERT_TRUE(dir.WriteFile("config.prototxt", "lr: 0.1\n").ok());
  ASSERT_TRUE(dir.WriteFile("config.prototxt", "lr: 0.2\n").ok());
  EXPECT_EQ(*dir.ReadFile("config.prototxt"), "lr: 0.2\n");
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << entry.path();
  }
  EXPECT_EQ(dir.ReadFile("missing").status().code(), absl::StatusCode::kNotFound);
}

TEST(ExpDirWipe, RemovesAHeyhiFolderAndEverythingInIt) {
  TempTree tree;
  ExpDir dir(tree.Path("xp"), tree.root());
  ASSERT_TRUE(dir.Create().ok());
  tree.Write("xp/a/b/c.txt", "x");
  tree.Write("xp/top.txt", "y");
  ASSERT_TRUE(dir.Wipe().ok());
  EXPECT_FALSE(fs::exists(dir.path()));
  EXPECT_TRUE(fs::exists(tree.root()));
}

TEST(ExpDirWipe, RefusesAFolderWithoutHeyhisMarkerAndDeletesNothing) {
  TempTree tree;
  tree.Write("xp/precious.txt", "keep");
  ExpDir dir(tree.Path("xp"), tree.root());
  absl::Status wiped = dir.Wipe();
  EXPECT_EQ(wiped.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(wiped.message()).find("marker"), std::string::npos) << wiped;
  EXPECT_EQ(tree.Read("xp/precious.txt"), "keep");
}

TEST(ExpDirWipe, RefusesTheRootTheExpRootAndFoldersOutsideIt) {
  TempTree tree;
  tree.Write("root/.heyhi", "");
  tree.Write("outside/.heyhi", "");
  tree.Write("outside/keep.txt", "keep");
  EXPECT_FALSE(ExpDir("/", "/").Wipe().ok());
  EXPECT_FALSE(ExpDir(tree.Path("root"), tree.Path("root")).Wipe().ok());
  EXPECT_FALSE(ExpDir(tree.Path("outside"), tree.Path("root")).Wipe().ok());
  EXPECT_FALSE(ExpDir(tree.Path("root/../outside"), tree.Path("root")).Wipe().ok());
  EXPECT_EQ(tree.Read("outside/keep.txt"), "keep");
  EXPECT_TRUE(fs::exists(tree.Path("root/.heyhi")));
}

TEST(ExpDirWipe, NeverFollowsASymlinkOutOfTheFolder) {
  TempTree tree;
  tree.Write("elsewhere/data/keep.txt", "keep");
  ExpDir dir(tree.Path("exps/xp"), tree.Path("exps"));
  ASSERT_TRUE(dir.Create().ok());
  fs::create_directory_symlink(tree.Path("elsewhere/data"), tree.Path("exps/xp/link_to_dir"));
  fs::create_symlink(tree.Path("elsewhere/data/keep.txt"), tree.Path("exps/xp/link_to_file"));
  ASSERT_TRUE(dir.Wipe().ok());
  EXPECT_FALSE(fs::exists(dir.path()));
  EXPECT_EQ(tree.Read("elsewhere/data/keep.txt"), "keep");
}

TEST(ExpDirWipe, RefusesWhenTheExpDirItselfIsASymlink) {
  TempTree tree;
  tree.Write("elsewhere/.heyhi", "");
  tree.Write("elsewhere/keep.txt", "keep");
  fs::create_directories(tree.Path("exps"));
  fs::create_directory_symlink(tree.Path("elsewhere"), tree.Path("exps/xp"));
  EXPECT_FALSE(ExpDir(tree.Path("exps/xp"), tree.Path("exps")).Wipe().ok());
  EXPECT_EQ(tree.Read("elsewhere/keep.txt"), "keep");
}

TEST(ExpDirClear, EmptiesTheFolderButKeepsItsMarkerAndTheHeldLock) {
  TempTree tree;
  ExpDir dir(tree.Path("exps/xp"), tree.Path("exps"));
  absl::StatusOr<std::unique_ptr<ExpLock>> lock = dir.TryLock();
  ASSERT_TRUE(lock.ok() && *lock != nullptr);
  tree.Write("exps/xp/sub/a.txt", "x");
  tree.Write("exps/xp/heyhi.done", "done\n");
  ASSERT_TRUE(dir.Clear().ok());
  EXPECT_FALSE(fs::exists(tree.Path("exps/xp/sub")));
  EXPECT_FALSE(fs::exists(tree.Path("exps/xp/heyhi.done")));
  EXPECT_TRUE(dir.HasMarker());
  // The lock file is the same one, still held: a racing run is refused.
  absl::StatusOr<std::unique_ptr<ExpLock>> other = dir.TryLock();
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(*other, nullptr);
}

TEST(ExpDirClear, RefusesAFolderWithoutHeyhisMarker) {
  TempTree tree;
  tree.Write("exps/xp/precious.txt", "keep");
  EXPECT_FALSE(ExpDir(tree.Path("exps/xp"), tree.Path("exps")).Clear().ok());
  EXPECT_EQ(tree.Read("exps/xp/precious.txt"), "keep");
}

}  // namespace
}  // namespace heyhi
