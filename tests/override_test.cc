// Tests of command-line overrides (SPEC §3), one TEST per rule: parsing
// tokens, typed values, NULL and SELECT.
#include "heyhi/config/override.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "conf.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/override_test_helpers.h"

namespace heyhi {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// --- Parsing tokens ---

TEST(ParseOverrides, AnyNumberOfLeadingDashesIsStripped) {
  absl::StatusOr<std::vector<Override>> parsed = ParseOverrides({"--lr=0.1", "-a=1", "b=2"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 3u);
  EXPECT_EQ((*parsed)[0].key, "lr");
  EXPECT_EQ((*parsed)[0].value, "0.1");
  EXPECT_EQ((*parsed)[0].token, "--lr=0.1");
  EXPECT_EQ((*parsed)[1].key, "a");
  EXPECT_EQ((*parsed)[2].key, "b");
}

TEST(ParseOverrides, SplitAtTheFirstEqualsSoTheValueMayContainEquals) {
  absl::StatusOr<std::vector<Override>> parsed = ParseOverrides({"str=a=b=c", "empty="});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ((*parsed)[0].key, "str");
  EXPECT_EQ((*parsed)[0].value, "a=b=c");
  EXPECT_EQ((*parsed)[1].value, "");
}

TEST(ParseOverrides, TokenWithoutEqualsIsAnErrorShowingTheExpectedForms) {
  absl::StatusOr<std::vector<Override>> parsed = ParseOverrides({"lr=1", "--batch_size"});
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(), HasSubstr("'--batch_size'"));
  EXPECT_THAT(parsed.status().message(), HasSubstr("key=value"));
  EXPECT_THAT(parsed.status().message(), HasSubstr("key=NULL"));
  EXPECT_THAT(parsed.status().message(), HasSubstr("key=SELECT"));
  EXPECT_THAT(parsed.status().message(), HasSubstr("I<mount>=<path>"));
}

TEST(ParseOverrides, CapitalIStartsAnIncludeOverrideAndIOrIDotMountTheRoot) {
  absl::StatusOr<std::vector<Override>> parsed =
      ParseOverrides({"Ilauncher=slurm_8gpus", "I=whole", "I.=dotted", "lr=1"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 3u) << "I= and I.= are the same mount";
  EXPECT_EQ((*parsed)[0].kind, Override::Kind::kInclude);
  EXPECT_EQ((*parsed)[0].key, "launcher");
  EXPECT_EQ((*parsed)[0].value, "slurm_8gpus");
  EXPECT_EQ((*parsed)[1].kind, Override::Kind::kInclude);
  EXPECT_EQ((*parsed)[1].key, "");
  EXPECT_EQ((*parsed)[1].value, "dotted");
  EXPECT_EQ((*parsed)[2].kind, Override::Kind::kScalar);
}

TEST(ParseOverrides, DuplicateKeysLastValueWinsAtThePositionOfTheFirst) {
  absl::StatusOr<std::vector<Override>> parsed = ParseOverrides({"a=1", "b=2", "--a=3", "c=4"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 3u);
  EXPECT_EQ((*parsed)[0].key, "a");
  EXPECT_EQ((*parsed)[0].value, "3");
  EXPECT_EQ((*parsed)[0].token, "--a=3");
  EXPECT_EQ((*parsed)[1].key, "b");
  EXPECT_EQ((*parsed)[2].key, "c");
}

TEST(ParseOverrides, AppendingKeysAreNeverDuplicates) {
  absl::StatusOr<std::vector<Override>> parsed =
      ParseOverrides({"agents.-1.name=a", "agents.-1.name=b"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->size(), 2u);
}

// --- Typed values ---

TEST(Overrides, BoolAcceptsTrueFalseOneZeroAnyCase) {
  TestAllKindsTask task;
  for (const char* yes : {"true", "True", "TRUE", "tRuE", "1"}) {
    task.set_flag(false);
    Set(&task, "flag", yes);
    EXPECT_TRUE(task.flag()) << yes;
  }
  for (const char* no : {"false", "False", "FALSE", "0"}) {
    task.set_flag(true);
    Set(&task, "flag", no);
    EXPECT_FALSE(task.flag()) << no;
  }
}

TEST(Overrides, BadBoolIsAnErrorListingTheAcceptedValues) {
  TestAllKindsTask task;
  for (const char* bad : {"yes", "2", "", "t"}) {
    EXPECT_THAT(Fail(&task, "flag", bad), HasSubstr("expected true, false, 1 or 0"));
  }
  EXPECT_FALSE(task.has_flag());
}

TEST(Overrides, IntegersAcceptDecimalWithLeadingSign) {
  TestAllKindsTask task;
  Set(&task, "i32", "-17");
  Set(&task, "i64", "+9223372036854775807");
  Set(&task, "u32", "4294967295");
  Set(&task, "u64", "18446744073709551615");
  Set(&task, "s32", "-2147483648");
  Set(&task, "s64", "-9223372036854775808");
  Set(&task, "f32", "7");
  Set(&task, "f64", "+8");
  Set(&task, "sf32", "-9");
  Set(&task, "sf64", "-10");
  EXPECT_EQ(task.i32(), -17);
  EXPECT_EQ(task.i64(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(task.u32(), std::numeric_limits<uint32_t>::max());
  EXPECT_EQ(task.u64(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(task.s32(), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(task.s64(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(task.f32(), 7u);
  EXPECT_EQ(task.f64(), 8u);
  EXPECT_EQ(task.sf32(), -9);
  EXPECT_EQ(task.sf64(), -10);
}

TEST(Overrides, IntegerOutOfRangeIsAnErrorNamingTypeAndRange) {
  TestAllKindsTask task;
  EXPECT_THAT(Fail(&task, "i32", "2147483648"),
              HasSubstr("bad int32 value '2147483648': expected a whole number from "
                        "-2147483648 to 2147483647"));
  EXPECT_THAT(Fail(&task, "u32", "-1"), HasSubstr("uint32"));
  EXPECT_THAT(Fail(&task, "u32", "-1"), HasSubstr("from 0 to 4294967295"));
  EXPECT_THAT(Fail(&task, "u64", "18446744073709551616"), HasSubstr("uint64"));
  EXPECT_THAT(Fail(&task, "i64", "-9223372036854775809"), HasSubstr("int64"));
  EXPECT_FALSE(task.has_i32());
}

TEST(Overrides, FractionOrTextForAnIntegerIsAnErrorNamingTypeAndRange) {
  TrainTask train;
  EXPECT_THAT(Fail(&train, "batch_size", "20.5"),
              HasSubstr("'batch_size': bad int32 value '20.5': expected a whole number from "
                        "-2147483648 to 2147483647"));
  for (const char* bad : {"1e3", "0x10", " 5", "5 ", "", "+", "--1", "five"}) {
    EXPECT_THAT(Fail(&train, "batch_size", bad), HasSubstr("bad int32 value")) << bad;
  }
}

TEST(Overrides, FloatAndDoubleAcceptDecimalExponentInfNan) {
  TestAllKindsTask task;
  Set(&task, "db", "1.5e-3");
  EXPECT_EQ(task.db(), 1.5e-3);
  Set(&task, "db", "-.25");
  EXPECT_EQ(task.db(), -0.25);
  Set(&task, "db", "+3");
  EXPECT_EQ(task.db(), 3.0);
  Set(&task, "db", "inf");
  EXPECT_EQ(task.db(), std::numeric_limits<double>::infinity());
  Set(&task, "db", "-INF");
  EXPECT_EQ(task.db(), -std::numeric_limits<double>::infinity());
  Set(&task, "fl", "NaN");
  EXPECT_TRUE(std::isnan(task.fl()));
  Set(&task, "fl", "1E2");
  EXPECT_EQ(task.fl(), 100.0f);
  Set(&task, "fl", "1e-50");
  EXPECT_EQ(task.fl(), 0.0f) << "too small for a float rounds to zero";
  EXPECT_THAT(Fail(&task, "fl", "1e39"), HasSubstr("bad float value '1e39'"));
  for (const char* bad : {"abc", "1.0f", "", "1,5", "0x1p3", "nan(1)", "1e999"}) {
    EXPECT_THAT(Fail(&task, "db", bad), HasSubstr("bad double value")) << bad;
  }
}

TEST(Overrides, FloatFieldKeepsFloatPrecision) {
  TrainTask train;
  Set(&train, "lr", "0.1");
  EXPECT_EQ(train.lr(), 0.1f);
  // 16777217 is not a float: the nearest float is 16777216.
  Set(&train, "lr", "16777217");
  EXPECT_EQ(train.lr(), 16777216.0f);
  TestAllKindsTask task;
  Set(&task, "db", "0.1");
  EXPECT_EQ(task.db(), 0.1);
}

TEST(Overrides, EnumAcceptsValueNameOrDefinedNumber) {
  TestAllKindsTask task;
  Set(&task, "color", "BLUE");
  EXPECT_EQ(task.color(), TestAllKindsTask::BLUE);
  Set(&task, "color", "1");
  EXPECT_EQ(task.color(), TestAllKindsTask::GREEN);
  Set(&task, "color", "5");
  EXPECT_EQ(task.color(), TestAllKindsTask::BLUE);
  TrainTask train;
  Set(&train, "transformer.activation", "RELU");
  EXPECT_EQ(train.transformer().activation(), RELU);
}

TEST(Overrides, UnknownEnumNameOrNumberIsAnErrorListingTheNames) {
  TestAllKindsTask task;
  EXPECT_THAT(Fail(&task, "color", "PURPLE"),
              HasSubstr("bad enum Color value 'PURPLE': expected one of RED (0), GREEN (1), "
                        "BLUE (5)"));
  EXPECT_THAT(Fail(&task, "color", "3"), HasSubstr("RED (0), GREEN (1), BLUE (5)"));
  EXPECT_THAT(Fail(&task, "color", "blue"), HasSubstr("expected one of"));
}

TEST(Overrides, StringIsTheRawTextVerbatimAndMayBeEmpty) {
  TestAllKindsTask task;
  Set(&task, "str", "\"quoted\" and 'single' $HOME");
  EXPECT_EQ(task.str(), "\"quoted\" and 'single' $HOME");
  Set(&task, "str", "");
  EXPECT_TRUE(task.has_str());
  EXPECT_EQ(task.str(), "");
  Set(&task, "str", "a=b");
  EXPECT_EQ(task.str(), "a=b");
}

TEST(Overrides, BytesAreTheRawText) {
  TestAllKindsTask task;
  Set(&task, "raw", "\x01\xff bytes");
  EXPECT_EQ(task.raw(), "\x01\xff bytes");
}

TEST(Overrides, MessageAcceptsOnlyNullOrSelect) {
  TestAllKindsTask task;
  EXPECT_THAT(Fail(&task, "agent", "x"),
              HasSubstr("'agent' is a message TestAgent: give agent=SELECT, agent=NULL"));
  EXPECT_FALSE(task.has_agent());
}

// --- NULL and SELECT ---

TEST(Overrides, NullClearsAScalarBackToItsDefault) {
  TestAllKindsTask task;
  task.set_i32_with_default(7);
  Set(&task, "i32_with_default", "NULL");
  EXPECT_FALSE(task.has_i32_with_default());
  EXPECT_EQ(task.i32_with_default(), 42);
}

TEST(Overrides, NullRemovesAMessage) {
  TestAllKindsTask task;
  task.mutable_agent()->set_name("x");
  Set(&task, "agent", "NULL");
  EXPECT_FALSE(task.has_agent());
}

TEST(Overrides, NullEmptiesARepeatedOrMapField) {
  TestAllKindsTask task;
  task.add_ints(1);
  task.add_agents();
  (*task.mutable_counts())["a"] = 1;
  Set(&task, "ints", "NULL");
  Set(&task, "agents", "NULL");
  Set(&task, "counts", "NULL");
  EXPECT_EQ(task.ints_size(), 0);
  EXPECT_EQ(task.agents_size(), 0);
  EXPECT_TRUE(task.counts().empty());
}

TEST(Overrides, NullOnTheChosenOneofMemberUnsetsTheOneof) {
  TrainTask train;
  train.mutable_transformer()->set_num_heads(2);
  Set(&train, "transformer", "NULL");
  EXPECT_EQ(train.encoder_case(), TrainTask::ENCODER_NOT_SET);
  TestAllKindsTask task;
  task.set_choice_int(3);
  Set(&task, "choice_int", "NULL");
  EXPECT_EQ(task.choice_case(), TestAllKindsTask::CHOICE_NOT_SET);
}

TEST(Overrides, NullOnAnUnchosenOneofMemberDoesNothing) {
  TrainTask train;
  train.mutable_mlp()->set_hidden_dim(3);
  Set(&train, "transformer", "NULL");
  ASSERT_EQ(train.encoder_case(), TrainTask::kMlp);
  EXPECT_EQ(train.mlp().hidden_dim(), 3);
  Set(&train, "conv.channels", "NULL");
  EXPECT_EQ(train.encoder_case(), TrainTask::kMlp);
}

TEST(Overrides, NullThroughUnsetMessagesLeavesThemUnset) {
  TestAllKindsTask task;
  Set(&task, "agent.backup.name", "NULL");
  Set(&task, "agents.0.name", "NULL");
  Set(&task, "agents.-1", "NULL");
  Set(&task, "agent_map.k.name", "NULL");
  Set(&task, "launcher.slurm.partition", "NULL");
  EXPECT_FALSE(task.has_agent());
  EXPECT_EQ(task.agents_size(), 0);
  EXPECT_TRUE(task.agent_map().empty());
  EXPECT_FALSE(task.has_launcher());
  task.set_choice_int(4);
  Set(&task, "choice_agent.name", "NULL");
  EXPECT_EQ(task.choice_int(), 4);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(task, [] {
    TestAllKindsTask expected;
    expected.set_choice_int(4);
    return expected;
  }()));
}

TEST(Overrides, SelectChoosesAOneofMemberEmpty) {
  TestAllKindsTask task;
  task.set_choice_int(5);
  Set(&task, "choice_msg", "SELECT");
  EXPECT_EQ(task.choice_case(), TestAllKindsTask::kChoiceMsg);
  EXPECT_EQ(task.choice_msg().ByteSizeLong(), 0u);
  TrainTask train;
  Set(&train, "launcher.local", "SELECT");
  EXPECT_TRUE(train.launcher().has_local());
}

TEST(Overrides, SelectSetsAMessageOutsideAOneofPresent) {
  TestAllKindsTask task;
  Set(&task, "agent", "SELECT");
  EXPECT_TRUE(task.has_agent());
  EXPECT_EQ(task.agent().ByteSizeLong(), 0u);
}

TEST(Overrides, SelectOnAPresentMessageKeepsItsContents) {
  TestAllKindsTask task;
  task.mutable_choice_agent()->set_name("kept");
  Set(&task, "choice_agent", "SELECT");
  EXPECT_EQ(task.choice_agent().name(), "kept");
}

TEST(Overrides, SelectOnANonMessageIsAnError) {
  TestAllKindsTask task;
  EXPECT_THAT(Fail(&task, "i32", "SELECT"),
              HasSubstr("SELECT applies to message fields; 'i32' is an int32"));
  EXPECT_THAT(Fail(&task, "counts.a", "SELECT"), HasSubstr("SELECT applies to message fields"));
}

TEST(Overrides, SettingAFieldInsideAOneofMemberSelectsThatMember) {
  TrainTask train;
  train.mutable_mlp()->set_hidden_dim(3);
  Set(&train, "transformer.num_heads", "9");
  ASSERT_EQ(train.encoder_case(), TrainTask::kTransformer);
  EXPECT_EQ(train.transformer().num_heads(), 9);
  TestAllKindsTask task;
  task.set_choice_int(1);
  Set(&task, "choice_str", "s");
  EXPECT_EQ(task.choice_case(), TestAllKindsTask::kChoiceStr);
  Set(&task, "choice_agent.random.seed", "3");
  EXPECT_EQ(task.choice_case(), TestAllKindsTask::kChoiceAgent);
  EXPECT_EQ(task.choice_agent().random().seed(), 3);
}

TEST(ApplyOverrides, AppliesInOrderOfFirstAppearanceAndNamesTheFailingToken) {
  TrainTask train;
  ASSERT_TRUE(ApplyOverrides(&train, {"--lr=0.5", "mlp.hidden_dim=3", "lr=0.25"}).ok());
  EXPECT_EQ(train.lr(), 0.25f);
  EXPECT_EQ(train.mlp().hidden_dim(), 3);
  absl::Status status = ApplyOverrides(&train, {"num_epochs=2", "--batch_size=x"});
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("override '--batch_size=x': 'batch_size': bad int32"));
  EXPECT_EQ(train.num_epochs(), 2);
}

TEST(ApplyOverrides, IncludeOverridesAreAnErrorHere) {
  TrainTask train;
  absl::Status status = ApplyOverrides(&train, {"Ilauncher=slurm"});
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("LoadConfig"));
}

TEST(ScalarOverride, AKeyMayNameTheOneofOnTheWayAsInHeyHi) {
  TrainTask task;
  ASSERT_TRUE(ApplyOverrides(&task, {"encoder.transformer.num_heads=9"}).ok());
  EXPECT_EQ(task.transformer().num_heads(), 9);
  ASSERT_TRUE(ApplyOverrides(&task, {"encoder.transformer=NULL"}).ok());
  EXPECT_EQ(task.encoder_case(), TrainTask::ENCODER_NOT_SET);
  // A oneof name alone is not a field.
  EXPECT_FALSE(ApplyOverrides(&task, {"encoder=NULL"}).ok());
}

}  // namespace
}  // namespace heyhi
