// The library's layers (DESIGN.md): each folder includes only its own layer
// and the layers below it, and each public header belongs to one layer.
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

// Layers from the bottom up; a layer may include what its own and every
// lower layer owns.
const std::vector<std::string> kLayers = {"base", "config", "experiment", "launch", "cli"};

// The layer of an included "heyhi/..." path, or "" if it is no heyhi file.
std::string LayerOf(const std::string& include) {
  static const std::map<std::string, std::string> kPublicHeaders = {
      {"heyhi/heyhi.pb.h", "config"},    {"heyhi/heyhi.cfg.h", "config"},
      {"heyhi/config.h", "config"},      {"heyhi/overrides.h", "config"},
      {"heyhi/print.h", "config"},       {"heyhi/conf_access.h", "config"},
      {"heyhi/signature.h", "config"},   {"heyhi/cfg_view.h", "config"},
      {"heyhi/schema_docs.h", "config"}, {"heyhi/env.h", "config"},
      {"heyhi/exp_dir.h", "experiment"}, {"heyhi/task.h", "experiment"},
      {"heyhi/paths.h", "experiment"},   {"heyhi/main.h", "cli"}};
  auto it = kPublicHeaders.find(include);
  if (it != kPublicHeaders.end()) return it->second;
  for (const std::string& layer : kLayers) {
    if (include.rfind("heyhi/" + layer + "/", 0) == 0) return layer;
  }
  return "?";
}

int Rank(const std::string& layer) {
  for (size_t i = 0; i < kLayers.size(); ++i) {
    if (kLayers[i] == layer) return static_cast<int>(i);
  }
  return 1000;
}

std::vector<std::string> HeyhiIncludes(const fs::path& file) {
  static const std::regex kInclude(R"re(^\s*#\s*include\s*"(heyhi/[^"]+)")re");
  std::vector<std::string> out;
  std::ifstream in(file);
  std::string line;
  std::smatch match;
  while (std::getline(in, line)) {
    if (std::regex_search(line, match, kInclude)) out.push_back(match[1]);
  }
  return out;
}

TEST(Layering, EachLayerIncludesOnlyItselfAndTheLayersBelow) {
  const fs::path root = fs::path(HEYHI_SOURCE_DIR) / "heyhi";
  int files = 0;
  for (const std::string& layer : kLayers) {
    for (const auto& entry : fs::recursive_directory_iterator(root / layer)) {
      if (!entry.is_regular_file()) continue;
      ++files;
      for (const std::string& include : HeyhiIncludes(entry.path())) {
        EXPECT_LE(Rank(LayerOf(include)), Rank(layer))
            << entry.path() << " (layer " << layer << ") includes " << include << " (layer "
            << LayerOf(include) << ")";
      }
    }
  }
  EXPECT_GT(files, 40);
}

TEST(Layering, PublicHeadersIncludeOnlyPublicHeadersOfTheirLayerOrBelow) {
  const fs::path root = fs::path(HEYHI_SOURCE_DIR) / "heyhi";
  int headers = 0;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (entry.path().extension() != ".h") continue;
    ++headers;
    const std::string self = "heyhi/" + entry.path().filename().string();
    ASSERT_NE(LayerOf(self), "?") << self << " is a public header no layer owns";
    for (const std::string& include : HeyhiIncludes(entry.path())) {
      EXPECT_EQ(include.find('/', 6), std::string::npos)
          << self << " includes the internal header " << include;
      EXPECT_LE(Rank(LayerOf(include)), Rank(LayerOf(self))) << self << " includes " << include;
    }
  }
  EXPECT_GE(headers, 10);
}

}  // namespace
