// Tests of the cache of parsed config files: an edited file is read again, a
// file that became a FIFO or too large is still the located error, errors
// are not kept, the bounds hold, and threads composing at once agree.
#include "heyhi/config/parsed_file_cache.h"

#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "conf.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "heyhi/config.h"
#include "heyhi/config/text_loader.h"
#include "scoped_env.h"
#include "temp_tree.h"

namespace heyhi {
namespace {

using ::testing::HasSubstr;

class ParsedFileCacheTest : public ::testing::Test {
 protected:
  void SetUp() override { ParsedFileCache::Global().Clear(); }

  // Sets the modification time of `path` to `seconds` after the epoch.
  static void SetMtime(const std::string& path, time_t seconds) {
    struct timeval times[2] = {{seconds, 0}, {seconds, 0}};
    ASSERT_EQ(::utimes(path.c_str(), times), 0);
  }

  static absl::StatusOr<TestAllKindsTask> Parse(const std::string& path,
                                                std::vector<FieldLocation>* locations = nullptr) {
    TestAllKindsTask msg;
    absl::Status status = ParseTextFile(path, "/project", &msg, locations, "shown.prototxt");
    if (!status.ok()) return status;
    return msg;
  }

  TempTree tree_;
};

TEST_F(ParsedFileCacheTest, ASecondParseIsAHitWithTheSameMessageAndLocations) {
  const std::string path = tree_.Write("a.prototxt", "i32: 7\nstr: \"{{ROOT_DIR}}/x\"\n");
  std::vector<FieldLocation> first, second;
  absl::StatusOr<TestAllKindsTask> a = Parse(path, &first);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(ParsedFileCache::Global().size(), 1u);
  absl::StatusOr<TestAllKindsTask> b = Parse(path, &second);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(a->SerializeAsString(), b->SerializeAsString());
  EXPECT_EQ(b->str(), "/project/x");
  ASSERT_EQ(first.size(), second.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].path, second[i].path);
    EXPECT_EQ(first[i].line, second[i].line);
    EXPECT_EQ(first[i].column, second[i].column);
  }
}

TEST_F(ParsedFileCacheTest, AHitMergesOnTopOfWhatTheMessageHolds) {
  const std::string path = tree_.Write("a.prototxt", "ints: 2\n");
  ASSERT_TRUE(Parse(path).ok());
  TestAllKindsTask msg;
  msg.add_ints(1);
  msg.set_i32(5);
  ASSERT_TRUE(ParseTextFile(path, "", &msg).ok());
  EXPECT_THAT(msg.ints(), ::testing::ElementsAre(1, 2));
  EXPECT_EQ(msg.i32(), 5);
}

TEST_F(ParsedFileCacheTest, AnotherProjectRootIsAnotherEntry) {
  const std::string path = tree_.Write("a.prototxt", "str: \"{{ROOT_DIR}}\"\n");
  TestAllKindsTask one, two;
  ASSERT_TRUE(ParseTextFile(path, "/one", &one).ok());
  ASSERT_TRUE(ParseTextFile(path, "/two", &two).ok());
  EXPECT_EQ(one.str(), "/one");
  EXPECT_EQ(two.str(), "/two");
}

TEST_F(ParsedFileCacheTest, EditedContentOfTheSameSizeIsReadAgain) {
  const std::string path = tree_.Write("a.prototxt", "i32: 1\n");
  ASSERT_EQ(Parse(path)->i32(), 1);
  tree_.Write("a.prototxt", "i32: 2\n");  // same size, at once: a racy entry
  EXPECT_EQ(Parse(path)->i32(), 2);
  tree_.Write("a.prototxt", "i32: 3\n");
  EXPECT_EQ(Parse(path)->i32(), 3);
}

