// Tests of the snapshot unit: the content-addressed binary cache, the git
// record of the source tree, and running programs without a shell.
#include "heyhi/experiment/snapshot.h"

#include <sys/stat.h>

#include <filesystem>
#include <vector>

#include "gtest/gtest.h"
#include "heyhi/base/files.h"
#include "heyhi/base/subprocess.h"
#include "temp_tree.h"

namespace heyhi {
namespace {

namespace fs = std::filesystem;

TEST(Snapshot, SameContentGivesTheSameCachedPath) {
  TempTree tree;
  const std::string binary = tree.Write("build/run", "#!/bin/sh\necho v1\n");
  absl::StatusOr<std::string> first = SnapshotBinary(binary, tree.Path("exps"));
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<std::string> second = SnapshotBinary(binary, tree.Path("exps"));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*first, *second);
  EXPECT_EQ(first->rfind(tree.Path("exps/.bin/"), 0), 0u) << *first;
  struct stat st;
  ASSERT_EQ(stat(first->c_str(), &st), 0);
  EXPECT_TRUE(st.st_mode & S_IXUSR);
}

TEST(Snapshot, RebuildingTheBinaryInPlaceLeavesTheSnapshotUnchanged) {
  TempTree tree;
  const std::string binary = tree.Write("build/run", "version one\n");
  absl::StatusOr<std::string> snap = SnapshotBinary(binary, tree.Path("exps"));
  ASSERT_TRUE(snap.ok());
  tree.Write("build/run", "version two\n");  // rewrites the same inode
  std::ifstream in(*snap);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "version one\n");
  absl::StatusOr<std::string> snap2 = SnapshotBinary(binary, tree.Path("exps"));
  ASSERT_TRUE(snap2.ok());
  EXPECT_NE(*snap, *snap2);
}

TEST(Snapshot, AHalfMadeCopyThatAKilledRunLeftIsRemoved) {
  TempTree tree;
  const std::string binary = tree.Write("build/run", "#!/bin/sh\necho v1\n");
  absl::StatusOr<std::string> snap = SnapshotBinary(binary, tree.Path("exps"));
  ASSERT_TRUE(snap.ok()) << snap.status();
  const std::string folder = fs::path(*snap).parent_path().string();
  // Left by runs killed while copying (pid 999999 is gone), once the copy
  // existed and once before it did.
  tree.Write(folder.substr(tree.root().size() + 1) + "/run.tmp.999999.0", "#!/bin/");
  ASSERT_TRUE(SnapshotBinary(binary, tree.Path("exps")).ok());
  EXPECT_FALSE(fs::exists(folder + "/run.tmp.999999.0"));
  fs::remove(*snap);
  tree.Write(folder.substr(tree.root().size() + 1) + "/run.tmp.999999.1", "#!/bin/");
  fs::remove_all(tree.Path("exps/.bin/known"));
  tree.Write("exps/.bin/known/x.tmp.999999.0", "half a hash");
  ASSERT_TRUE(SnapshotBinary(binary, tree.Path("exps")).ok());
  EXPECT_EQ(std::vector<fs::path>(fs::directory_iterator(folder), fs::directory_iterator()),
            std::vector<fs::path>{*snap});
  EXPECT_FALSE(fs::exists(tree.Path("exps/.bin/known/x.tmp.999999.0")));
}

TEST(Snapshot, CurrentExecutableIsThisTestBinary) {
  absl::StatusOr<std::string> self = CurrentExecutable();
  ASSERT_TRUE(self.ok());
  EXPECT_NE(self->find("snapshot_test"), std::string::npos) << *self;
}

TEST(ProgramOutput, CapturesOutputAndReportsFailuresWithStderr) {
  absl::StatusOr<std::string> out = ProgramOutput({"echo", "a b", "$HOME"});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, "a b $HOME\n");  // no shell: nothing expanded
  absl::StatusOr<std::string> failed = ProgramOutput({"ls", "/no/such/path"});
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(std::string(failed.status().message()).find("ls /no/such/path"), std::string::npos);
  absl::StatusOr<std::string> missing = ProgramOutput({"no-such-program-heyhi"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(std::string(missing.status().message()).find("no-such-program-heyhi"),
            std::string::npos);
}

TEST(Snapshot, TheHashIsComputedOncePerVersionOfTheBinary) {
  TempTree tree;
  const std::string binary = tree.Write("bin/run", "#!/bin/sh\necho one\n");
  absl::StatusOr<std::string> first = SnapshotBinary(binary, tree.Path("exps"));
  ASSERT_TRUE(first.ok()) << first.status();
  std::vector<std::string> known;
  for (const auto& entry : fs::directory_iterator(tree.Path("exps/.bin/known"))) {
    known.push_back("exps/.bin/known/" + entry.path().filename().string());
  }
  ASSERT_EQ(known.size(), 1u);
  EXPECT_EQ(tree.Read(known[0]), fs::path(*first).parent_path().filename().string());
  // The remembered hash is taken as it is: pointed at another snapshot, the
  // same binary finds that one, so the binary was not hashed again.
  const std::string other(64, 'a');
  tree.Write("exps/.bin/" + other + "/run", "other");
  tree.Write(known[0], other);
  absl::StatusOr<std::string> again = SnapshotBinary(binary, tree.Path("exps"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, tree.Path("exps/.bin/" + other + "/run"));
  // A rebuild (new content, new time) is hashed again and gets its own snapshot.
  fs::remove(binary);
  tree.Write("bin/run", "#!/bin/sh\necho two\n");
  absl::StatusOr<std::string> rebuilt = SnapshotBinary(binary, tree.Path("exps"));
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
  EXPECT_NE(*rebuilt, *first);
  EXPECT_EQ(*ReadFileToString(*rebuilt), "#!/bin/sh\necho two\n");
}

TEST(RecordSourceState, WritesCommitAndUncommittedDiffInAGitCheckout) {
  TempTree tree;
  const std::string repo = tree.Path("repo");
  tree.Write("repo/a.txt", "one\n");
  ASSERT_TRUE(ProgramOutput({"git", "init", "-q", repo}).ok());
  ASSERT_TRUE(ProgramOutput({"git", "-C", repo, "add", "a.txt"}).ok());
  ASSERT_TRUE(ProgramOutput({"git", "-C", repo, "-c", "user.name=t", "-c", "user.email=t@t",
                             "commit", "-qm", "first"})
                  .ok());
  tree.Write("repo/a.txt", "two\n");
  ExpDir dir(tree.Path("exps/xp"), tree.Path("exps"));
  ASSERT_TRUE(dir.Create().ok());
  ASSERT_TRUE(RecordSourceState(repo, dir).ok());
  absl::StatusOr<std::string> info = dir.ReadFile("git.txt");
  ASSERT_TRUE(info.ok());
  EXPECT_NE(info->find("commit: "), std::string::npos) << *info;
  absl::StatusOr<std::string> diff = dir.ReadFile("workdir.diff");
  ASSERT_TRUE(diff.ok());
  EXPECT_NE(diff->find("+two"), std::string::npos) << *diff;
}

TEST(RecordSourceState, OutsideACheckoutWritesNothing) {
  TempTree tree;
  ExpDir dir(tree.Path("exps/xp"), tree.Path("exps"));
  ASSERT_TRUE(dir.Create().ok());
  ASSERT_TRUE(RecordSourceState(tree.Path("exps"), dir).ok());
  EXPECT_FALSE(fs::exists(dir.File("git.txt")));
}

}  // namespace
}  // namespace heyhi
