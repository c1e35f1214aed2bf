// Schemas loaded at run time (SPEC §5 pp --proto_path/--schema): import,
// fallbacks, errors, field options, and composition equal to compiled-in.
#include "heyhi/config/dynamic_schema.h"

#include <stdlib.h>

#include "conf.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "heyhi/config.h"
#include "heyhi/config/provenance.h"
#include "heyhi/config/schema.h"
#include "heyhi/config/text_loader.h"
#include "heyhi/heyhi.pb.h"
#include "scoped_env.h"
#include "temp_tree.h"

namespace heyhi {
namespace {

using ::testing::HasSubstr;

std::string ReadSource(const std::string& relative) {
  absl::StatusOr<std::string> text =
      ReadFileToString(std::string(HEYHI_SOURCE_DIR) + "/" + relative);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : "";
}

class DynamicSchemaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Only conf.proto is copied: heyhi/heyhi.proto must come from the fallback.
    tree_.Write("schema/x.proto", ReadSource("proto/conf.proto"));
  }
  std::unique_ptr<DynamicSchema> Import(const std::string& schema = "x.proto") {
    absl::StatusOr<std::unique_ptr<DynamicSchema>> imported =
        DynamicSchema::Import({tree_.Path("schema")}, schema);
    EXPECT_TRUE(imported.ok()) << imported.status();
    return imported.ok() ? std::move(*imported) : nullptr;
  }
  ScopedEnv no_conf_root_{"HH_CONF_ROOT", std::nullopt};
  TempTree tree_;
};

TEST_F(DynamicSchemaTest, ImportsTheSchemaWithHeyhiProtoAndWellKnownFilesFromFallbacks) {
  std::unique_ptr<DynamicSchema> schema = Import();
  ASSERT_NE(schema, nullptr);
  EXPECT_EQ(schema->file()->name(), "x.proto");
  EXPECT_NE(schema->pool()->FindFileByName("heyhi/heyhi.proto"), nullptr);
  EXPECT_NE(schema->pool()->FindFileByName("google/protobuf/descriptor.proto"), nullptr);
  EXPECT_NE(schema->pool(), google::protobuf::DescriptorPool::generated_pool());
}

TEST_F(DynamicSchemaTest, SchemaMayBeGivenAsAFileInsideAProtoPath) {
  absl::StatusOr<std::unique_ptr<DynamicSchema>> imported =
      DynamicSchema::Import({tree_.Path("schema")}, tree_.Path("schema/x.proto"));
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ((*imported)->file()->name(), "x.proto");
  // Without --proto_path the schema's own folder is the proto path.
  imported = DynamicSchema::Import({}, tree_.Path("schema/x.proto"));
  ASSERT_TRUE(imported.ok()) << imported.status();
}

TEST_F(DynamicSchemaTest, SigExcludeOptionIsReadableOnDynamicallyLoadedFields) {
  std::unique_ptr<DynamicSchema> schema = Import();
  ASSERT_NE(schema, nullptr);
  const google::protobuf::Descriptor* train = schema->FindMessage("TrainTask");
  ASSERT_NE(train, nullptr);
  EXPECT_TRUE(train->FindFieldByName("log_every")->options().GetExtension(heyhi::sig_exclude));
  EXPECT_FALSE(train->FindFieldByName("batch_size")->options().GetExtension(heyhi::sig_exclude));
}

TEST_F(DynamicSchemaTest, FindsMessagesByFullOrUniqueShortName) {
  std::unique_ptr<DynamicSchema> schema = Import();
  ASSERT_NE(schema, nullptr);
  EXPECT_EQ(schema->FindMessage("heyhi.Launcher")->full_name(), "heyhi.Launcher");
  EXPECT_EQ(schema->FindMessage("Launcher")->full_name(), "heyhi.Launcher");
  EXPECT_EQ(schema->FindMessage("NoSuchType"), nullptr);
}

