// Regression tests of what the fuzz targets (tests/fuzz/) found, each named after the input that
// failed: flat lines that did not rebuild their message, and compositions that went wrong.
#include <memory>
#include <string>
#include <vector>

#include "conf.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "heyhi/base/shell_quote.h"
#include "heyhi/overrides.h"
#include "heyhi/print.h"

namespace heyhi {
namespace {

using ::google::protobuf::Message;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The flat lines of `original`, each read as a shell reads one word, applied
// to an empty message of its type: what the fuzz targets check.
void ExpectRebuildsFromItsFlatLines(const Message& original) {
  std::vector<std::string> tokens;
  for (const std::string& line : Flatten(original, /*with_all=*/false)) {
    absl::StatusOr<std::string> token = ShellUnquote(line);
    ASSERT_TRUE(token.ok()) << line << ": " << token.status();
    tokens.push_back(*token);
  }
  std::unique_ptr<Message> rebuilt(original.New());
  const absl::Status applied = ApplyOverrides(rebuilt.get(), tokens);
  ASSERT_TRUE(applied.ok()) << applied;
  EXPECT_TRUE(MessageDifferencer::Equals(original, *rebuilt))
      << "original:\n"
      << original.DebugString() << "rebuilt:\n"
      << rebuilt->DebugString();
}

// fuzz_round_trip: agent_map { key: "a." value { } } printed `agent_map.a.=SELECT`,
// and counts keys "y=z", "" and "--x=y" printed lines that split elsewhere.
TEST(FuzzRegression, MapKeysWithADotAnEqualsSignOrNothingRebuildFromTheirFlatLines) {
  TestAllKindsTask task;
  (*task.mutable_agent_map())["a."];
  (*task.mutable_agent_map())["x.y"].set_name("n");
  (*task.mutable_counts())["y=z"] = 2;
  (*task.mutable_counts())[""] = 3;
  (*task.mutable_counts())["--x=y"] = 4;
  (*task.mutable_counts())["\"q\\"] = 5;
  (*task.mutable_counts())["a\"b"] = 6;
  (*task.mutable_counts())["1.5"] = 7;
  EXPECT_THAT(Flatten(task, false),
              ElementsAre("'agent_map.\"a.\"'=SELECT", "'agent_map.\"x.y\".name'=n",
                          "'counts.\"\"'=3", "'counts.\"\\\"q\\\\\"'=5", "'counts.\"--x=y\"'=4",
                          "'counts.\"1.5\"'=7", "'counts.a\"b'=6", "'counts.\"y=z\"'=2"));
  ExpectRebuildsFromItsFlatLines(task);
}

TEST(FuzzRegression, QuotedMapKeysWorkInEveryKeyAndUnterminatedOnesAreErrors) {
  TestAllKindsTask task;
  ASSERT_TRUE(ApplyOverrides(&task, {"counts.\"a.b\"=1", "counts.plain=2", "names.\"-3\"=x",
                                     "agent_map.\"k=1\".backup.name=deep"})
                  .ok());
  EXPECT_EQ(task.counts().at("a.b"), 1);
  EXPECT_EQ(task.counts().at("plain"), 2);
  EXPECT_EQ(task.names().at(-3), "x");
  EXPECT_EQ(task.agent_map().at("k=1").backup().name(), "deep");
  ASSERT_TRUE(ApplyOverrides(&task, {"counts.\"a.b\"=NULL"}).ok());
  EXPECT_EQ(task.counts().count("a.b"), 0u);
  absl::Status open = ApplyOverrides(&task, {"counts.\"a.b=1"});
  EXPECT_THAT(open.message(), HasSubstr("unterminated \" quote"));
  absl::Status trailing = ApplyOverrides(&task, {"counts.\"a\"b=1"});
  EXPECT_THAT(trailing.message(), HasSubstr("a quoted step must end at a '.'"));
}

// fuzz_round_trip: str, raw, strs.0, choice_str (TestAllKindsTask) and
// checkpoint (TrainTask) holding "NULL" printed `str=NULL`, which clears;
// "SELECT" printed `str=SELECT`, an error on a string.
TEST(FuzzRegression, StringValuesNullAndSelectRebuildFromTheirFlatLines) {
  TestAllKindsTask task;
  task.set_str("NULL");
  task.set_raw("SELECT");
  task.add_strs("NULL");
  task.add_strs("\\NULL");
  task.add_strs("\\\\SELECT");
  task.add_strs("NULLx");
  task.set_choice_str("NULL");
  (*task.mutable_names())[-2147483647 - 1] = "";
  (*task.mutable_names())[3] = "SELECT";
  EXPECT_THAT(Flatten(task, false),
              ElementsAre("choice_str='\\NULL'", "names.-2147483648=''", "names.3='\\SELECT'",
                          "raw='\\SELECT'", "str='\\NULL'", "strs.0='\\NULL'", "strs.1='\\\\NULL'",
                          "strs.2='\\\\\\SELECT'", "strs.3=NULLx"));
  ExpectRebuildsFromItsFlatLines(task);
  TrainTask train;
  train.set_checkpoint("NULL");
  ExpectRebuildsFromItsFlatLines(train);
}

TEST(FuzzRegression, NullStillClearsAStringAndABackslashElsewhereIsText) {
  TestAllKindsTask task;
  ASSERT_TRUE(ApplyOverrides(&task, {"str=x", "str=NULL", "str_with_default=\\x"}).ok());
  EXPECT_FALSE(task.has_str());
  EXPECT_EQ(task.str_with_default(), "\\x");
  EXPECT_THAT(ApplyOverrides(&task, {"str=SELECT"}).message(),
              HasSubstr("SELECT applies to message fields"));
  EXPECT_THAT(ApplyOverrides(&task, {"i32=\\NULL"}).message(), HasSubstr("bad int32 value"));
}

}  // namespace
}  // namespace heyhi
