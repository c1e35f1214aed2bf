// The bad-input catalogue (tests/BAD_INPUTS.md), configs: bad config files,
// bad includes and bad overrides given to the real `run` binary. Each is
// refused with exit code 1, a message that names the place (file:line:column
// or the token) and, where they are a short list, the valid alternatives;
// nothing is created, nothing deleted.
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "bad_inputs_helpers.h"
#include "gtest/gtest.h"

namespace heyhi_test {
namespace {

class BadConfigFile : public ::testing::Test {
 protected:
  // Writes conf/x/cfg.prototxt with `text`, runs it, expects it refused.
  void ExpectRefusedConfig(const std::string& text, const std::vector<std::string>& parts) {
    const std::string path = box_.Write("conf/x/cfg.prototxt", text);
    box_.ExpectRefused({"-c", path}, 1, parts);
  }
  // "<config>:LINE:COLUMN: "
  std::string At(int line, int column) const {
    return box_.Path("conf/x/cfg.prototxt") + ":" + std::to_string(line) + ":" +
           std::to_string(column) + ": ";
  }

  Sandbox box_;
};

TEST_F(BadConfigFile, MissingFile) {
  box_.ExpectRefused({"-c", box_.Path("conf/x/nope.prototxt")}, 1,
                     {box_.Path("conf/x/nope.prototxt") + ": cannot open: No such file"});
}

TEST_F(BadConfigFile, AFolder) {
  box_.Write("conf/x/folder.prototxt/keep", "");
  box_.ExpectRefused({"-c", box_.Path("conf/x/folder.prototxt")}, 1,
                     {box_.Path("conf/x/folder.prototxt") + ": not a regular file"});
}

TEST_F(BadConfigFile, AFifoIsRefusedWithoutWaitingForAWriter) {
  box_.Write("conf/x/keep", "");
  ASSERT_EQ(mkfifo(box_.Path("conf/x/fifo.prototxt").c_str(), 0644), 0);
  box_.ExpectRefused({"-c", box_.Path("conf/x/fifo.prototxt")}, 1,
                     {box_.Path("conf/x/fifo.prototxt") + ": not a regular file"});
}

TEST_F(BadConfigFile, LargerThanSixteenMebibytes) {
  const std::string path = box_.Write("conf/x/big.prototxt", "");
  ASSERT_EQ(truncate(path.c_str(), (16 << 20) + 1), 0);  // sparse: no 16 MiB written
  box_.ExpectRefused({"-c", path}, 1, {path + ": 16777217 bytes; the limit is 16777216"});
}

TEST_F(BadConfigFile, EmptyListsTheTasks) {
  ExpectRefusedConfig("", {"cfg.prototxt: no task selected",
                           "one of MetaCfg's tasks: train, eval, test_sleep, test_all_kinds"});
}

TEST_F(BadConfigFile, MissingValue) {
  ExpectRefusedConfig("test_sleep { lr: }\n", {At(1, 18) + "Expected double, got: }"});
}

TEST_F(BadConfigFile, UnknownFieldListsTheClosestFields) {
  ExpectRefusedConfig("test_sleep {\n  lrr: 1\n}\n",
                      {At(2, 3) + "Message type \"TestSleepTask\" has no field named \"lrr\"",
                       "did you mean: lr, fail, tags"});
}

TEST_F(BadConfigFile, UnknownTaskListsTheClosestTasks) {
  ExpectRefusedConfig("test_slep { }\n", {At(1, 1) + "Message type \"MetaCfg\" has no field named "
                                                     "\"test_slep\"; did you mean: test_sleep"});
}

TEST_F(BadConfigFile, UnknownEnumNameListsTheEnumValues) {
  ExpectRefusedConfig("test_all_kinds { color: PURPLE }\n",
                      {At(1, 25) + "Unknown enumeration value of \"PURPLE\" for field \"color\"",
                       "expected one of RED (0), GREEN (1), BLUE (5)"});
}

TEST_F(BadConfigFile, UndefinedEnumNumberListsTheEnumValues) {
  ExpectRefusedConfig("test_all_kinds {\n  color: 7\n}\n",
                      {At(2, 10) + "Unknown enumeration value of \"7\" for field \"color\"",
                       "expected one of RED (0), GREEN (1), BLUE (5)"});
}

TEST_F(BadConfigFile, StringForAnInteger) {
  ExpectRefusedConfig("test_sleep { steps: \"x\" }\n", {At(1, 21) + "Expected integer"});
}

TEST_F(BadConfigFile, IntegerOutOfRange) {
  ExpectRefusedConfig("test_sleep { steps: 99999999999 }\n",
                      {At(1, 21) + "Integer out of range (99999999999)"});
}

TEST_F(BadConfigFile, NegativeUnsigned) {
  ExpectRefusedConfig("test_all_kinds { u32: -1 }\n", {At(1, 23) + "Expected integer"});
}

TEST_F(BadConfigFile, UnterminatedString) {
  ExpectRefusedConfig("test_sleep { write_file: \"abc }\n",
                      {At(1, 32) + "String literals cannot cross line boundaries"});
}

TEST_F(BadConfigFile, UnclosedBrace) {
  ExpectRefusedConfig("test_sleep { lr: 1\n", {At(2, 1) + "Expected identifier"});
}

TEST_F(BadConfigFile, ExtraClosingBrace) {
  ExpectRefusedConfig("test_sleep { lr: 1 } }\n", {At(1, 22) + "Expected identifier, got: }"});
}

TEST_F(BadConfigFile, BinaryGarbage) {
  ExpectRefusedConfig(std::string("\0\1\xff\xfe garbage", 12),
                      {At(1, 1) + "Invalid control characters encountered in text"});
}

TEST_F(BadConfigFile, NumberForAMessage) {
  ExpectRefusedConfig("test_sleep { launcher: 5 }\n", {At(1, 24) + "Expected \"{\", found \"5\""});
}

TEST_F(BadConfigFile, StringForAMapValue) {
  ExpectRefusedConfig("test_all_kinds { counts { key: \"x\" value: \"y\" } }\n",
                      {At(1, 43) + "Expected integer"});
}

TEST_F(BadConfigFile, MessagesNestedDeeperThanTheLimit) {
  std::string text = "test_all_kinds { agent {\n";
  for (int i = 0; i < 200; ++i) text += "backup { ";
  text += "\n";
  for (int i = 0; i < 200; ++i) text += "} ";
  ExpectRefusedConfig(text + "} }\n",
                      {box_.Path("conf/x/cfg.prototxt") + ":2:", "recursion limit"});
}

class BadInclude : public BadConfigFile {};

TEST_F(BadInclude, MissingFileListsTheNamesFound) {
  box_.Write("conf/x/sleepy.prototxt", "lr: 2\n");
  ExpectRefusedConfig("includes { path: \"slepy\" mount: \"\" }\ntest_sleep { }\n",
                      {At(1, 12) + "include \"slepy\" (mount \"\") not found; searched",
                       "known names: cfg, sleepy", "closest: sleepy"});
}

TEST_F(BadInclude, UnknownMountListsTheClosestFields) {
  box_.Write("conf/x/inc.prototxt", "local { }\n");
  ExpectRefusedConfig("includes { path: \"inc\" mount: \"lanucher\" }\ntest_sleep { }\n",
                      {At(1, 24) + "mount \"lanucher\"", "did you mean: test_sleep.launcher"});
}

TEST_F(BadInclude, MountOnAScalar) {
  box_.Write("conf/x/inc.prototxt", "lr: 2\n");
  ExpectRefusedConfig("includes { path: \"inc\" mount: \"lr\" }\ntest_sleep { }\n",
                      {At(1, 24) + "mount \"lr\"", "is a float, not a message"});
}

TEST_F(BadInclude, MountIndexOutOfRange) {
  box_.Write("conf/x/inc.prototxt", "name: \"a\"\n");
  ExpectRefusedConfig("includes { path: \"inc\" mount: \"agents.5\" }\ntest_all_kinds { }\n",
                      {At(1, 24) + "mount \"agents.5\": index 5 is out of range",
                       "has 0 elements (give 0 or -1 to append)"});
}

TEST_F(BadInclude, CycleNamesTheCycle) {
  box_.Write("conf/x/a.prototxt", "includes { path: \"b\" mount: \"\" }\nname: \"a\"\n");
  box_.Write("conf/x/b.prototxt", "includes { path: \"a\" mount: \"\" }\nname: \"b\"\n");
  ExpectRefusedConfig("includes { path: \"a\" mount: \"agent\" }\ntest_all_kinds { }\n",
                      {"include cycle: ", "a.prototxt -> ", "b.prototxt -> ", "a.prototxt"});
}

TEST_F(BadInclude, SyntaxErrorInTheIncludedFileNamesItsPlaceAndTheChain) {
  box_.Write("conf/x/inc.prototxt", "\nlr: x\n");
  ExpectRefusedConfig("includes { path: \"inc\" mount: \"\" }\ntest_sleep { }\n",
                      {box_.Path("conf/x/inc.prototxt") + ":2:5: Expected double, got: x",
                       "while including " + box_.Path("conf/x/inc.prototxt") + " (mount .) from " +
                           box_.Path("conf/x/cfg.prototxt") + ":1"});
}

TEST_F(BadInclude, FileOfAnotherTypeListsTheFieldsOfTheMount) {
  box_.Write("conf/x/inc.prototxt", "lr: 2\n");
  ExpectRefusedConfig("includes { path: \"inc\" mount: \"launcher\" }\ntest_sleep { }\n",
                      {box_.Path("conf/x/inc.prototxt") +
                           ":1:1: Message type \"heyhi.Launcher\" has no field named \"lr\"; "
                           "did you mean: slurm, local",
                       "while including"});
}

TEST_F(BadInclude, EmptyPath) {
  ExpectRefusedConfig("test_sleep { }\nincludes { mount: \"\" }\n",
                      {At(2, 1) + "include with an empty path (mount \"\")"});
}

TEST_F(BadInclude, AbsolutePathOfAFolder) {
  box_.Write("conf/x/folder/keep", "");
  ExpectRefusedConfig(
      "includes { path: \"" + box_.Path("conf/x/folder") + "\" mount: \"\" }\ntest_sleep { }\n",
      {At(1, 12) + "include \"" + box_.Path("conf/x/folder") +
       "\" (mount \"\"): a folder, not a config file"});
}

TEST_F(BadInclude, UnknownFieldOfTheIncludeItself) {
  ExpectRefusedConfig(
      "includes { path: \"inc\" mount: \"\" mnt: \"x\" }\ntest_sleep { }\n",
      {At(1, 34) +
       "Message type \"heyhi.Include\" has no field named \"mnt\"; did you mean: mount"});
}

// Overrides on the real config conf/c90_test/sleep.prototxt (and
// all_kinds.prototxt for the field kinds sleep has not).
class BadOverride : public ::testing::Test {
 protected:
  void ExpectRefusedOverride(const std::string& config, const std::vector<std::string>& overrides,
                             const std::vector<std::string>& parts) {
    std::vector<std::string> args = {"-c", SourceFile(config)};
    args.insert(args.end(), overrides.begin(), overrides.end());
    box_.ExpectRefused(args, 1, parts);
  }
  void Sleep(const std::string& token, const std::vector<std::string>& parts) {
    ExpectRefusedOverride("conf/c90_test/sleep.prototxt", {token}, parts);
  }
  void AllKinds(const std::string& token, const std::vector<std::string>& parts) {
    // all_kinds has no registered task: it would not launch, but every bad
    // override is refused before that is found out.
    ExpectRefusedOverride("conf/c90_test/all_kinds.prototxt", {token}, parts);
  }

