// Splitting a command line into a program's flags and the rest (heyhi/base/command_line.h).
#include "heyhi/base/command_line.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace heyhi {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

constexpr FlagSpec kFlags[] = {
    {"mode", true, "m"}, {"print_flat", false, "p"}, {"c", true, "config"}};

absl::StatusOr<SplitArgs> Split(std::vector<std::string> args) {
  args.insert(args.begin(), "prog");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  return SplitFlags(static_cast<int>(argv.size()), argv.data(), kFlags);
}

TEST(SplitFlags, AFlagIsOnlyATokenNamingOneExactly) {
  absl::StatusOr<SplitArgs> split =
      Split({"--mode=dryrun", "--checkpoint=x.pt", "--mod=x", "lr=0.1", "---mode=x"});
  ASSERT_TRUE(split.ok());
  EXPECT_THAT(split->flags, ElementsAre(Pair("mode", "dryrun")));
  EXPECT_THAT(split->others, ElementsAre("--checkpoint=x.pt", "--mod=x", "lr=0.1", "---mode=x"));
}

TEST(SplitFlags, ValuesFollowAsTheNextTokenOrAfterEqualsAndDashesMayBeUnderscores) {
  absl::StatusOr<SplitArgs> split = Split({"-c", "a.prototxt", "--print-flat", "-mode", "x=y"});
  ASSERT_TRUE(split.ok());
  EXPECT_THAT(split->flags, ElementsAre(Pair("c", "a.prototxt"), Pair("print_flat", "true"),
                                        Pair("mode", "x=y")));
  EXPECT_TRUE(split->others.empty());
}

TEST(SplitFlags, AFlagMissingItsValueIsAnErrorNamingIt) {
  absl::StatusOr<SplitArgs> split = Split({"lr=1", "--mode"});
  ASSERT_FALSE(split.ok());
  EXPECT_EQ(split.status().message(), "--mode needs a value");
}

TEST(SplitFlags, OtherFlagSourcesAreAskedAboutNamesTheProgramDoesNotKnow) {
  std::vector<std::string> args = {"prog", "--v", "2", "--logtostderr", "k=v"};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  absl::StatusOr<SplitArgs> split = SplitFlags(static_cast<int>(argv.size()), argv.data(), kFlags,
                                               [](const std::string& name, bool* takes_value) {
                                                 *takes_value = name == "v";
                                                 return name == "v" || name == "logtostderr";
                                               });
  ASSERT_TRUE(split.ok());
  EXPECT_THAT(split->flags, ElementsAre(Pair("v", "2"), Pair("logtostderr", "true")));
  EXPECT_THAT(split->others, ElementsAre("k=v"));
}

TEST(ParseSwitch, AcceptsTrueFalseOneZeroYesNoInAnyCase) {
  EXPECT_TRUE(*ParseSwitch("x", "TRUE"));
  EXPECT_TRUE(*ParseSwitch("x", "1"));
  EXPECT_TRUE(*ParseSwitch("x", ""));
  EXPECT_FALSE(*ParseSwitch("x", "No"));
  EXPECT_FALSE(*ParseSwitch("x", "0"));
  EXPECT_EQ(ParseSwitch("force", "maybe").status().message(),
            "--force=maybe: expected true or false");
}

TEST(FlagsHelp, ListsEveryFlagWithDashesAndItsHelp) {
  const std::string help = FlagsHelp(kFlags);
  EXPECT_THAT(help, ::testing::HasSubstr("--mode VALUE"));
  EXPECT_THAT(help, ::testing::HasSubstr("--print-flat "));
  EXPECT_THAT(help, ::testing::HasSubstr("config"));
}

}  // namespace
}  // namespace heyhi