TEST_F(ParsedFileCacheTest, AnOldFileEditedWithTheSameSizeAndMtimeIsReadAgain) {
  const std::string path = tree_.Write("a.prototxt", "i32: 1\n");
  SetMtime(path, 1'000'000'000);  // long ago: trusted by its stamp
  ASSERT_EQ(Parse(path)->i32(), 1);
  ASSERT_EQ(Parse(path)->i32(), 1);
  tree_.Write("a.prototxt", "i32: 4\n");
  SetMtime(path, 1'000'000'000);  // mtime and size as before; ctime moved
  EXPECT_EQ(Parse(path)->i32(), 4);
}

TEST_F(ParsedFileCacheTest, ChangedSizeOrMtimeIsReadAgain) {
  const std::string path = tree_.Write("a.prototxt", "i32: 1\n");
  SetMtime(path, 1'000'000'000);
  ASSERT_EQ(Parse(path)->i32(), 1);
  tree_.Write("a.prototxt", "i32: 12\n");
  SetMtime(path, 1'000'000'000);
  EXPECT_EQ(Parse(path)->i32(), 12);
  tree_.Write("a.prototxt", "i32: 13\n");
  SetMtime(path, 1'000'000'100);
  EXPECT_EQ(Parse(path)->i32(), 13);
}

TEST_F(ParsedFileCacheTest, AFileRenamedOverTheOldOneIsReadAgain) {
  const std::string path = tree_.Write("a.prototxt", "i32: 1\n");
  SetMtime(path, 1'000'000'000);
  ASSERT_EQ(Parse(path)->i32(), 1);
  const std::string other = tree_.Write("b.prototxt", "i32: 5\n");
  SetMtime(other, 1'000'000'000);
  ASSERT_EQ(::rename(other.c_str(), path.c_str()), 0);
  EXPECT_EQ(Parse(path)->i32(), 5);
}

TEST_F(ParsedFileCacheTest, AFileReplacedByAFifoIsStillTheError) {
  const std::string path = tree_.Write("a.prototxt", "i32: 1\n");
  SetMtime(path, 1'000'000'000);
  ASSERT_TRUE(Parse(path).ok());
  ASSERT_EQ(::unlink(path.c_str()), 0);
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  absl::StatusOr<TestAllKindsTask> parsed = Parse(path);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(), ReadConfigFile(path).status().message());
  EXPECT_THAT(parsed.status().message(), HasSubstr(path));
}

TEST_F(ParsedFileCacheTest, AFileGrownPastTheLimitIsStillTheError) {
  const std::string path = tree_.Write("a.prototxt", "i32: 1\n");
  ASSERT_TRUE(Parse(path).ok());
  tree_.Write("a.prototxt", "i32: 1\n" + std::string(kMaxConfigBytes, '#'));
  absl::StatusOr<TestAllKindsTask> parsed = Parse(path);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(), ReadConfigFile(path).status().message());
}

TEST_F(ParsedFileCacheTest, ErrorsAreNotKeptAndReadTheSameEachTime) {
  const std::string path = tree_.Write("a.prototxt", "i32: 1\nnope: 2\n");
  absl::StatusOr<TestAllKindsTask> first = Parse(path);
  ASSERT_FALSE(first.ok());
  EXPECT_THAT(first.status().message(), HasSubstr("shown.prototxt:2:1:"));
  EXPECT_EQ(ParsedFileCache::Global().size(), 0u);
  absl::StatusOr<TestAllKindsTask> second = Parse(path);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(first.status(), second.status());
  tree_.Write("a.prototxt", "i32: 1\ni64: 2\n");
  EXPECT_EQ(Parse(path)->i64(), 2);
}

TEST_F(ParsedFileCacheTest, TheOldestEntriesGoBeyondTheBound) {
  std::vector<std::string> paths;
  for (size_t i = 0; i < ParsedFileCache::kMaxEntries + 10; ++i) {
    paths.push_back(tree_.Write(absl::StrCat("f", i, ".prototxt"), absl::StrCat("i32: ", i, "\n")));
    ASSERT_TRUE(Parse(paths.back()).ok());
  }
  EXPECT_EQ(ParsedFileCache::Global().size(), ParsedFileCache::kMaxEntries);
  for (size_t i = 0; i < paths.size(); ++i) EXPECT_EQ(Parse(paths[i])->i32(), static_cast<int>(i));
  EXPECT_LE(ParsedFileCache::Global().size(), ParsedFileCache::kMaxEntries);
}

TEST_F(ParsedFileCacheTest, ThreadsComposingAtOnceGetTheSameConfig) {
  ScopedEnv no_conf_root("HH_CONF_ROOT", std::nullopt);
  const std::string config = std::string(HEYHI_SOURCE_DIR) + "/conf/c02_sup_train/sl.prototxt";
  LoadOptions options;
  options.root_type = MetaCfg::descriptor();
  const std::vector<std::string> overrides = {"batch_size=200", "lr=0.01", "Ilauncher=slurm"};
  absl::StatusOr<Composed> cold = LoadConfig(config, overrides, options);
  ASSERT_TRUE(cold.ok()) << cold.status();
  const std::string expected = cold->task->SerializeAsString();
  ParsedFileCache::Global().Clear();
  std::vector<std::string> got(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        absl::StatusOr<Composed> composed = LoadConfig(config, overrides, options);
        std::string text = composed.ok() ? composed->task->SerializeAsString() : "error";
        if (i == 0 || text != expected) got[t] = text;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const std::string& text : got) EXPECT_EQ(text, expected);
}

}  // namespace
}  // namespace heyhi
