// Tests of command-line overrides (SPEC §3), one TEST per rule: repeated
// fields, maps, unknown keys, and schemas other than the generated conf.proto.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include "absl/strings/str_split.h"
#include "conf.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/message_differencer.h"
#include "heyhi/config/override.h"
#include "test_schema.pb.h"
#include "tests/override_test_helpers.h"

namespace heyhi {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// --- Repeated fields ---

TEST(Overrides, RepeatedIndexReplacesThatElement) {
  TestAllKindsTask task;
  task.add_ints(1);
  task.add_ints(2);
  Set(&task, "ints.1", "20");
  EXPECT_THAT(task.ints(), ElementsAre(1, 20));
}

TEST(Overrides, RepeatedMinusOneAppends) {
  TestAllKindsTask task;
  task.add_strs("a");
  Set(&task, "strs.-1", "b");
  EXPECT_THAT(task.strs(), ElementsAre("a", "b"));
}

TEST(Overrides, RepeatedIndexEqualToSizeAppendsSoFlatLinesRebuildAList) {
  TestAllKindsTask task;
  Set(&task, "ints.0", "5");
  Set(&task, "ints.1", "6");
  Set(&task, "ints.2", "7");
  EXPECT_THAT(task.ints(), ElementsAre(5, 6, 7));
}

TEST(Overrides, RepeatedIndexOutOfRangeIsAnErrorSayingHowManyElements) {
  TestAllKindsTask task;
  task.add_ints(1);
  task.add_ints(2);
  EXPECT_THAT(Fail(&task, "ints.5", "3"), HasSubstr("ints has 2 elements"));
  EXPECT_THAT(Fail(&task, "agents.1.name", "x"), HasSubstr("agents has 0 elements"));
  EXPECT_THAT(Fail(&task, "ints.x", "3"), HasSubstr("element index must follow"));
  EXPECT_THAT(task.ints(), ElementsAre(1, 2));
}

TEST(Overrides, RepeatedElementsAreConvertedByTheTable) {
  TestAllKindsTask task;
  Set(&task, "colors.-1", "BLUE");
  Set(&task, "colors.-1", "1");
  Set(&task, "doubles.0", "1e-3");
  Set(&task, "flags.0", "True");
  EXPECT_THAT(task.colors(), ElementsAre(TestAllKindsTask::BLUE, TestAllKindsTask::GREEN));
  EXPECT_THAT(task.doubles(), ElementsAre(1e-3));
  EXPECT_THAT(task.flags(), ElementsAre(true));
  EXPECT_THAT(Fail(&task, "ints.-1", "1.5"), HasSubstr("bad int32 value '1.5'"));
  EXPECT_THAT(Fail(&task, "colors.0", "PINK"), HasSubstr("expected one of RED"));
}

TEST(Overrides, ListLiteralReplacesTheWholeList) {
  TestAllKindsTask task;
  task.add_ints(9);
  Set(&task, "ints", "[1, 2,3 ]");
  EXPECT_THAT(task.ints(), ElementsAre(1, 2, 3));
  Set(&task, "strs", "[plain, 'a b', \"c,d\", '']");
  EXPECT_THAT(task.strs(), ElementsAre("plain", "a b", "c,d", ""));
  Set(&task, "colors", "[RED, 5]");
  EXPECT_THAT(task.colors(), ElementsAre(TestAllKindsTask::RED, TestAllKindsTask::BLUE));
  Set(&task, "ints", "[]");
  EXPECT_EQ(task.ints_size(), 0);
  Set(&task, "doubles", "[ 0.5 ]");
  EXPECT_THAT(task.doubles(), ElementsAre(0.5));
}

TEST(Overrides, ListLiteralWithABadElementChangesNothing) {
  TestAllKindsTask task;
  task.add_ints(9);
  EXPECT_THAT(Fail(&task, "ints", "[1, x]"), HasSubstr("bad int32 value 'x'"));
  EXPECT_THAT(Fail(&task, "strs", "['a, b]"), HasSubstr("unterminated"));
  EXPECT_THAT(task.ints(), ElementsAre(9));
}

TEST(Overrides, ListLiteralOnRepeatedMessagesIsOnlyEmpty) {
  TestAllKindsTask task;
  task.add_agents();
  Set(&task, "agents", "[]");
  EXPECT_EQ(task.agents_size(), 0);
  EXPECT_THAT(Fail(&task, "agents", "[x]"), HasSubstr("agents.N.<field>=value"));
}

TEST(Overrides, RepeatedWithoutBracketsIsAnErrorShowingTheValidForms) {
  TestAllKindsTask task;
  const std::string error = Fail(&task, "ints", "3");
  EXPECT_THAT(error, HasSubstr("ints=[v1, v2, ...]"));
  EXPECT_THAT(error, HasSubstr("ints.N=v"));
  EXPECT_THAT(error, HasSubstr("ints.-1=v"));
  EXPECT_THAT(error, HasSubstr("ints=NULL"));
}

TEST(Overrides, RepeatedMessageElementsTakeFieldPathsAndMinusOneAppends) {
  TestAllKindsTask task;
  Set(&task, "agents.0.name", "first");
  Set(&task, "agents.0.temperature", "2");
  Set(&task, "agents.-1.name", "second");
  Set(&task, "agents.1.backup.name", "inner");
  ASSERT_EQ(task.agents_size(), 2);
  EXPECT_EQ(task.agents(0).name(), "first");
  EXPECT_EQ(task.agents(0).temperature(), 2.0f);
  EXPECT_EQ(task.agents(1).name(), "second");
  EXPECT_EQ(task.agents(1).backup().name(), "inner");
}

TEST(Overrides, SelectOnARepeatedMessageIndexAppendsAnEmptyElement) {
  TestAllKindsTask task;
  Set(&task, "agents.-1", "SELECT");
  Set(&task, "agents.1", "SELECT");
  ASSERT_EQ(task.agents_size(), 2);
  task.mutable_agents(0)->set_name("kept");
  Set(&task, "agents.0", "SELECT");
  EXPECT_EQ(task.agents_size(), 2);
  EXPECT_EQ(task.agents(0).name(), "kept");
}

TEST(Overrides, NullOnAnElementRemovesIt) {
  TestAllKindsTask task;
  for (int v : {1, 2, 3}) task.add_ints(v);
  Set(&task, "ints.1", "NULL");
  EXPECT_THAT(task.ints(), ElementsAre(1, 3));
  EXPECT_THAT(Fail(&task, "ints.7", "NULL"), HasSubstr("ints has 2 elements"));
}

// --- Maps ---

TEST(Overrides, MapKeyTakesATypedValueInsertingOrReplacing) {
  TestAllKindsTask task;
  Set(&task, "counts.a", "3");
  Set(&task, "counts.b", "4");
  Set(&task, "counts.a", "5");
  EXPECT_EQ(task.counts().size(), 2u);
  EXPECT_EQ(task.counts().at("a"), 5);
  EXPECT_EQ(task.counts().at("b"), 4);
  EXPECT_THAT(Fail(&task, "counts.c", "x"), HasSubstr("bad int32 value 'x'"));
  EXPECT_EQ(task.counts().count("c"), 0u);
}

TEST(Overrides, MapKeyNullRemovesTheKey) {
  TestAllKindsTask task;
  (*task.mutable_counts())["a"] = 1;
  (*task.mutable_counts())["b"] = 2;
  Set(&task, "counts.a", "NULL");
  Set(&task, "counts.zz", "NULL");
  EXPECT_EQ(task.counts().size(), 1u);
  EXPECT_EQ(task.counts().at("b"), 2);
}

TEST(Overrides, MapMessageValuesTakeFieldPathsAndSelect) {
  TestAllKindsTask task;
  Set(&task, "agent_map.alice.name", "Alice");
  Set(&task, "agent_map.alice.temperature", "0.5");
  Set(&task, "agent_map.bob", "SELECT");
  ASSERT_EQ(task.agent_map().size(), 2u);
  EXPECT_EQ(task.agent_map().at("alice").name(), "Alice");
  EXPECT_EQ(task.agent_map().at("alice").temperature(), 0.5f);
  EXPECT_EQ(task.agent_map().at("bob").ByteSizeLong(), 0u);
}

TEST(Overrides, IntegerMapKeysAreParsedByTheKeyType) {
  TestAllKindsTask task;
  Set(&task, "names.7", "seven");
  Set(&task, "names.-3", "minus three");
  EXPECT_EQ(task.names().at(7), "seven");
  EXPECT_EQ(task.names().at(-3), "minus three");
  EXPECT_THAT(Fail(&task, "names.x", "y"), HasSubstr("'x' is not a key of map 'names'"));
}

TEST(Overrides, MapWithoutAKeyIsAnErrorShowingTheValidForms) {
  TestAllKindsTask task;
  EXPECT_THAT(Fail(&task, "counts", "5"), HasSubstr("counts.<key>=value"));
}

// --- Unknown keys, atomicity, other schemas ---

TEST(Overrides, UnknownKeyIsAnErrorWithTheFiveClosestValidPaths) {
  TrainTask train;
  const std::string error = Fail(&train, "lrr", "0.1");
  EXPECT_THAT(error, HasSubstr("unknown key 'lrr' in TrainTask"));
  const size_t at = error.find("did you mean: ");
  ASSERT_NE(at, std::string::npos) << error;
  const std::vector<std::string> suggested =
      absl::StrSplit(error.substr(at + strlen("did you mean: ")), ", ");
  EXPECT_EQ(suggested.size(), 5u) << error;
  EXPECT_EQ(suggested[0], "lr");
  EXPECT_THAT(Fail(&train, "transformer.num_head", "2"),
              HasSubstr("did you mean: transformer.num_heads"));
  EXPECT_THAT(Fail(&train, "batch_size.x", "2"), HasSubstr("is an int32 value with no field 'x'"));
}

TEST(Overrides, AFailedOverrideChangesNothing) {
  TestAllKindsTask task;
  Fail(&task, "agent.backup.temperature", "warm");
  Fail(&task, "agent.includes.3.path", "x");
  Fail(&task, "agents.-1.backup.includes.1.path", "x");
  EXPECT_EQ(task.ByteSizeLong(), 0u);
}

TEST(Overrides, WorkOnALegacySchema) {
  legacy::MetaCfg meta;
  Set(&meta, "compare_agents.agent_one.optim.lr", "0.5");
  Set(&meta, "compare_agents.agent_one.optim.warmup_hours", "2");
  Set(&meta, "compare_agents.agent_one.includes.-1.path", "x");
  EXPECT_EQ(meta.compare_agents().agent_one().optim().lr(), 0.5f);
  EXPECT_EQ(meta.compare_agents().agent_one().optim().warmup_hours(), 2);
  EXPECT_EQ(meta.compare_agents().agent_one().includes(0).path(), "x");
}

TEST(Overrides, WorkOnADynamicMessageThroughReflectionOnly) {
  google::protobuf::DynamicMessageFactory factory;
  std::unique_ptr<google::protobuf::Message> dynamic(
      factory.GetPrototype(TestAllKindsTask::descriptor())->New());
  ASSERT_TRUE(ApplyOverrides(dynamic.get(), {"i32=3", "agents.-1.name=a", "counts.k=2",
                                             "agent_map.x.temperature=2", "choice_msg=SELECT",
                                             "strs=[a, b]", "color=BLUE"})
                  .ok());
  TestAllKindsTask expected;
  expected.set_i32(3);
  expected.add_agents()->set_name("a");
  (*expected.mutable_counts())["k"] = 2;
  (*expected.mutable_agent_map())["x"].set_temperature(2);
  expected.mutable_choice_msg();
  expected.add_strs("a");
  expected.add_strs("b");
  expected.set_color(TestAllKindsTask::BLUE);
  TestAllKindsTask converted;
  ASSERT_TRUE(converted.ParseFromString(dynamic->SerializeAsString()));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(converted, expected))
      << converted.DebugString();
}

}  // namespace
}  // namespace heyhi
