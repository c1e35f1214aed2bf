// LoadOptions::with_provenance = false (how run, grid and pp compose): the
// same values and signatures as a compose with provenance, on the
// compiled-in schema and on one loaded at run time, and the same errors,
// word for word; only the files' values have no origin.
#include <memory>
#include <string>
#include <vector>

#include "conf.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "heyhi/config.h"
#include "heyhi/config/dynamic_schema.h"
#include "heyhi/config/printer.h"
#include "heyhi/config/provenance.h"
#include "heyhi/signature.h"
#include "repository_configs.h"
#include "scoped_env.h"
#include "temp_tree.h"

namespace heyhi {
namespace {

using google::protobuf::util::MessageDifferencer;

absl::StatusOr<Composed> ComposeWith(const std::string& config,
                                     const std::vector<std::string>& overrides, LoadOptions options,
                                     bool with_provenance) {
  options.with_provenance = with_provenance;
  return LoadConfig(config, overrides, options);
}

// Both composes succeed with equal messages and sigs, or fail alike.
void ExpectSameCompose(const std::string& config, const std::vector<std::string>& overrides,
                       const LoadOptions& options) {
  SCOPED_TRACE(config);
  absl::StatusOr<Composed> with = ComposeWith(config, overrides, options, true);
  absl::StatusOr<Composed> without = ComposeWith(config, overrides, options, false);
  ASSERT_EQ(with.ok(), without.ok()) << with.status() << "\n" << without.status();
  if (!with.ok()) {
    EXPECT_EQ(with.status(), without.status());
    return;
  }
  EXPECT_TRUE(MessageDifferencer::Equals(*with->root, *without->root))
      << PrintText(*with->root) << "\nwithout provenance:\n"
      << PrintText(*without->root);
  EXPECT_EQ(Signature(*with->task), Signature(*without->task));
  EXPECT_EQ(with->task_name, without->task_name);
}

class WithoutProvenance : public ::testing::Test {
 protected:
  ScopedEnv no_conf_root_{"HH_CONF_ROOT", std::nullopt};
  TempTree tree_;
};

TEST_F(WithoutProvenance, EveryConfigOfTheRepositoryComposesToTheSameMessageAndSig) {
  const std::vector<std::string> configs = heyhi_test::RepositoryConfigs();
  ASSERT_GE(configs.size(), 13u);
  LoadOptions options;
  options.root_type = MetaCfg::descriptor();
  for (const std::string& config : configs) ExpectSameCompose(config, {}, options);
  // With overrides of each kind: a value, NULL, SELECT and an include.
  ExpectSameCompose(std::string(HEYHI_SOURCE_DIR) + "/conf/c02_sup_train/sl.prototxt",
                    {"batch_size=7", "lr=NULL", "mlp=SELECT", "Ilauncher=launcher/slurm"}, options);
}

TEST_F(WithoutProvenance, ARunTimeSchemaComposesEveryConfigToTheSameMessage) {
  DynamicSchema::ImportOptions import_options;
  import_options.use_cache = false;
  absl::StatusOr<std::unique_ptr<DynamicSchema>> schema = DynamicSchema::Import(
      {std::string(HEYHI_SOURCE_DIR) + "/proto"}, "conf.proto", import_options);
  ASSERT_TRUE(schema.ok()) << schema.status();
  LoadOptions options;
  options.root_type = (*schema)->FindMessage("MetaCfg");
  options.factory = (*schema)->factory();
  ASSERT_NE(options.root_type, nullptr);
  for (const std::string& config : heyhi_test::RepositoryConfigs())
    ExpectSameCompose(config, {}, options);
}

TEST_F(WithoutProvenance, ErrorsReadWordForWordAsWithProvenance) {
  tree_.Write("conf/common/agents/bad_field.prototxt", "name: \"a\"\nno_such_field: 1\n");
  tree_.Write("conf/common/agents/missing.prototxt",
              "name: \"a\"\nincludes { path: \"nowhere\" mount: \"backup\" }\n");
  tree_.Write("conf/common/agents/loop.prototxt",
              "includes { path: \"agents/loop\" mount: \"backup\" }\n");
  const std::vector<std::string> included = {"bad_field", "missing", "loop"};
  LoadOptions options;
  options.root_type = MetaCfg::descriptor();
  for (const std::string& agent : included) {
    const std::string config = tree_.Write(
        "conf/x/" + agent + ".prototxt",
        "includes { path: \"agents/" + agent + "\" mount: \"agent\" }\ntest_all_kinds { }\n");
    ExpectSameCompose(config, {}, options);
    EXPECT_FALSE(ComposeWith(config, {}, options, false).ok()) << agent;
  }
  const std::string fine = tree_.Write("conf/x/fine.prototxt", "test_all_kinds { i32: 1 }\n");
  for (const std::vector<std::string>& overrides :
       std::vector<std::vector<std::string>>{{"no_such=1"}, {"i32=x"}, {"Iagent=agents/none"}}) {
    ExpectSameCompose(fine, overrides, options);
    EXPECT_FALSE(ComposeWith(fine, overrides, options, false).ok()) << overrides[0];
  }
}

TEST_F(WithoutProvenance, TheValuesAreThereButNotWhereTheyCameFrom) {
  tree_.Write("conf/common/agents/a.prototxt", "name: \"a\"\n");
  const std::string config =
      tree_.Write("conf/x/cfg.prototxt",
                  "includes { path: \"agents/a\" mount: \"agent\" }\ntest_all_kinds { i32: 1 }\n");
  LoadOptions options;
  options.root_type = MetaCfg::descriptor();
  absl::StatusOr<Composed> with = ComposeWith(config, {"i64=2"}, options, true);
  absl::StatusOr<Composed> without = ComposeWith(config, {"i64=2"}, options, false);
  ASSERT_TRUE(with.ok() && without.ok()) << with.status() << without.status();
  for (const char* key : {"i32", "agent.name"}) {
    EXPECT_NE(with->provenance->Explain(key), "") << key;
    EXPECT_EQ(without->provenance->Explain(key), "") << key;
  }
  // An override's origin is its token, known either way.
  EXPECT_EQ(without->provenance->Explain("i64"), with->provenance->Explain("i64"));
  const auto& task = dynamic_cast<const TestAllKindsTask&>(*without->task);
  EXPECT_EQ(task.i32(), 1);
  EXPECT_EQ(task.i64(), 2);
  EXPECT_EQ(task.agent().name(), "a");
}

}  // namespace
}  // namespace heyhi