  Sandbox box_;
};

TEST_F(BadOverride, NoEqualsSign) {
  Sleep("lr", {"override 'lr' has no '=': expected key=value, key=NULL, key=SELECT or "
               "I<mount>=<path>"});
}

TEST_F(BadOverride, EmptyKey) { Sleep("=5", {"override '=5' has an empty key"}); }

TEST_F(BadOverride, UnknownKeyListsTheFiveClosestKeys) {
  Sleep("lrr=1", {"override lrr=1: unknown key 'lrr' in TestSleepTask",
                  "did you mean: lr, fail, tags, steps, launcher"});
}

TEST_F(BadOverride, EmptyStepInAKey) {
  Sleep("la..x=1", {"override la..x=1: unknown key 'la..x'", "did you mean: "});
}

TEST_F(BadOverride, KeyThroughAScalar) {
  Sleep("lr.x=1", {"override lr.x=1: ", "'lr' is a float value with no field 'x'"});
}

TEST_F(BadOverride, NotANumber) {
  Sleep("lr=abc", {"override lr=abc: 'lr': bad float value 'abc': expected a decimal number"});
}

TEST_F(BadOverride, FloatOutOfRange) {
  Sleep("seconds=1e999", {"override seconds=1e999: ", "within +/-3.40282e+38"});
}

TEST_F(BadOverride, FractionForAnInteger) {
  Sleep("steps=20.5", {"override steps=20.5: 'steps': bad int32 value '20.5': expected a whole "
                       "number from -2147483648 to 2147483647"});
}

TEST_F(BadOverride, IntegerOutOfRange) {
  Sleep("steps=99999999999", {"override steps=99999999999: ", "from -2147483648 to 2147483647"});
}

TEST_F(BadOverride, NegativeUnsigned) {
  AllKinds("u32=-1", {"override u32=-1: 'u32': bad uint32 value '-1'", "from 0 to 4294967295"});
}

TEST_F(BadOverride, BadBoolListsTheValues) {
  Sleep("fail=maybe", {"override fail=maybe: 'fail': bad bool value 'maybe': expected true, "
                       "false, 1 or 0 (any case)"});
}

TEST_F(BadOverride, UnknownEnumNameListsTheValues) {
  AllKinds("color=PURPLE", {"override color=PURPLE: 'color': bad enum Color value 'PURPLE': "
                            "expected one of RED (0), GREEN (1), BLUE (5)"});
}

TEST_F(BadOverride, UndefinedEnumNumberListsTheValues) {
  AllKinds("color=7", {"override color=7: ", "expected one of RED (0), GREEN (1), BLUE (5)"});
}

TEST_F(BadOverride, ValueForAMessage) {
  AllKinds("agent=5", {"override agent=5: 'agent' is a message TestAgent: give agent=SELECT, "
                       "agent=NULL, or set its fields (agent.<field>=value)"});
}

TEST_F(BadOverride, SelectOnAScalar) {
  Sleep("lr=SELECT", {"override lr=SELECT: SELECT applies to message fields; 'lr' is a float"});
}

TEST_F(BadOverride, ListWithoutBracketsShowsTheThreeForms) {
  AllKinds("ints=5", {"override ints=5: 'ints' is a repeated int32: give ints=[v1, v2, ...]",
                      "ints.N=v to replace element N, ints.-1=v to append, or ints=NULL"});
}

TEST_F(BadOverride, IndexOutOfRangeSaysHowManyThereAre) {
  AllKinds("ints.9=1", {"override ints.9=1: index 9 is out of range: ints has 3 elements"});
}

TEST_F(BadOverride, IndexThatIsNotANumber) {
  AllKinds("ints.x=1", {"override ints.x=1: bad key 'ints.x'", "an element index must follow"});
}

TEST_F(BadOverride, UnclosedList) { AllKinds("ints=[1, 2", {"override ints=[1, 2: "}); }

TEST_F(BadOverride, BadElementInAList) {
  AllKinds("flags=[true, maybe]", {"override flags=[true, maybe]: ", "bad bool value 'maybe'"});
}

TEST_F(BadOverride, MapKeyOfTheWrongType) {
  AllKinds("names.abc=x", {"override names.abc=x: bad key 'names.abc': 'abc' is not a key of "
                           "map 'names': bad int32 value 'abc'"});
}

TEST_F(BadOverride, MapValueOfTheWrongType) {
  AllKinds("counts.x=abc", {"override counts.x=abc: 'counts.x': bad int32 value 'abc'"});
}

TEST_F(BadOverride, OneofNameWithAValueListsItsMembers) {
  AllKinds("choice=5", {"override choice=5: unknown key 'choice'",
                        "did you mean: color, choice_int, choice_str, choice_msg"});
}

TEST_F(BadOverride, IncludeOverrideOfAMissingFileListsTheNamesFound) {
  Sleep("Ilauncher=slrum", {"override Ilauncher=slrum: include \"slrum\" (mount \"launcher\") "
                            "not found",
                            "known names: ", "closest: slurm"});
}

TEST_F(BadOverride, IncludeOverrideAtAnUnknownMountListsTheClosestFields) {
  Sleep("Ilanucher=launcher/local",
        {"override Ilanucher=launcher/local: ", "lanucher", "did you mean: launcher"});
}

TEST_F(BadOverride, KeyOfMoreStepsThanTheLimit) {
  std::string key = "agent";
  for (int i = 0; i < 300; ++i) key += ".backup";
  AllKinds(key + ".name=x", {"302 steps; at most 202 are allowed"});
}

TEST_F(BadOverride, IncludeOverrideOnAStoredConfig) {
  const Outcome made = box_.Run({"-c", SleepConfig()});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const std::string sig = Line(made.out, "exp dir").substr(Line(made.out, "exp dir").size() - 12);
  box_.ExpectRefused({"-f", sig, "Ilauncher=slurm"}, 1,
                     {"override Ilauncher=slurm: -f starts from a stored config, which has no "
                      "files to include into; give key=value overrides"});
}

}  // namespace
}  // namespace heyhi_test
