// The configs of this repository's conf/ for tests that compose every one:
// each *.prototxt but those of conf/grids and conf/env, which hold heyhi's
// own files (heyhi.Grid, heyhi.Env), in path order.
#ifndef HEYHI_TESTS_REPOSITORY_CONFIGS_H_
#define HEYHI_TESTS_REPOSITORY_CONFIGS_H_

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace heyhi_test {

inline std::vector<std::string> RepositoryConfigs() {
  std::vector<std::string> configs;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(std::string(HEYHI_SOURCE_DIR) + "/conf")) {
    const std::string folder = entry.path().parent_path().filename().string();
    if (folder == "grids" || folder == "env") continue;
    if (entry.path().extension() == ".prototxt") configs.push_back(entry.path().string());
  }
  std::sort(configs.begin(), configs.end());
  return configs;
}

}  // namespace heyhi_test

#endif  // HEYHI_TESTS_REPOSITORY_CONFIGS_H_