TEST_F(DynamicSchemaTest, RootMessageIsFoundInTheImportsOfTheSchemaFile) {
  tree_.Write("schema/wrapper.proto",
              "syntax = \"proto2\";\npackage other;\nimport \"x.proto\";\n"
              "message Extra { optional int32 n = 1; }\n");
  std::unique_ptr<DynamicSchema> schema = Import("wrapper.proto");
  ASSERT_NE(schema, nullptr);
  const google::protobuf::Descriptor* root = FindRootMessage(schema->file());
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->full_name(), "MetaCfg");
  EXPECT_EQ(root->file()->name(), "x.proto");
}

TEST_F(DynamicSchemaTest, ErrorsNameTheProtoFileLineAndColumn) {
  tree_.Write("schema/bad.proto", "syntax = \"proto2\";\nmessage A {\n  optional int32 = 1;\n}\n");
  absl::StatusOr<std::unique_ptr<DynamicSchema>> imported =
      DynamicSchema::Import({tree_.Path("schema")}, "bad.proto");
  ASSERT_FALSE(imported.ok());
  EXPECT_THAT(std::string(imported.status().message()), HasSubstr("bad.proto:3:18: "));
}

TEST_F(DynamicSchemaTest, MissingSchemaErrorNamesTheProtoPaths) {
  absl::StatusOr<std::unique_ptr<DynamicSchema>> imported =
      DynamicSchema::Import({tree_.Path("schema")}, "nope.proto");
  ASSERT_FALSE(imported.ok());
  EXPECT_THAT(std::string(imported.status().message()), HasSubstr("nope.proto"));
  EXPECT_THAT(std::string(imported.status().message()), HasSubstr(tree_.Path("schema")));
}

TEST_F(DynamicSchemaTest, ComposingWithTheLoadedSchemaEqualsTheCompiledInSchema) {
  std::unique_ptr<DynamicSchema> schema = Import();
  ASSERT_NE(schema, nullptr);
  const std::vector<std::string> overrides = {"i32=3", "Ilauncher=slurm_8gpus", "agent.name=x"};
  const std::string config = std::string(HEYHI_SOURCE_DIR) + "/conf/c90_test/all_kinds.prototxt";
  LoadOptions dynamic_options;
  dynamic_options.root_type = FindRootMessage(schema->file());
  dynamic_options.factory = schema->factory();
  ASSERT_NE(dynamic_options.root_type, nullptr);
  absl::StatusOr<Composed> dynamic = LoadConfig(config, overrides, dynamic_options);
  ASSERT_TRUE(dynamic.ok()) << dynamic.status();
  LoadOptions compiled_options;
  compiled_options.root_type = MetaCfg::descriptor();
  absl::StatusOr<Composed> compiled = LoadConfig(config, overrides, compiled_options);
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  EXPECT_EQ(dynamic->task->GetDescriptor()->full_name(), "TestAllKindsTask");
  EXPECT_NE(dynamic->task->GetDescriptor(), compiled->task->GetDescriptor());
  MetaCfg from_dynamic;
  ASSERT_TRUE(from_dynamic.ParseFromString(dynamic->root->SerializeAsString()));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(from_dynamic, *compiled->root))
      << from_dynamic.DebugString() << "\nvs\n"
      << compiled->root->DebugString();
  EXPECT_EQ(dynamic->provenance->origins(), compiled->provenance->origins());
}

TEST_F(DynamicSchemaTest, RequiredFieldsAreNotChecked) {
  tree_.Write("schema/req.proto",
              "syntax = \"proto2\";\nmessage Inner { required int32 must = 1; }\n"
              "message T { required int32 x = 1; optional Inner inner = 2; }\n"
              "message MetaCfg { oneof task { T t = 1; } }\n");
  const std::string config = tree_.Write("conf/c.prototxt", "t { inner { } }\n");
  absl::StatusOr<std::unique_ptr<DynamicSchema>> schema =
      DynamicSchema::Import({tree_.Path("schema")}, "req.proto");
  ASSERT_TRUE(schema.ok()) << schema.status();
  LoadOptions options;
  options.root_type = (*schema)->FindMessage("MetaCfg");
  options.factory = (*schema)->factory();
  absl::StatusOr<Composed> composed = LoadConfig(config, {}, options);
  ASSERT_TRUE(composed.ok()) << composed.status();
  EXPECT_FALSE(composed->task->IsInitialized());
}

}  // namespace
}  // namespace heyhi
