// Tests of the small library API of SPEC §10: ConfGet/ConfSet/ConfIsSet,
// WithOverrides and SaveConfig.
#include "heyhi/conf_access.h"

#include <sys/stat.h>

#include <filesystem>

#include "conf.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "heyhi/config/text_loader.h"
#include "temp_tree.h"

namespace heyhi {
namespace {

using ::testing::HasSubstr;

TestAllKindsTask Sample() {
  TestAllKindsTask msg;
  EXPECT_TRUE(ParseText("i32: 3 agent { name: \"a\" backup { temperature: 2 } } ints: [4, 5]\n"
                        "counts { key: \"x\" value: 7 } agents { name: \"e0\" } choice_str: \"s\"",
                        "sample", &msg)
                  .ok());
  return msg;
}

TEST(ConfAccess, ConfGetReturnsTheFlatFormOfAValue) {
  const TestAllKindsTask msg = Sample();
  EXPECT_EQ(*ConfGet(msg, "i32"), "3");
  EXPECT_EQ(*ConfGet(msg, "agent.backup.temperature"), "2");
  EXPECT_EQ(*ConfGet(msg, "ints.1"), "5");
  EXPECT_EQ(*ConfGet(msg, "ints"), "[4, 5]");
  EXPECT_EQ(*ConfGet(msg, "counts.x"), "7");
  EXPECT_EQ(*ConfGet(msg, "agents.0.name"), "e0");
  EXPECT_EQ(*ConfGet(msg, "choice.choice_str"), "s");  // through the oneof name
}

TEST(ConfAccess, ConfGetOfAnUnsetFieldIsItsDefault) {
  const TestAllKindsTask msg = Sample();
  EXPECT_EQ(*ConfGet(msg, "i32_with_default"), "42");
  EXPECT_EQ(*ConfGet(msg, "agent.backup.backup.temperature"), "1");
  EXPECT_EQ(*ConfGet(msg, "color_with_default"), "BLUE");
}

TEST(ConfAccess, ConfGetOfAMessagePrintsItInTextFormat) {
  const TestAllKindsTask msg = Sample();
  EXPECT_THAT(*ConfGet(msg, "agent.backup"), HasSubstr("temperature: 2"));
}

TEST(ConfAccess, ConfGetErrors) {
  const TestAllKindsTask msg = Sample();
  EXPECT_THAT(std::string(ConfGet(msg, "agent.nmae").status().message()),
              HasSubstr("closest valid keys: agent.name"));
  EXPECT_THAT(std::string(ConfGet(msg, "ints.7").status().message()),
              HasSubstr("out of range (2 elements)"));
  EXPECT_THAT(std::string(ConfGet(msg, "counts.nokey").status().message()),
              HasSubstr("no map key \"nokey\""));
}

TEST(ConfAccess, ConfSetIsTheSameAsAnOverride) {
  TestAllKindsTask msg = Sample();
  ASSERT_TRUE(ConfSet(&msg, "agent.name", "b").ok());
  EXPECT_EQ(msg.agent().name(), "b");
  ASSERT_TRUE(ConfSet(&msg, "i32", "NULL").ok());
  EXPECT_FALSE(msg.has_i32());
  EXPECT_FALSE(ConfSet(&msg, "i32", "x").ok());
  ASSERT_TRUE(ConfSet(&msg, "choice.choice_int", "4").ok());
  EXPECT_EQ(msg.choice_int(), 4);
}

TEST(ConfAccess, ConfIsSetTellsWhetherAFieldIsSet) {
  const TestAllKindsTask msg = Sample();
  EXPECT_TRUE(*ConfIsSet(msg, "i32"));
  EXPECT_FALSE(*ConfIsSet(msg, "i64"));
  EXPECT_TRUE(*ConfIsSet(msg, "ints"));
  EXPECT_FALSE(*ConfIsSet(msg, "strs"));
  EXPECT_TRUE(*ConfIsSet(msg, "agent.backup"));
  EXPECT_FALSE(*ConfIsSet(msg, "agent.backup.name"));
  EXPECT_FALSE(*ConfIsSet(msg, "launcher.slurm.num_gpus"));
  EXPECT_TRUE(*ConfIsSet(msg, "counts.x"));
  EXPECT_FALSE(*ConfIsSet(msg, "counts.y"));
  EXPECT_FALSE(ConfIsSet(msg, "nope").ok());
}

TEST(ConfAccess, WithOverridesCopiesTheFrozenConfig) {
  const TestAllKindsTask frozen = Sample();
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> copy =
      WithOverrides(frozen, {"i32=9", "agent.name=z"});
  ASSERT_TRUE(copy.ok()) << copy.status();
  const auto& edited = dynamic_cast<const TestAllKindsTask&>(**copy);
  EXPECT_EQ(edited.i32(), 9);
  EXPECT_EQ(edited.agent().name(), "z");
  EXPECT_EQ(frozen.i32(), 3);
  EXPECT_FALSE(WithOverrides(frozen, {"i32=abc"}).ok());
}

TEST(ConfAccess, SaveConfigWritesTextThatReadsBackAtomically) {
  TempTree tree;
  const TestAllKindsTask msg = Sample();
  const std::string path = tree.Path("config.prototxt");
  tree.Write("config.prototxt", "old content");
  ASSERT_TRUE(SaveConfig(msg, path).ok());
  TestAllKindsTask read_back;
  ASSERT_TRUE(ParseText(tree.Read("config.prototxt"), path, &read_back).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(msg, read_back));
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(tree.root())) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1);  // no temporary file left behind
  struct stat info;
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0644u);
}

TEST(ConfAccess, SaveConfigIntoAMissingFolderIsAnError) {
  const absl::Status status = SaveConfig(Sample(), "/nonexistent/folder/x.prototxt");
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("/nonexistent/folder/x.prototxt"));
}

}  // namespace
}  // namespace heyhi
