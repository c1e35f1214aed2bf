// SPEC §12 sweep values: lists, range, choice, glob; brackets and quotes are
// never split; bad forms are named.
#include "heyhi/config/sweep.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "temp_tree.h"

namespace heyhi {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> Values(const std::string& key, const std::string& text,
                                const IncludeGlob& glob = nullptr) {
  absl::StatusOr<std::vector<std::string>> values = ExpandSweepValues(key, text, glob);
  EXPECT_TRUE(values.ok()) << values.status();
  return values.value_or(std::vector<std::string>{});
}

std::string Error(const std::string& key, const std::string& text,
                  const IncludeGlob& glob = nullptr) {
  absl::StatusOr<std::vector<std::string>> values = ExpandSweepValues(key, text, glob);
  EXPECT_FALSE(values.ok());
  return std::string(values.status().message());
}

TEST(Sweep, CommaSeparatedValuesAreOneValueEach) {
  EXPECT_THAT(Values("lr", "0.1,0.01,1e-3"), ElementsAre("0.1", "0.01", "1e-3"));
  EXPECT_THAT(Values("lr", "0.1"), ElementsAre("0.1"));
}

TEST(Sweep, TextInBracketsOrQuotesIsNeverSplit) {
  EXPECT_THAT(Values("ints", "[1,2],[3]"), ElementsAre("[1,2]", "[3]"));
  EXPECT_THAT(Values("name", "'a,b',\"c,d\""), ElementsAre("'a,b'", "\"c,d\""));
  EXPECT_THAT(Values("m", "{a: 1, b: 2},(x,y)"), ElementsAre("{a: 1, b: 2}", "(x,y)"));
  EXPECT_THAT(Values("s", "'it\\'s,here'"), ElementsAre("'it\\'s,here'"));
}

TEST(Sweep, RangeOfIntsExcludesStop) {
  EXPECT_THAT(Values("seed", "range(0,5)"), ElementsAre("0", "1", "2", "3", "4"));
  EXPECT_THAT(Values("seed", "range(10, 0, -4)"), ElementsAre("10", "6", "2"));
}

TEST(Sweep, RangeIsOfFloatsWhenAnyBoundIsAFloat) {
  EXPECT_THAT(Values("lr", "range(0, 1, 0.25)"), ElementsAre("0", "0.25", "0.5", "0.75"));
  // start + i * step: no drift accumulates over the range.
  std::vector<std::string> tenths = Values("x", "range(0, 1, 0.1)");
  ASSERT_EQ(tenths.size(), 10u);
  EXPECT_EQ(tenths[3], "0.30000000000000004");  // 3 * 0.1, as a double prints it
  EXPECT_EQ(tenths[9], "0.9");
}

TEST(Sweep, ChoiceListsItsArguments) {
  EXPECT_THAT(Values("opt", "choice(sgd, adam)"), ElementsAre("sgd", "adam"));
  EXPECT_THAT(Values("opt", "choice([1,2], [3])"), ElementsAre("[1,2]", "[3]"));
}

TEST(Sweep, FormsMixInOneList) {
  EXPECT_THAT(Values("seed", "7,range(0,2),choice(9)"), ElementsAre("7", "0", "1", "9"));
}

TEST(Sweep, GlobListsTheIncludesAtTheMount) {
  heyhi::TempTree tree;
  tree.Write("conf/c/x.prototxt", "");
  tree.Write("conf/common/encoder/conv/conv_small.prototxt", "");
  tree.Write("conf/common/encoder/conv/conv_big.prototxt", "");
  tree.Write("conf/common/encoder/conv/mlp.prototxt", "");
  const IncludeGlob glob = IncludeGlobFor(tree.Path("conf/c/x.prototxt"));
  EXPECT_THAT(Values("Iencoder.conv", "glob(conv*)", glob), ElementsAre("conv_big", "conv_small"));
  EXPECT_THAT(Error("Iencoder.conv", "glob(zzz*)", glob), HasSubstr("no include at mount"));
}

TEST(Sweep, GlobNeedsAnIncludeOverrideKey) {
  EXPECT_THAT(Error("lr", "glob(a*)"), HasSubstr("include override key"));
}

TEST(Sweep, BadFormsAreNamed) {
  EXPECT_THAT(Error("seed", "range(0)"), HasSubstr("range takes (start, stop)"));
  EXPECT_THAT(Error("seed", "range(0,5,0)"), HasSubstr("step is 0"));
  EXPECT_THAT(Error("seed", "range(5,0)"), HasSubstr("range is empty"));
  EXPECT_THAT(Error("seed", "range(a,5)"), HasSubstr("\"a\" is not a finite number"));
  EXPECT_THAT(Error("x", "[1,2"), HasSubstr("']' is missing"));
  EXPECT_THAT(Error("x", "1],2"), HasSubstr("closes nothing"));
  EXPECT_THAT(Error("x", "'a,b"), HasSubstr("never closed"));
  EXPECT_THAT(Error("x", "a,,b"), HasSubstr("an empty value"));
  EXPECT_THAT(Error("x", "a,,b"), HasSubstr("valid forms"));
}

TEST(Sweep, TokenWithoutEqualsIsAnError) {
  absl::StatusOr<SweepAxis> axis = ParseSweepToken("lr", nullptr);
  ASSERT_FALSE(axis.ok());
  EXPECT_THAT(std::string(axis.status().message()), HasSubstr("expected key=values"));
}

TEST(Sweep, ProductIsInTheOrderWritten) {
  absl::StatusOr<SweepAxis> lr = ParseSweepToken("lr=1,2", nullptr);
  absl::StatusOr<SweepAxis> bs = ParseSweepToken("--bs=a,b,c", nullptr);
  ASSERT_TRUE(lr.ok() && bs.ok());
  absl::StatusOr<std::vector<std::vector<std::string>>> product = SweepProduct({*lr, *bs});
  ASSERT_TRUE(product.ok());
  ASSERT_EQ(product->size(), 6u);
  EXPECT_THAT((*product)[0], ElementsAre("lr=1", "bs=a"));
  EXPECT_THAT((*product)[1], ElementsAre("lr=1", "bs=b"));
  EXPECT_THAT((*product)[5], ElementsAre("lr=2", "bs=c"));
}

TEST(Sweep, KeyGivenTwiceIsAnError) {
  absl::StatusOr<SweepAxis> a = ParseSweepToken("lr=1,2", nullptr);
  absl::StatusOr<SweepAxis> b = ParseSweepToken("lr=3", nullptr);
  absl::StatusOr<std::vector<std::vector<std::string>>> product = SweepProduct({*a, *b});
  ASSERT_FALSE(product.ok());
  EXPECT_THAT(std::string(product.status().message()), HasSubstr("\"lr\" is given twice"));
}

TEST(Sweep, ProductLargerThanTheLimitIsRefused) {
  absl::StatusOr<SweepAxis> a = ParseSweepToken("a=range(0,1000)", nullptr);
  absl::StatusOr<SweepAxis> b = ParseSweepToken("b=range(0,1000)", nullptr);
  absl::StatusOr<std::vector<std::vector<std::string>>> product = SweepProduct({*a, *b});
  ASSERT_FALSE(product.ok());
  EXPECT_THAT(std::string(product.status().message()), HasSubstr("the limit"));
}

}  // namespace
}  // namespace heyhi
