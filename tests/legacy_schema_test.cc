// Schemas written for the original HeyHi (own package, own Include message)
// compose unchanged (SPEC §0, §2).
#include <stdlib.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "heyhi/config.h"
#include "heyhi/config/schema.h"
#include "scoped_env.h"
#include "temp_tree.h"
#include "test_schema.pb.h"

namespace heyhi {
namespace {

using ::testing::HasSubstr;

class LegacySchema : public ::testing::Test {
 protected:
  void SetUp() override {
    tree_.Write("conf/common/agents/base.prototxt", "optim { lr: 0.5 warmup_epochs: 2 }\n");
    tree_.Write("conf/common/agents/searchbot.prototxt",
                "includes { path: \"base\" mount: \"\" }\nname: \"searchbot\"\n");
    tree_.Write("conf/common/agents/other.prototxt",
                "name: \"other\"\noptim { warmup_hours: 3 }\n");
    config_ = tree_.Write("conf/c01_ag_cmp/cmp.prototxt",
                          "includes {path: \"agents/searchbot\"; mount: \"agent_one\";}\n"
                          "includes {path: \"agents/other\"; mount: \"agent_six\";}\n"
                          "compare_agents {\n  seed: 0\n  out: \"output.json\"\n}\n");
  }
  ScopedEnv no_conf_root_{"HH_CONF_ROOT", std::nullopt};
  TempTree tree_;
  std::string config_;
};

TEST_F(LegacySchema, RootMessageIsFoundInAnyPackage) {
  EXPECT_EQ(FindRootMessage(legacy::MetaCfg::descriptor()->file()), legacy::MetaCfg::descriptor());
}

TEST_F(LegacySchema, OwnIncludeMessageWorksForRootAndNestedIncludes) {
  ASSERT_NE(IncludesField(legacy::Agent::descriptor()), nullptr);
  LoadOptions options;
  options.root_type = legacy::MetaCfg::descriptor();
  absl::StatusOr<Composed> composed = LoadConfig(config_, {"agent_one.optim.lr=0.25"}, options);
  ASSERT_TRUE(composed.ok()) << composed.status();
  const auto& task = dynamic_cast<const legacy::CompareAgentsTask&>(*composed->task);
  EXPECT_EQ(composed->task_name, "compare_agents");
  EXPECT_EQ(task.agent_one().name(), "searchbot");
  EXPECT_EQ(task.agent_one().optim().lr(), 0.25f);
  EXPECT_EQ(task.agent_one().optim().warmup_epochs(), 2);
  EXPECT_EQ(task.agent_one().includes_size(), 0);
  EXPECT_EQ(task.agent_six().optim().warmup_hours(), 3);
}

TEST_F(LegacySchema, RootIsRecognisedByNameWithoutRootType) {
  LoadOptions options;
  options.type = legacy::MetaCfg::descriptor();
  absl::StatusOr<Composed> composed = LoadConfig(config_, {"seed=4"}, options);
  ASSERT_TRUE(composed.ok()) << composed.status();
  EXPECT_EQ(dynamic_cast<const legacy::CompareAgentsTask&>(*composed->task).seed(), 4);
}

TEST_F(LegacySchema, IncludeOverrideIntoAgent) {
  LoadOptions options;
  options.root_type = legacy::MetaCfg::descriptor();
  absl::StatusOr<Composed> composed = LoadConfig(config_, {"Iagent_six=agents/searchbot"}, options);
  ASSERT_TRUE(composed.ok()) << composed.status();
  const auto& task = dynamic_cast<const legacy::CompareAgentsTask&>(*composed->task);
  EXPECT_EQ(task.agent_six().name(), "searchbot");
  EXPECT_EQ(task.agent_six().optim().warmup_epochs(), 2);  // the oneof switched
}

TEST_F(LegacySchema, UnknownFieldErrorNamesTheLegacyType) {
  tree_.Write("conf/common/agents/bad.prototxt", "nme: \"x\"\n");
  LoadOptions options;
  options.root_type = legacy::MetaCfg::descriptor();
  absl::StatusOr<Composed> composed = LoadConfig(config_, {"Iagent_one=agents/bad"}, options);
  ASSERT_FALSE(composed.ok());
  EXPECT_THAT(
      std::string(composed.status().message()),
      HasSubstr("bad.prototxt:1:1: Message type \"legacy.Agent\" has no field named \"nme\""));
}

}  // namespace
}  // namespace heyhi
