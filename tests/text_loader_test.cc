// Tests of SPEC §1: reading one config file (merge-mode text format, ROOT_DIR,
// located errors) and the value locations used for provenance.
#include "heyhi/config/text_loader.h"

#include "conf.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "heyhi/config/field_path.h"
#include "temp_tree.h"

namespace heyhi {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TestAllKindsTask ParseOk(const std::string& text) {
  TestAllKindsTask msg;
  absl::Status status = ParseText(text, "x.prototxt", &msg);
  EXPECT_TRUE(status.ok()) << status;
  return msg;
}

TEST(LoadingAConfigFile, ScalarGivenTwiceKeepsTheLastValue) {
  EXPECT_EQ(ParseOk("i32: 1\ni32: 2\n").i32(), 2);
}

TEST(LoadingAConfigFile, MessageGivenTwiceIsMerged) {
  TestAllKindsTask msg = ParseOk("agent { name: \"a\" }\nagent { temperature: 2 }\n");
  EXPECT_EQ(msg.agent().name(), "a");
  EXPECT_EQ(msg.agent().temperature(), 2);
}

TEST(LoadingAConfigFile, RepeatedFieldsAppend) {
  TestAllKindsTask msg = ParseOk("ints: 1\nints: [2, 3]\nints: 4\n");
  EXPECT_THAT(msg.ints(), ::testing::ElementsAre(1, 2, 3, 4));
}

TEST(LoadingAConfigFile, SettingAnotherMemberOfAOneofSwitchesTheOneof) {
  TestAllKindsTask msg = ParseOk("choice_int: 3\nchoice_str: \"x\"\n");
  EXPECT_EQ(msg.choice_case(), TestAllKindsTask::kChoiceStr);
  EXPECT_EQ(msg.choice_str(), "x");
  msg = ParseOk("choice_msg { seed: 1 }\nchoice_agent { name: \"b\" }\n");
  EXPECT_EQ(msg.choice_case(), TestAllKindsTask::kChoiceAgent);
}

TEST(LoadingAConfigFile, ParsingMergesOnTopOfWhatTheMessageHolds) {
  TestAllKindsTask msg;
  msg.set_i32(5);
  msg.add_ints(1);
  ASSERT_TRUE(ParseText("ints: 2\nstr: \"s\"\n", "x", &msg).ok());
  EXPECT_EQ(msg.i32(), 5);
  EXPECT_THAT(msg.ints(), ::testing::ElementsAre(1, 2));
}

TEST(LoadingAConfigFile, AcceptsEverythingTheTextFormatAccepts) {
  TestAllKindsTask msg = ParseOk(
      "# a comment\n"
      "i32: 1; i64: 2, u32: 3\n"
      "agent: { name: \"colon-brace\" }\n"
      "launcher < slurm < num_gpus: 2 > >\n"
      "colors: [BLUE, RED]\n"
      "agents [{ name: \"a\" }, { name: \"b\" }]\n"
      "str: 'single' \"-concatenated\"\n"
      "fl: 1.5f db: -inf\n");
  EXPECT_EQ(msg.i64(), 2);
  EXPECT_EQ(msg.u32(), 3u);
  EXPECT_EQ(msg.agent().name(), "colon-brace");
  EXPECT_EQ(msg.launcher().slurm().num_gpus(), 2);
  EXPECT_EQ(msg.colors_size(), 2);
  EXPECT_EQ(msg.agents(1).name(), "b");
  EXPECT_EQ(msg.str(), "single-concatenated");
  EXPECT_EQ(msg.fl(), 1.5f);
}

TEST(LoadingAConfigFile, RootDirIsReplacedWithTheProjectRootSpacesInsideBracesAllowed) {
  EXPECT_EQ(SubstituteRootDir("a {{ROOT_DIR}} b {{ ROOT_DIR }} c {{  ROOT_DIR}}", "/p"),
            "a /p b /p c /p");
  EXPECT_EQ(SubstituteRootDir("{{OTHER}} {{ROOT_DIRX}} {{", "/p"), "{{OTHER}} {{ROOT_DIRX}} {{");
  TempTree tree;
  const std::string file = tree.Write("conf/x.prototxt", "str: \"{{ ROOT_DIR }}/data\"\n");
  TestAllKindsTask msg;
  ASSERT_TRUE(ParseTextFile(file, "/project", &msg).ok());
  EXPECT_EQ(msg.str(), "/project/data");
}

TEST(LoadingAConfigFile, ErrorNamesFileLineAndColumnOneBased) {
  TestAllKindsTask msg;
  absl::Status status = ParseText("i32: 1\n  bogus: 3\n", "conf/x.prototxt", &msg);
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), StartsWith("conf/x.prototxt:2:3: "));
  EXPECT_THAT(std::string(status.message()), HasSubstr("bogus"));

  status = ParseText("i32: \"text\"\n", "f", &msg);
  EXPECT_THAT(std::string(status.message()), StartsWith("f:1:6: "));
}

