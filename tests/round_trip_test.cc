// SPEC §5 round trip over the repository's own configs: the --print-flat
// lines of every root config in conf/, applied as overrides to an empty task
// message, rebuild the composed task message.
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "conf.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "heyhi/config.h"
#include "heyhi/config/override.h"
#include "heyhi/config/printer.h"
#include "scoped_env.h"

namespace heyhi {
namespace {

// Every *.prototxt under conf/ that is a root config (parses as MetaCfg).
std::vector<std::string> RootConfigs() {
  std::vector<std::string> configs;
  const std::string conf = std::string(HEYHI_SOURCE_DIR) + "/conf";
  for (const auto& entry : std::filesystem::recursive_directory_iterator(conf)) {
    const std::string path = entry.path().string();
    if (!entry.is_regular_file() || !absl::EndsWith(path, ".prototxt")) continue;
    absl::StatusOr<const google::protobuf::Descriptor*> type =
        GuessConfigType(path, MetaCfg::descriptor());
    if (type.ok() && *type == MetaCfg::descriptor()) configs.push_back(path);
  }
  std::sort(configs.begin(), configs.end());
  return configs;
}

TEST(RoundTrip, EveryRootConfigInConfRebuildsFromItsFlatLines) {
  ScopedEnv no_conf_root("HH_CONF_ROOT", std::nullopt);
  const std::vector<std::string> configs = RootConfigs();
  ASSERT_GE(configs.size(), 5u);
  for (const std::string& config : configs) {
    SCOPED_TRACE(config);
    LoadOptions options;
    options.root_type = MetaCfg::descriptor();
    absl::StatusOr<Composed> composed = LoadConfig(config, {}, options);
    ASSERT_TRUE(composed.ok()) << composed.status();
    std::vector<std::string> tokens;
    for (const std::string& line : Flatten(*composed->task, false)) {
      // The whole line is one shell word, as a user would paste it.
      absl::StatusOr<std::string> token = ShellUnquote(line);
      ASSERT_TRUE(token.ok()) << line << ": " << token.status();
      tokens.push_back(*token);
    }
    std::unique_ptr<google::protobuf::Message> rebuilt(composed->task->New());
    absl::Status applied = ApplyOverrides(rebuilt.get(), tokens);
    ASSERT_TRUE(applied.ok()) << applied;
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*composed->task, *rebuilt))
        << "composed:\n"
        << composed->task->DebugString() << "rebuilt:\n"
        << rebuilt->DebugString();
  }
}

TEST(RoundTrip, TheRootConfigsOfConfAreTheExpectedOnes) {
  std::vector<std::string> names;
  for (const std::string& config : RootConfigs()) {
    names.push_back(std::filesystem::path(config).filename().string());
  }
  EXPECT_EQ(names, (std::vector<std::string>{
                       "eval.prototxt", "sl.prototxt", "sl_mlp_2procs.prototxt",
                       "sl_mlp_slurm_cpu.prototxt", "sl_transformer.prototxt", "all_kinds.prototxt",
                       "sleep.prototxt", "sleep_2procs.prototxt", "sleep_slurm.prototxt",
                       "sleep_slurm_two_tasks.prototxt"}));
}

}  // namespace
}  // namespace heyhi
