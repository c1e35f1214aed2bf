// Tests of `--describe KEY`: doc comment, type, default, allowed values and
// current value of a config field, on compiled-in and run-time schemas.
#include "heyhi/config/describe.h"

#include <memory>
#include <string>

#include "conf.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "heyhi/config.h"
#include "heyhi/config/dynamic_schema.h"
#include "heyhi/config/override.h"

namespace heyhi {
namespace {

using ::testing::HasSubstr;

const std::string kSourceDir = HEYHI_SOURCE_DIR;

Composed Load(const std::string& config, const std::vector<std::string>& overrides = {}) {
  LoadOptions options;
  options.root_type = MetaCfg::descriptor();
  absl::StatusOr<Composed> composed = LoadConfig(kSourceDir + "/" + config, overrides, options);
  EXPECT_TRUE(composed.ok()) << composed.status();
  return std::move(*composed);
}

std::string Describe(const google::protobuf::Message& msg, const std::string& key) {
  absl::StatusOr<std::string> text = DescribeField(msg, key);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : "";
}

TEST(Describe, BatchSizeOnSlPrintsDocTypeDefaultAndCurrentValue) {
  const Composed composed = Load("conf/c02_sup_train/sl.prototxt");
  EXPECT_EQ(Describe(*composed.task, "batch_size"),
            "batch_size\n"
            "  Global batch size (split evenly over the ranks of a data-parallel run).\n"
            "  field:    TrainTask.batch_size (optional int32, field number 2)\n"
            "  default:  128\n"
            "  value:    128\n");
}

TEST(Describe, ValueIsTheComposedOneOverridesIncluded) {
  const Composed composed = Load("conf/c02_sup_train/sl.prototxt", {"batch_size=200", "lr=.5"});
  EXPECT_THAT(Describe(*composed.task, "batch_size"), HasSubstr("  value:    200\n"));
  EXPECT_THAT(Describe(*composed.task, "lr"), HasSubstr("  value:    0.5\n"));
  EXPECT_THAT(Describe(*composed.task, "lr"), HasSubstr("  default:  0.1\n"));
}

TEST(Describe, UnsetFieldWithADefaultShowsTheDefaultAsItsValue) {
  const Composed composed = Load("conf/c02_sup_train/sl.prototxt");
  const std::string text = Describe(*composed.task, "weight_decay");
  EXPECT_THAT(text,
              HasSubstr("  L2 weight decay (added to the gradient, for SGD and Adam alike).\n"));
  EXPECT_THAT(text, HasSubstr("  value:    0 (not set: the default)\n"));
}

TEST(Describe, UnsetFieldWithoutADefaultIsNull) {
  const TestAllKindsTask empty;
  const std::string text = Describe(empty, "i64");
  EXPECT_THAT(text,
              HasSubstr("  field:    TestAllKindsTask.i64 (optional int64, field number 2)\n"));
  EXPECT_THAT(text, HasSubstr("  default:  none (unset reads as 0)\n"));
  EXPECT_THAT(text, HasSubstr("  value:    NULL (not set)\n"));
}

TEST(Describe, EnumFieldListsItsNames) {
  const Composed composed = Load("conf/c02_sup_train/sl_transformer.prototxt");
  const std::string text = Describe(*composed.task, "optimizer");
  EXPECT_THAT(text, HasSubstr("(optional enum TrainTask.Optimizer, field number 14)\n"));
  EXPECT_THAT(text, HasSubstr("  allowed:  SGD, ADAM\n"));
  EXPECT_THAT(text, HasSubstr("  default:  SGD\n"));
  EXPECT_THAT(text, HasSubstr("  value:    ADAM\n"));
}

TEST(Describe, OneofMemberListsTheCasesAndTheChosenOne) {
  const Composed composed = Load("conf/c02_sup_train/sl.prototxt");
  const std::string text = Describe(*composed.task, "conv");
  EXPECT_THAT(text,
              HasSubstr("  field:    TrainTask.conv (optional message Conv, field number 12)\n"));
  EXPECT_THAT(text,
              HasSubstr("  oneof:    encoder: one of mlp | conv | transformer (chosen: conv)\n"));
  EXPECT_THAT(text, HasSubstr("  message:  Conv: Small convolutional network"));
  EXPECT_THAT(text, HasSubstr("  fields:   channels, num_blocks, dropout, activation\n"));
  EXPECT_THAT(text, HasSubstr("  value:    set\n            conv.activation=RELU\n"));
  EXPECT_THAT(text, HasSubstr("            conv.channels=32\n"));
}

TEST(Describe, OneofNameDescribesTheOneofAndMayPrefixItsMember) {
  const Composed composed = Load("conf/c02_sup_train/sl.prototxt");
  const std::string oneof = Describe(*composed.task, "encoder");
  EXPECT_THAT(oneof, HasSubstr("encoder\n  The model.\n"));
  EXPECT_THAT(oneof, HasSubstr("  oneof:    TrainTask.encoder: one of mlp | conv | transformer "
                               "(chosen: conv)\n"));
  EXPECT_THAT(oneof, HasSubstr("  value:    conv\n            conv.activation=RELU\n"));
  const std::string member = Describe(*composed.task, "encoder.conv.channels");
  EXPECT_THAT(member, HasSubstr("Channels of the first block; each following block doubles them."));
  EXPECT_THAT(member, HasSubstr("  value:    32\n"));
  EXPECT_FALSE(DescribeField(*composed.task, "encoder.lr").ok());
}

TEST(Describe, RepeatedFieldsMapsAndTheirElements) {
  const Composed composed = Load("conf/c90_test/all_kinds.prototxt");
  const google::protobuf::Message& task = *composed.task;
  EXPECT_THAT(Describe(task, "ints"),
              HasSubstr("  value:    3 elements\n            ints.0=1\n            ints.1=2\n"));
  EXPECT_THAT(Describe(task, "ints.1"), HasSubstr("  value:    ints.1=2\n"));
  EXPECT_THAT(Describe(task, "counts"), HasSubstr("(map<string, int32>, field number 27)"));
  EXPECT_THAT(Describe(task, "counts.x"), HasSubstr("  value:    counts.x=1\n"));
  EXPECT_THAT(Describe(task, "counts.nope"), HasSubstr("  value:    no key \"nope\"\n"));
  EXPECT_THAT(Describe(task, "agents.1.name"), HasSubstr("  value:    second\n"));
  EXPECT_THAT(Describe(task, "agent_map.k.name"), HasSubstr("  value:    mapped\n"));
  EXPECT_THAT(Describe(task, "agent_map.absent.name"), HasSubstr("  value:    NULL (not set)\n"));
  EXPECT_THAT(Describe(task, "colors"), HasSubstr("  allowed:  RED, GREEN, BLUE\n"));
  EXPECT_THAT(Describe(task, "agent.backup.name"), HasSubstr("  Display name.\n"));
  EXPECT_THAT(Describe(task, "agent.backup.name"), HasSubstr("  value:    random\n"));
}

TEST(Describe, UnknownKeyIsAnErrorNamingTheClosestKeys) {
  const Composed composed = Load("conf/c02_sup_train/sl.prototxt");
  absl::StatusOr<std::string> text = DescribeField(*composed.task, "batch_sise");
  ASSERT_FALSE(text.ok());
  EXPECT_THAT(std::string(text.status().message()),
              HasSubstr("TrainTask has no field \"batch_sise\""));
  EXPECT_THAT(std::string(text.status().message()), HasSubstr("did you mean: batch_size"));
  absl::StatusOr<std::string> scalar = DescribeField(*composed.task, "batch_size.x");
  ASSERT_FALSE(scalar.ok());
  EXPECT_THAT(std::string(scalar.status().message()),
              HasSubstr("batch_size is a int32, not a message"));
  absl::StatusOr<std::string> index = DescribeField(*composed.task, "launcher.local.num_procs.0");
  EXPECT_FALSE(index.ok());
  const Composed all = Load("conf/c90_test/all_kinds.prototxt");
  absl::StatusOr<std::string> range = DescribeField(*all.task, "ints.7");
  ASSERT_FALSE(range.ok());
  EXPECT_THAT(std::string(range.status().message()), HasSubstr("ints has 3 element(s)"));
}

TEST(Describe, RunTimeSchemaDocsComeFromTheProtoSource) {
  // A schema that is not compiled in: its comments can only come from the source.
  absl::StatusOr<std::unique_ptr<DynamicSchema>> schema =
      DynamicSchema::Import({kSourceDir + "/tests/proto"}, "cfg_edge_cases.proto");
  ASSERT_TRUE(schema.ok()) << schema.status();
  const google::protobuf::Descriptor* type = (*schema)->FindMessage("edge.cases.Outer");
  ASSERT_NE(type, nullptr);
  std::unique_ptr<google::protobuf::Message> msg((*schema)->factory()->GetPrototype(type)->New());
  ASSERT_TRUE(ApplyOverrides(msg.get(), {"maybe=3"}).ok());
  EXPECT_EQ(Describe(*msg, "maybe"),
            "maybe\n"
            "  proto3 `optional`: explicit presence, so std::optional.\n"
            "  field:    edge.cases.Outer.maybe (optional int32, field number 5)\n"
            "  default:  none (unset reads as 0)\n"
            "  value:    3\n");
  EXPECT_EQ(SchemaDoc(type->FindNestedTypeByName("Inner")->FindEnumTypeByName("Mode")),
            "A nested enum.");
}

}  // namespace
}  // namespace heyhi