TEST(LoadingAConfigFile, AnUnknownFieldListsTheClosestFieldsOfItsMessage) {
  TestAllKindsTask msg;
  absl::Status status = ParseText("agent {\n  nme: \"x\"\n}\n", "f", &msg);
  EXPECT_EQ(
      std::string(status.message()),
      "f:2:3: Message type \"TestAgent\" has no field named \"nme\"; did you mean: name, refs, "
      "random, includes, backup");
}

TEST(LoadingAConfigFile, AnUnknownEnumValueListsTheValuesOfTheEnum) {
  TestAllKindsTask msg;
  absl::Status status = ParseText("color: PURPLE\n", "f", &msg);
  EXPECT_EQ(std::string(status.message()),
            "f:1:8: Unknown enumeration value of \"PURPLE\" for field \"color\"; expected one of "
            "RED (0), GREEN (1), BLUE (5)");
  status = ParseText("colors: [RED,\n  7]\n", "f", &msg);
  EXPECT_THAT(std::string(status.message()),
              StartsWith("f:2:3: Unknown enumeration value of \"7\""));
  EXPECT_THAT(std::string(status.message()), HasSubstr("expected one of RED (0), GREEN (1)"));
}

TEST(LoadingAConfigFile, MissingFileIsAnErrorNamingIt) {
  TestAllKindsTask msg;
  absl::Status status = ParseTextFile("/nonexistent/dir/x.prototxt", "/", &msg);
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("/nonexistent/dir/x.prototxt"));
}

std::map<std::string, int> LocatedLines(const std::string& text) {
  TestAllKindsTask msg;
  std::vector<FieldLocation> locations;
  absl::Status status = ParseText(text, "x", &msg, &locations);
  EXPECT_TRUE(status.ok()) << status;
  std::map<std::string, int> lines;
  for (const FieldLocation& location : locations) {
    lines[FieldPathToString(location.path)] = location.line;
  }
  return lines;
}

TEST(LoadingAConfigFile, LocationsOfEveryValueWithIndicesAndMapKeys) {
  const std::map<std::string, int> lines = LocatedLines(
      "i32: 1\n"                                            // 1
      "ints: [1,\n 2]\n"                                    // 2-3
      "ints: 3\n"                                           // 4
      "agent { name: \"a\" }\n"                             // 5
      "agent {\n temperature: 2 }\n"                        // 6-7
      "counts { value: 4 key: \"y z\" }\n"                  // 8
      "agent_map { key: \"k\"\n value { name: \"m\" } }\n"  // 9-10
      "names { key: 0x10 value: \"hex\" }\n"                // 11
      "agents { name: \"x\" }\nagents { name: \"y\" }\n"    // 12-13
      "i32: 2\n");                                          // 14
  EXPECT_EQ(lines.at("i32"), 14);
  EXPECT_EQ(lines.at("ints.0"), 2);
  EXPECT_EQ(lines.at("ints.1"), 3);
  EXPECT_EQ(lines.at("ints.2"), 4);
  EXPECT_EQ(lines.at("agent.name"), 5);
  EXPECT_EQ(lines.at("agent.temperature"), 7);
  EXPECT_EQ(lines.at("counts.y z"), 8);
  EXPECT_EQ(lines.at("agent_map.k"), 10);  // where its value is
  EXPECT_EQ(lines.at("agent_map.k.name"), 10);
  EXPECT_EQ(lines.at("names.16"), 11);
  EXPECT_EQ(lines.at("agents.1.name"), 13);
  EXPECT_EQ(lines.count("agent_map.k.key"), 0u);
}

}  // namespace
}  // namespace heyhi
