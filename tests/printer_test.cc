// Tests of printing (SPEC §5): text format, flat lines, shell quoting and
// the flat-lines round trip.
#include "heyhi/config/printer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>

#include "conf.pb.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "heyhi/config/override.h"
#include "test_schema.pb.h"

namespace heyhi {
namespace {

using ::google::protobuf::Message;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// Every one of `wanted` is among `lines` (gmock's IsSupersetOf without
// linking gmock's library).
void ExpectHasLines(const std::vector<std::string>& lines, const std::vector<std::string>& wanted) {
  for (const std::string& line : wanted) EXPECT_THAT(lines, Contains(line));
}

constexpr double kInf = std::numeric_limits<double>::infinity();

// Applies flat lines (each one shell word, unquoted) to an empty message of
// the same type, as a user pasting them on a command line would.
std::unique_ptr<Message> Rebuild(const Message& original) {
  std::unique_ptr<Message> rebuilt(original.New());
  for (const std::string& line : Flatten(original, /*with_all=*/false)) {
    absl::StatusOr<std::string> token = ShellUnquote(line);
    EXPECT_TRUE(token.ok()) << line << ": " << token.status();
    if (!token.ok()) continue;
    const size_t equals = token->find('=');
    EXPECT_NE(equals, std::string::npos) << line;
    absl::Status applied =
        ApplyScalarOverride(rebuilt.get(), token->substr(0, equals), token->substr(equals + 1));
    EXPECT_TRUE(applied.ok()) << line << ": " << applied;
  }
  return rebuilt;
}

void ExpectRoundTrip(const Message& original) {
  std::unique_ptr<Message> rebuilt = Rebuild(original);
  EXPECT_TRUE(MessageDifferencer::Equals(*rebuilt, original))
      << "original:\n"
      << original.DebugString() << "rebuilt:\n"
      << rebuilt->DebugString();
}

// Every kind of field, with the values that are easy to get wrong.
TestAllKindsTask RichTask() {
  TestAllKindsTask task;
  task.set_i32(-7);
  task.set_i64(std::numeric_limits<int64_t>::min());
  task.set_u32(std::numeric_limits<uint32_t>::max());
  task.set_u64(std::numeric_limits<uint64_t>::max());
  task.set_s32(-1);
  task.set_s64(-123456789012345);
  task.set_f32(0);
  task.set_f64(99);
  task.set_sf32(-2147483647);
  task.set_sf64(5);
  task.set_fl(0.1f);
  task.set_db(-1e-300);
  task.set_flag(false);
  task.set_str("it's \"quoted\" $HOME `cmd` ; & | * ~ # !");
  task.set_raw(std::string("\xff\x01 raw\tbytes\n", 13));
  task.set_color(TestAllKindsTask::GREEN);
  task.set_i32_with_default(42);  // explicitly set to its default: still printed
  task.set_str_with_default("");
  task.set_color_with_default(TestAllKindsTask::RED);
  task.set_flag_with_default(true);
  for (int i = 0; i < 12; ++i) task.add_ints(i * (i % 2 ? -1 : 1));
  for (const char* s : {"", "a b", "x=y", "[not a list]", "'", "plain"}) task.add_strs(s);
  task.add_colors(TestAllKindsTask::BLUE);
  task.add_colors(TestAllKindsTask::RED);
  task.add_doubles(2.5e10);
  task.add_doubles(-0.0);
  task.add_flags(true);
  task.add_flags(false);
  TestAgent* first = task.add_agents();
  first->set_name("first agent");
  first->set_temperature(0.7f);
  task.add_agents();  // empty element
  TestAgent* third = task.add_agents();
  third->mutable_random()->set_seed(-3);
  third->mutable_backup()->set_rollouts(0);
  third->add_includes()->set_path("common/agents/x");
  (*task.mutable_counts())["a"] = 1;
  (*task.mutable_counts())["zero"] = 0;
  (*task.mutable_counts())["with space"] = 2;  // a key the shell must see quoted
  (*task.mutable_agent_map())["full"].set_name("F");
  (*task.mutable_agent_map())["full"].mutable_backup()->mutable_random();
  (*task.mutable_agent_map())["empty"];
  (*task.mutable_names())[-4] = "minus four";
  (*task.mutable_names())[10] = "";
  task.mutable_choice_msg();  // empty chosen oneof message
  task.set_verbosity(3);
  task.mutable_launcher()->mutable_slurm()->set_partition("dev");
  return task;
}

// --- Text format ---

TEST(PrintText, FloatsAndDoublesPrintShortestRoundTrip) {
  TrainTask train;
  train.set_lr(0.001f);
  train.set_momentum(0.9f);
  const std::string text = PrintText(train);
  EXPECT_THAT(text, HasSubstr("lr: 0.001\n"));
  EXPECT_THAT(text, HasSubstr("momentum: 0.9\n"));
  TestAllKindsTask task;
  task.set_db(0.1);
  task.set_fl(-std::numeric_limits<float>::infinity());
  EXPECT_THAT(PrintText(task), HasSubstr("fl: -inf\ndb: 0.1\n"));
}

TEST(PrintText, ParsesBackToTheSameMessage) {
  const TestAllKindsTask task = RichTask();
  TestAllKindsTask parsed;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(PrintText(task), &parsed));
  EXPECT_TRUE(MessageDifferencer::Equals(parsed, task));
}

TEST(FormatNumbers, ShortestRoundTripWithInfAndNan) {
  EXPECT_EQ(FormatFloat(0.001f), "0.001");
  EXPECT_EQ(FormatFloat(0.1f), "0.1");
  EXPECT_EQ(FormatFloat(16777216.0f), "16777216");
  EXPECT_EQ(FormatDouble(0.1), "0.1");
  EXPECT_EQ(FormatDouble(1e-300), "1e-300");
  EXPECT_EQ(FormatDouble(kInf), "inf");
  EXPECT_EQ(FormatDouble(-kInf), "-inf");
  EXPECT_EQ(FormatDouble(std::nan("")), "nan");
  EXPECT_EQ(FormatDouble(-std::nan("")), "nan");
  EXPECT_EQ(FormatDouble(3), "3");
}

// --- Flat lines ---

TEST(Flatten, OneLinePerSetFieldSortedByKey) {
  TrainTask train;
  train.set_lr(0.001f);
  train.set_batch_size(64);
  train.mutable_data()->set_dir("/data");
  train.mutable_mlp()->set_hidden_dim(512);
  EXPECT_THAT(Flatten(train, false),
              ElementsAre("batch_size=64", "data.dir=/data", "lr=0.001", "mlp.hidden_dim=512"));
}

TEST(Flatten, BoolsNumbersAndEnumsByName) {
  TestAllKindsTask task;
  task.set_flag(true);
  task.set_flag_with_default(false);
  task.set_color(TestAllKindsTask::BLUE);
  task.set_db(-kInf);
  task.set_u64(18446744073709551615u);
  EXPECT_THAT(Flatten(task, false),
              ElementsAre("color=BLUE", "db=-inf", "flag=true", "flag_with_default=false",
                          "u64=18446744073709551615"));
}

TEST(Flatten, StringsEmptyOrWithShellSpecialCharactersAreSingleQuoted) {
  TestAllKindsTask task;
  task.set_str("");
  task.set_str_with_default("it's a $HOME");
  task.set_choice_str("conf/common/x.prototxt");
  EXPECT_THAT(Flatten(task, false), ElementsAre("choice_str=conf/common/x.prototxt", "str=''",
                                                "str_with_default='it'\\''s a $HOME'"));
}

TEST(Flatten, RepeatedFieldsOneLinePerElementInIndexOrder) {
  TestAllKindsTask task;
  for (int i = 0; i < 11; ++i) task.add_ints(i);
  task.add_strs("a b");
  const std::vector<std::string> lines = Flatten(task, false);
  ASSERT_EQ(lines.size(), 12u);
  EXPECT_EQ(lines[0], "ints.0=0");
  EXPECT_EQ(lines[2], "ints.2=2");
  EXPECT_EQ(lines[10], "ints.10=10") << "indices sort by number, so the lines apply in order";
  EXPECT_EQ(lines[11], "strs.0='a b'");
}

TEST(Flatten, MapsPrintOneLinePerKey) {
  TestAllKindsTask task;
  (*task.mutable_counts())["b"] = 2;
  (*task.mutable_counts())["a"] = 1;
  (*task.mutable_names())[7] = "seven";
  (*task.mutable_agent_map())["k"].set_name("x");
  EXPECT_THAT(Flatten(task, false),
              ElementsAre("agent_map.k.name=x", "counts.a=1", "counts.b=2", "names.7=seven"));
}

TEST(Flatten, PresentMessageWithNothingSetPrintsSelect) {
  TestAllKindsTask task;
  task.mutable_agent();
  task.mutable_choice_msg();
  task.add_agents();
  (*task.mutable_agent_map())["e"];
  task.mutable_launcher()->mutable_local();
  EXPECT_THAT(Flatten(task, false),
              ElementsAre("agent=SELECT", "agent_map.e=SELECT", "agents.0=SELECT",
                          "choice_msg=SELECT", "launcher.local=SELECT"));
}

TEST(Flatten, UnsetFieldsArePrintedOnlyWithAll) {
  TrainTask train;
  EXPECT_THAT(Flatten(train, false), ElementsAre());
  train.set_seed(0);
  EXPECT_THAT(Flatten(train, false), ElementsAre("seed=0"));
}

TEST(FlattenAll, UnsetFieldsPrintTheirDefaultOrNullWhenTheyHaveNone) {
  const std::vector<std::string> lines = Flatten(TrainTask(), true);
  ExpectHasLines(lines, {"batch_size=128", "lr=0.1", "checkpoint=checkpoint.pt", "optimizer=SGD",
                         "data.dir=/usr/share/datasets/fashion-mnist", "data.max_train_samples=0",
                         "log_every=100"});
  EXPECT_THAT(lines, Contains("launcher=NULL")) << "a message with only unchosen oneofs";
  const std::vector<std::string> all = Flatten(TestAllKindsTask(), true);
  ExpectHasLines(
      all, {"i32=NULL", "str=NULL", "raw=NULL", "color=NULL", "i32_with_default=42",
            "fl_with_default=0.5", "str_with_default='hello world'", "color_with_default=BLUE",
            "flag_with_default=true", "ints=NULL", "agents=NULL", "counts=NULL", "agent_map=NULL",
            "agent.name=NULL", "agent.temperature=1", "agent.includes=NULL"});
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
}

TEST(FlattenAll, RecursiveTypesStopAtTheSecondLevel) {
  const std::vector<std::string> all = Flatten(TestAllKindsTask(), true);
  EXPECT_THAT(all, Contains("agent.backup=NULL"));
  EXPECT_THAT(all, Not(Contains(HasSubstr("agent.backup.name"))));
  TestAllKindsTask task;
  task.mutable_agent()->set_name("x");
  ExpectHasLines(Flatten(task, true),
                 {"agent.name=x", "agent.backup.name=NULL", "agent.backup.backup=NULL"});
}

TEST(FlattenAll, ChosenOneofMembersRecurseAndUnchosenOnesAreNotPrinted) {
  TrainTask train;
  train.mutable_transformer();
  const std::vector<std::string> lines = Flatten(train, true);
  ExpectHasLines(lines, {"transformer=SELECT", "transformer.num_heads=4",
                         "transformer.activation=GELU", "transformer.dropout=0.1"});
  EXPECT_THAT(lines, Not(Contains(HasSubstr("mlp"))));
  EXPECT_THAT(lines, Not(Contains(HasSubstr("conv"))));
  EXPECT_THAT(Flatten(TestAllKindsTask(), true), Not(Contains(HasSubstr("choice"))));
}

// --- Shell quoting ---

TEST(ShellQuote, QuotesOnlyWhatAShellWouldChange) {
  EXPECT_EQ(ShellQuote("plain/path-1.2_x:y@z%+,="), "plain/path-1.2_x:y@z%+,=");
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("a b"), "'a b'");
  EXPECT_EQ(ShellQuote("$HOME"), "'$HOME'");
  EXPECT_EQ(ShellQuote("~"), "'~'");
  EXPECT_EQ(ShellQuote("*"), "'*'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
}

TEST(ShellUnquote, UndoesPosixQuotingOfOneWord) {
  EXPECT_EQ(*ShellUnquote("plain"), "plain");
  EXPECT_EQ(*ShellUnquote("''"), "");
  EXPECT_EQ(*ShellUnquote("'it'\\''s'"), "it's");
  EXPECT_EQ(*ShellUnquote("\"a \\\"b\\\" \\$x \\n\""), "a \"b\" $x \\n");
  EXPECT_EQ(*ShellUnquote("a\\ b"), "a b");
  EXPECT_EQ(*ShellUnquote("x'y z'\"w\""), "xy zw");
  for (const char* s : {"", "a b", "'", "\"", "\\", "$(rm -rf)", "tab\there", "é"}) {
    EXPECT_EQ(*ShellUnquote(ShellQuote(s)), s);
  }
}

TEST(ShellUnquote, UnterminatedQuoteOrUnquotedSpaceIsAnError) {
  EXPECT_THAT(ShellUnquote("'open").status().message(), HasSubstr("unterminated '"));
  EXPECT_THAT(ShellUnquote("\"open").status().message(), HasSubstr("unterminated \""));
  EXPECT_THAT(ShellUnquote("end\\").status().message(), HasSubstr("dangling backslash"));
  EXPECT_THAT(ShellUnquote("two words").status().message(), HasSubstr("several shell words"));
}

// --- Round trip (SPEC §5) ---

TEST(RoundTrip, FlatLinesAppliedToAnEmptyMessageRebuildARichTask) { ExpectRoundTrip(RichTask()); }

TEST(RoundTrip, RebuildsEmptyChosenOneofsAndEmptyPresentMessages) {
  TestAllKindsTask task;
  task.mutable_agent();
  task.mutable_choice_agent()->mutable_random();
  task.mutable_launcher()->mutable_local();
  task.add_agents()->mutable_backup();
  ExpectRoundTrip(task);
  TrainTask train;
  train.mutable_transformer();
  train.mutable_data();
  ExpectRoundTrip(train);
  ExpectRoundTrip(TestAllKindsTask());
}

TEST(RoundTrip, RebuildsScalarOneofMembersAndNegativeNumbers) {
  TestAllKindsTask task;
  task.set_choice_int(0);
  task.set_sf64(std::numeric_limits<int64_t>::min());
  task.set_fl(-3.4028235e38f);
  task.set_db(std::numeric_limits<double>::denorm_min());
  task.add_doubles(-1.0 / 3);
  ExpectRoundTrip(task);
  task.set_choice_str("");
  ExpectRoundTrip(task);
}

TEST(RoundTrip, RebuildsALegacySchemaConfig) {
  legacy::MetaCfg meta;
  meta.mutable_compare_agents()->mutable_agent_one()->mutable_optim()->set_warmup_hours(0);
  meta.mutable_compare_agents()->mutable_agent_six()->add_includes()->set_mount("x y");
  meta.mutable_compare_agents()->set_out("");
  ExpectRoundTrip(meta);
}

// A DynamicMessage from descriptors copied into a pool of their own: nothing
// generated is involved, so printing and overrides work by reflection alone.
TEST(RoundTrip, WorksOnADynamicMessageThroughReflectionOnly) {
  google::protobuf::DescriptorPool pool;
  for (const google::protobuf::FileDescriptor* file :
       {google::protobuf::DescriptorProto::descriptor()->file(),
        heyhi::Include::descriptor()->file(), TestAllKindsTask::descriptor()->file()}) {
    google::protobuf::FileDescriptorProto proto;
    file->CopyTo(&proto);
    ASSERT_NE(pool.BuildFile(proto), nullptr) << file->name();
  }
  const google::protobuf::Descriptor* type = pool.FindMessageTypeByName("TestAllKindsTask");
  ASSERT_NE(type, nullptr);
  google::protobuf::DynamicMessageFactory factory(&pool);
  std::unique_ptr<Message> dynamic(factory.GetPrototype(type)->New());
  ASSERT_TRUE(dynamic->ParseFromString(RichTask().SerializeAsString()));
  ASSERT_EQ(dynamic->ByteSizeLong(), RichTask().ByteSizeLong());
  EXPECT_EQ(Flatten(*dynamic, false), Flatten(RichTask(), false));
  EXPECT_EQ(Flatten(*dynamic, true), Flatten(RichTask(), true));
  ExpectRoundTrip(*dynamic);
}

}  // namespace
}  // namespace heyhi
