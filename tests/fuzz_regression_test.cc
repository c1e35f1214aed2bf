// Regression tests of what the fuzz targets (tests/fuzz/) found, each named after the input that
// failed: flat lines that did not rebuild their message, and compositions that went wrong.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "conf.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "heyhi/base/shell_quote.h"
#include "heyhi/config.h"
#include "heyhi/config/dynamic_schema.h"
#include "heyhi/config/text_loader.h"
#include "heyhi/overrides.h"
#include "heyhi/print.h"
#include "scoped_env.h"
#include "temp_tree.h"

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

absl::StatusOr<Composed> Load(const std::string& path,
                              const std::vector<std::string>& overrides = {}) {
  LoadOptions options;
  options.root_type = MetaCfg::descriptor();
  return LoadConfig(path, overrides, options);
}

std::string Repeated(const std::string& step, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) absl::StrAppend(&out, i == 0 ? "" : ".", step);
  return out;
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

// fuzz_includes: conf/x/f0.prototxt (parsed as TestAllKindsTask) held
// `agents { includes { path: "extra/f2.prototxt" mount: "backup.<98 more>" } }`:
// composed 100 deep, its flat line `agents.0.backup...` had 101 steps, one
// more than a key could have.
TEST(FuzzRegression, AFileNestedAsDeepAsTheLimitThroughAListRebuildsFromItsFlatLines) {
  TempTree tree;
  std::string text = "test_all_kinds { agents {";
  for (int i = 0; i < kMaxMessageNesting - 2; ++i) text += " backup {";
  text += " name: \"x\"";
  for (int i = 0; i < kMaxMessageNesting - 2; ++i) text += " }";
  text += " } }\n";
  absl::StatusOr<Composed> composed = Load(tree.Write("conf/deep.prototxt", text));
  ASSERT_TRUE(composed.ok()) << composed.status();
  ExpectRebuildsFromItsFlatLines(*composed->task);
}

// A chain of files each mounting the next 99 steps deep composed a message
// thousands of levels deep (200 files: 18 s, 1.2 GB, then --print-flat
// overflowed the stack).
TEST(FuzzRegression, IncludesThatNestTheComposedConfigPastTheLimitAreAnErrorNamingTheInclude) {
  TempTree tree;
  const std::string mount = Repeated("backup", 99);
  const int files = 200;
  for (int i = 0; i < files; ++i) {
    tree.Write(absl::StrCat("conf/common/c", i, ".prototxt"),
               i + 1 < files ? absl::StrCat("includes { path: \"c", i + 1, "\" mount: \"", mount,
                                            "\" }\nname: \"n", i, "\"\n")
                             : "name: \"last\"\n");
  }
  const std::string top = tree.Write(
      "conf/top.prototxt", "includes { path: \"c0\" mount: \"agent\" }\ntest_all_kinds { }\n");
  absl::StatusOr<Composed> composed = Load(top);
  ASSERT_FALSE(composed.ok());
  const std::string message(composed.status().message());
  EXPECT_THAT(message, HasSubstr("c197.prototxt:1:1: include \"c198\" at mount \"backup.backup"));
  EXPECT_THAT(message, HasSubstr("nests the composed config more than 100 messages deep"));
  EXPECT_LT(message.size(), 2000u);
}

TEST(FuzzRegression, IncludesAndOverridesNestingTheConfigUpToTheLimitCompose) {
  TempTree tree;
  // The task is level 1 and agent level 2: 98 backups reach 100.
  tree.Write("conf/common/deep.prototxt",
             absl::StrCat("includes { path: \"leaf\" mount: \"", Repeated("backup", 97), "\" }\n"));
  tree.Write("conf/common/leaf.prototxt", "backup { name: \"leaf\" }\n");
  const std::string top = tree.Write(
      "conf/top.prototxt", "includes { path: \"deep\" mount: \"agent\" }\ntest_all_kinds { }\n");
  absl::StatusOr<Composed> composed = Load(top);
  ASSERT_TRUE(composed.ok()) << composed.status();
  ExpectRebuildsFromItsFlatLines(*composed->task);
  // One level more, by an include override or by a scalar override.
  tree.Write("conf/common/more.prototxt", "backup { }\n");
  const std::string at_leaf = absl::StrCat("agent.", Repeated("backup", 98));
  EXPECT_THAT(Load(top, {absl::StrCat("I", at_leaf, "=more")}).status().message(),
              HasSubstr("nests the composed config more than 100 messages deep"));
  EXPECT_THAT(Load(top, {at_leaf + ".backup=SELECT"}).status().message(),
              HasSubstr("nests the config more than 100 messages deep"));
  EXPECT_TRUE(Load(top, {at_leaf + ".backup=NULL"}).ok());
}

// fuzz_includes: conf/x/f0.prototxt held `counts { key: "k" value: 2 }` twice;
// the composed map listed the key twice, and --print-flat printed it twice.
TEST(FuzzRegression, AMapKeyWrittenTwiceInAFileComposesToOneEntryWithTheLastValue) {
  ScopedEnv no_conf_root("HH_CONF_ROOT", std::nullopt);
  TempTree tree;
  const std::string path =
      tree.Write("conf/dup.prototxt",
                 "test_all_kinds { counts { key: \"k\" value: 1 } agent { name: \"a\" }\n"
                 "  counts { key: \"k\" value: 2 } agent_map { key: \"m\" value { name: \"1\" } }\n"
                 "  agent_map { key: \"m\" value { rollouts: 2 } } }\n");
  absl::StatusOr<Composed> composed = Load(path);
  ASSERT_TRUE(composed.ok()) << composed.status();
  EXPECT_THAT(Flatten(*composed->task, false),
              ElementsAre("agent.name=a", "agent_map.m.rollouts=2", "counts.k=2"));
  ExpectRebuildsFromItsFlatLines(*composed->task);
}

// The same through an include, with the schema loaded at run time (pp
// --proto_path): merging dynamic messages appended the included entry.
TEST(FuzzRegression, AMapKeySetByAnIncludeAndTheBodyComposesToOneEntryWithARunTimeSchema) {
  ScopedEnv no_conf_root("HH_CONF_ROOT", std::nullopt);
  TempTree tree;
  absl::StatusOr<std::unique_ptr<DynamicSchema>> schema =
      DynamicSchema::Import({std::string(HEYHI_SOURCE_DIR) + "/proto"}, "conf.proto");
  ASSERT_TRUE(schema.ok()) << schema.status();
  tree.Write("conf/common/chunk.prototxt", "counts { key: \"k\" value: 1 }\n");
  const std::string path = tree.Write("conf/inc.prototxt",
                                      "includes { path: \"chunk\" mount: \"\" }\n"
                                      "test_all_kinds { counts { key: \"k\" value: 2 } }\n");
  LoadOptions options;
  options.root_type = (*schema)->pool()->FindMessageTypeByName("MetaCfg");
  ASSERT_NE(options.root_type, nullptr);
  absl::StatusOr<Composed> composed = LoadConfig(path, {}, options);
  ASSERT_TRUE(composed.ok()) << composed.status();
  EXPECT_THAT(Flatten(*composed->task, false), ElementsAre("counts.k=2"));
}

}  // namespace
}  // namespace heyhi
