// The README's `build/pp` examples run as written: each one is executed from
// the source folder with the built pp and must exit 0.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace {

std::vector<std::string> PpExamples() {
  std::ifstream readme(std::string(HEYHI_SOURCE_DIR) + "/README.md");
  std::vector<std::string> examples;
  const std::string prefix = "    build/pp ";
  for (std::string line; std::getline(readme, line);) {
    if (line.rfind(prefix, 0) == 0) examples.push_back(line.substr(4));
  }
  return examples;
}

TEST(ReadmeExamples, EveryPpLineOfTheReadmeRunsAndExitsZero) {
  const std::vector<std::string> examples = PpExamples();
  ASSERT_GE(examples.size(), 5u) << "README.md lost its pp examples";
  for (const std::string& example : examples) {
    SCOPED_TRACE(example);
    // `build/` in the README is this build tree.
    const std::string command = "cd '" HEYHI_SOURCE_DIR "' && '" HEYHI_BINARY_DIR "'/pp " +
                                example.substr(std::string("build/pp ").size()) +
                                " > /dev/null 2>/tmp/heyhi_readme_example.err";
    const int status = std::system(command.c_str());
    ASSERT_TRUE(WIFEXITED(status));
    std::ifstream err("/tmp/heyhi_readme_example.err");
    const std::string message((std::istreambuf_iterator<char>(err)),
                              std::istreambuf_iterator<char>());
    EXPECT_EQ(WEXITSTATUS(status), 0) << message;
  }
}

}  // namespace
