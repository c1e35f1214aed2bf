// Hostile inputs meet stated limits with located errors instead of a crash or
// a hang: include depth, message nesting, key length, files that are no
// config files.
#include <sys/stat.h>

#include <string>

#include "conf.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "heyhi/config.h"
#include "heyhi/config/field_path.h"
#include "heyhi/config/include_expander.h"
#include "heyhi/config/text_loader.h"
#include "heyhi/overrides.h"
#include "temp_tree.h"

namespace heyhi {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<Composed> Load(const std::string& path,
                              const std::vector<std::string>& overrides = {}) {
  LoadOptions options;
  options.root_type = MetaCfg::descriptor();
  return LoadConfig(path, overrides, options);
}

// conf/top.prototxt includes c0 at `agent`, c0 includes c1 ... down to c<depth-1>.
std::string WriteIncludeChain(const TempTree& tree, int depth) {
  for (int i = 0; i < depth; ++i) {
    const std::string next =
        i + 1 < depth ? absl::StrCat("includes { path: \"c", i + 1, "\" mount: \"\" }\n") : "";
    tree.Write(absl::StrCat("conf/common/c", i, ".prototxt"),
               absl::StrCat(next, "rollouts: ", i, "\n"));
  }
  return tree.Write("conf/top.prototxt",
                    "includes { path: \"c0\" mount: \"agent\" }\ntest_all_kinds { }\n");
}

TEST(Limits, AnIncludeChainAsDeepAsTheLimitComposes) {
  TempTree tree;
  absl::StatusOr<Composed> composed = Load(WriteIncludeChain(tree, kMaxIncludeDepth));
  ASSERT_TRUE(composed.ok()) << composed.status().message().substr(0, 500);
  EXPECT_EQ(static_cast<const MetaCfg&>(*composed->root).test_all_kinds().agent().rollouts(), 0);
}

TEST(Limits, AnIncludeChainDeeperThanTheLimitIsAnErrorNamingTheLimitAndTheChainsEnds) {
  TempTree tree;
  absl::StatusOr<Composed> composed = Load(WriteIncludeChain(tree, 5000));
  ASSERT_FALSE(composed.ok());
  const std::string message(composed.status().message());
  EXPECT_THAT(message, HasSubstr("includes nested more than 1000 files deep (the limit)"));
  EXPECT_THAT(message, HasSubstr("c999.prototxt:1:1: includes nested more than 1000"));
  EXPECT_THAT(message, HasSubstr("top.prototxt -> "));
  EXPECT_THAT(message, HasSubstr("c999.prototxt -> "));
  EXPECT_LT(message.size(), 2000u);  // the chain's ends, not a thousand lines
}

TEST(Limits, AMessageNestedDeeperThanTheLimitIsAnErrorAtItsLineAndColumn) {
  TempTree tree;
  std::string text = "test_all_kinds { agent {\n";
  for (int i = 0; i < 100000; ++i) text += "backup { ";
  text += "\n";
  for (int i = 0; i < 100000; ++i) text += "} ";
  text += "} }\n";
  const std::string path = tree.Write("conf/deep.prototxt", text);
  absl::StatusOr<Composed> composed = Load(path);
  ASSERT_FALSE(composed.ok());
  EXPECT_THAT(composed.status().message(), HasSubstr("deep.prototxt:2:"));
  EXPECT_THAT(composed.status().message(), HasSubstr("recursion limit of 100"));
}

TEST(Limits, MessagesNestedUpToTheLimitParse) {
  TempTree tree;
  std::string text = "test_all_kinds { agent {\n";
  for (int i = 0; i < kMaxMessageNesting - 3; ++i) text += "backup { ";
  text += "name: \"deep\" ";
  for (int i = 0; i < kMaxMessageNesting - 3; ++i) text += "} ";
  text += "} }\n";
  EXPECT_TRUE(Load(tree.Write("conf/ok.prototxt", text)).ok());
}

TEST(Limits, AnOverrideKeyOfMoreStepsThanTheLimitIsAnErrorNamingTheLimit) {
  TempTree tree;
  const std::string path = tree.Write("conf/x.prototxt", "test_all_kinds { }\n");
  std::string key = "agent";
  for (int i = 0; i < 10000; ++i) key += ".backup";
  absl::StatusOr<Composed> composed = Load(path, {key + ".name=x"});
  ASSERT_FALSE(composed.ok());
  EXPECT_THAT(composed.status().message(), HasSubstr("10002 steps; at most 202 are allowed"));
  // A key as long as the limit applies; LoadConfig also limits the nesting
  // it makes (agent, 98 backups: 100 with the task).
  std::string fits = "agent";
  for (size_t i = 0; i + 2 < kMaxKeySteps; ++i) fits += ".backup";
  TestAllKindsTask task;
  EXPECT_TRUE(ApplyOverrides(&task, {fits + ".name=x"}).ok());
  std::string nests_fully = "agent";
  for (int i = 0; i < kMaxMessageNesting - 2; ++i) nests_fully += ".backup";
  EXPECT_TRUE(Load(path, {nests_fully + ".name=x"}).ok());
  EXPECT_FALSE(Load(path, {nests_fully + ".backup.name=x"}).ok());
}

TEST(ConfigFiles, AFifoIsAnErrorNotAHang) {
  TempTree tree;
  tree.Write("conf/placeholder", "");
  const std::string fifo = tree.Path("conf/fifo.prototxt");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0644), 0);
  absl::StatusOr<Composed> composed = Load(fifo);
  ASSERT_FALSE(composed.ok());
  EXPECT_THAT(composed.status().message(), HasSubstr("not a regular file"));
}

TEST(ConfigFiles, ADeviceIsAnErrorNotAnEndlessRead) {
  absl::StatusOr<std::string> text = ReadConfigFile("/dev/zero");
  ASSERT_FALSE(text.ok());
  EXPECT_THAT(text.status().message(), HasSubstr("/dev/zero: not a regular file"));
}

TEST(ConfigFiles, AFileLargerThanTheLimitIsAnErrorNamingItsSizeAndTheLimit) {
  TempTree tree;
  const std::string path = tree.Write("conf/big.prototxt", std::string(kMaxConfigBytes + 1, '#'));
  absl::StatusOr<Composed> composed = Load(path);
  ASSERT_FALSE(composed.ok());
  EXPECT_THAT(
      composed.status().message(),
      HasSubstr(absl::StrCat(kMaxConfigBytes + 1, " bytes; the limit is ", kMaxConfigBytes)));
}

}  // namespace
}  // namespace heyhi
