// Tests of Python 3's view of text (len, slicing, repr), against values
// printed by CPython 3.
#include "heyhi/base/python_text.h"

#include <string>

#include "gtest/gtest.h"

namespace heyhi {
namespace {

TEST(PythonRepr, ListIsBracketedAndCommaSpaceSeparated) {
  EXPECT_EQ(PythonListRepr({}), "[]");
  EXPECT_EQ(PythonListRepr({"a"}), "['a']");
  EXPECT_EQ(PythonListRepr({"Ilauncher=local", "batch_size=10"}),
            "['Ilauncher=local', 'batch_size=10']");
  EXPECT_EQ(PythonListRepr({"it's", "x"}), "[\"it's\", 'x']");
}

TEST(PythonRepr, UsesSingleQuotesUnlessOnlySingleQuotesAppear) {
  EXPECT_EQ(PythonStrRepr("a"), "'a'");
  EXPECT_EQ(PythonStrRepr("it's"), "\"it's\"");
  EXPECT_EQ(PythonStrRepr("say \"hi\""), "'say \"hi\"'");
  EXPECT_EQ(PythonStrRepr("both ' and \""), "'both \\' and \"'");
}

TEST(PythonRepr, EscapesBackslashAndControlCharacters) {
  EXPECT_EQ(PythonStrRepr("back\\slash"), "'back\\\\slash'");
  EXPECT_EQ(PythonStrRepr("tab\there\nnl\rcr"), "'tab\\there\\nnl\\rcr'");
  EXPECT_EQ(PythonStrRepr(std::string("\x01\x7f", 2)), "'\\x01\\x7f'");
  EXPECT_EQ(PythonStrRepr(std::string("\0", 1)), "'\\x00'");
}

TEST(PythonRepr, KeepsPrintableUnicodeAndEscapesTheRest) {
  EXPECT_EQ(PythonStrRepr("café"), "'café'");
  EXPECT_EQ(PythonStrRepr("中"), "'中'");
  EXPECT_EQ(PythonStrRepr("\xF0\x9F\x98\x80"), "'\xF0\x9F\x98\x80'");  // emoji
  EXPECT_EQ(PythonStrRepr("\xC2\xA0nbsp"), "'\\xa0nbsp'");
  EXPECT_EQ(PythonStrRepr("\xC2\x85"), "'\\x85'");
  EXPECT_EQ(PythonStrRepr("\xC2\xAD"), "'\\xad'");
  EXPECT_EQ(PythonStrRepr("\xE2\x80\xA8"), "'\\u2028'");
  EXPECT_EQ(PythonStrRepr("\xE2\x80\x8B"), "'\\u200b'");
  EXPECT_EQ(PythonStrRepr("\xEE\x80\x80"), "'\\ue000'");
  EXPECT_EQ(PythonStrRepr("\xEF\xBB\xBF"), "'\\ufeff'");
}

TEST(PythonRepr, BytesThatAreNotUtf8AreSurrogateEscaped) {
  const std::string bad = std::string("bad\xFF\xE2\x82") + "end";
  EXPECT_EQ(PythonStrRepr(bad), "'bad\\udcff\\udce2\\udc82end'");
}

TEST(PythonLength, CountsCodePointsNotBytes) {
  EXPECT_EQ(PythonLength(""), 0u);
  EXPECT_EQ(PythonLength("abc"), 3u);
  EXPECT_EQ(PythonLength("café"), 4u);
  EXPECT_EQ(PythonLength("\xF0\x9F\x98\x80"), 1u);
  EXPECT_EQ(PythonLength("a\xFF\xE2\x82"), 4u);  // each stray byte counts once
}

TEST(PythonPrefix, CutsBetweenCodePoints) {
  EXPECT_EQ(PythonPrefix("café au lait", 4), "café");
  EXPECT_EQ(PythonPrefix("ab", 5), "ab");
  // A stray byte counts as one character and comes back as is.
  EXPECT_EQ(PythonPrefix(std::string("a\xFF") + "bc", 2), "a\xFF");
}

}  // namespace
}  // namespace heyhi
