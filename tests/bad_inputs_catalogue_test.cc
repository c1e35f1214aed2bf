// tests/BAD_INPUTS.md against the sources: every row names a test that
// exists, and every test of the catalogue files (tests/bad_inputs_*_test.cc)
// has its row.
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace {

namespace fs = std::filesystem;

const fs::path kTests = fs::path(HEYHI_SOURCE_DIR) / "tests";

// "Suite.Name" of every TEST and TEST_F in `file`.
std::vector<std::string> TestsIn(const fs::path& file) {
  static const std::regex kTest(R"re(^TEST(_F)?\((\w+),\s*(\w+)\))re");
  std::vector<std::string> tests;
  std::ifstream in(file);
  std::smatch match;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_search(line, match, kTest))
      tests.push_back(match[2].str() + "." + match[3].str());
  }
  return tests;
}

TEST(BadInputsCatalogue, EveryRowIsATestAndEveryTestARow) {
  std::set<std::string> all_tests;
  std::set<std::string> catalogue_tests;
  for (const auto& entry : fs::directory_iterator(kTests)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".cc") continue;
    for (const std::string& test : TestsIn(entry.path())) {
      all_tests.insert(test);
      if (name.rfind("bad_inputs_", 0) == 0 && test.rfind("BadInputsCatalogue.", 0) != 0) {
        catalogue_tests.insert(test);
      }
    }
  }
  // A row: | input | expected | `Suite.Name` |
  static const std::regex kRow(R"re(^\|.*\| `(\w+\.\w+)` \|$)re");
  static const std::regex kTotal(R"re(^(\d+) inputs\.$)re");
  std::ifstream in(kTests / "BAD_INPUTS.md");
  ASSERT_TRUE(in) << "no tests/BAD_INPUTS.md";
  std::map<std::string, int> rows;  // test -> times named
  int total = -1;
  std::smatch match;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_match(line, match, kRow)) ++rows[match[1].str()];
    if (std::regex_match(line, match, kTotal)) total = std::stoi(match[1].str());
  }
  for (const auto& [test, times] : rows) {
    EXPECT_TRUE(all_tests.count(test)) << "the row of " << test << " names no test in tests/";
    EXPECT_EQ(times, 1) << test << " has " << times << " rows";
  }
  for (const std::string& test : catalogue_tests) {
    EXPECT_TRUE(rows.count(test)) << test << " has no row in tests/BAD_INPUTS.md";
  }
  EXPECT_EQ(total, static_cast<int>(rows.size())) << "the count at the end of the table";
  EXPECT_GE(rows.size(), 60u);
}

}  // namespace
