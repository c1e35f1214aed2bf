// File helpers (heyhi/base/files.h): atomic writes and reads.
#include "heyhi/base/files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "temp_tree.h"

namespace heyhi {
namespace {

using ::testing::HasSubstr;

TEST(WriteFileAtomically, ReplacesTheFileAndLeavesNoTemporaryBehind) {
  TempTree tree;
  tree.Write("a.txt", "old");
  ASSERT_TRUE(WriteFileAtomically(tree.Path("a.txt"), "new content").ok());
  EXPECT_EQ(tree.Read("a.txt"), "new content");
  int entries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(tree.root())) {
    (void)entry;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST(WriteFileAtomically, TheFileGetsTheModeAskedFor) {
  TempTree tree;
  ASSERT_TRUE(WriteFileAtomically(tree.Path("run"), "#!/bin/sh\n", 0755).ok());
  struct stat st;
  ASSERT_EQ(stat(tree.Path("run").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
}

TEST(WriteFileAtomically, AFailureLeavesTheOldFileAndNamesThePath) {
  TempTree tree;
  absl::Status status = WriteFileAtomically(tree.Path("no/such/dir/a.txt"), "x");
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr(tree.Path("no/such/dir/a.txt")));
}

TEST(RemoveStaleTempFiles, RemovesTheTempFilesOfGoneProcessesOnly) {
  TempTree tree;
  const std::string live = std::to_string(getpid());
  for (const std::string& name :
       std::vector<std::string>{"run.tmp.999999.0", "run.tmp.999999", "other.tmp.999999.1",
                                "run.tmp." + live + ".0", "run", "run.tmp.x", ".tmp.999999"}) {
    tree.Write(name, "");
  }
  EXPECT_EQ(RemoveStaleTempFiles(tree.root(), "run"), 2);
  EXPECT_FALSE(std::filesystem::exists(tree.Path("run.tmp.999999.0")));
  EXPECT_TRUE(std::filesystem::exists(tree.Path("other.tmp.999999.1")));
  EXPECT_TRUE(std::filesystem::exists(tree.Path("run.tmp." + live + ".0")));  // still writing
  EXPECT_EQ(RemoveStaleTempFiles(tree.root()), 1);                            // any name
  EXPECT_TRUE(std::filesystem::exists(tree.Path("run")));
  EXPECT_TRUE(std::filesystem::exists(tree.Path("run.tmp.x")));
  EXPECT_TRUE(std::filesystem::exists(tree.Path(".tmp.999999")));
  EXPECT_EQ(RemoveStaleTempFiles(tree.Path("no/such/folder")), 0);
}

TEST(ReadFileToString, ReadsTheWholeFileAndAMissingOneIsNotFoundNamingIt) {
  TempTree tree;
  const std::string big(100000, 'x');
  tree.Write("big", big);
  EXPECT_EQ(*ReadFileToString(tree.Path("big")), big);
  absl::StatusOr<std::string> missing = ReadFileToString(tree.Path("missing"));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr(tree.Path("missing")));
}

}  // namespace
}  // namespace heyhi
