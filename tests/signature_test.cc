// Tests of the config signature, one per rule of SPEC §6 ("sig is a hash of
// the final composed config"), on compiled-in and run-time-built schemas.
#include "heyhi/config/signature.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "conf.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/compiler/importer.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "heyhi/heyhi.pb.h"

namespace heyhi {
namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::DynamicMessageFactory;
using google::protobuf::FieldDescriptorProto;
using google::protobuf::FileDescriptorProto;
using google::protobuf::Message;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

template <typename M>
M Parse(const std::string& text) {
  M msg;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &msg)) << text;
  return msg;
}

std::unique_ptr<Message> ParseDynamic(const google::protobuf::Descriptor* type,
                                      DynamicMessageFactory& factory, const std::string& text) {
  std::unique_ptr<Message> msg(factory.GetPrototype(type)->New());
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, msg.get())) << text;
  return msg;
}

TEST(Signature, IsTwelveLowercaseHexChars) {
  const auto cfg = Parse<MetaCfg>("train { lr: 0.01 batch_size: 32 }");
  EXPECT_THAT(Signature(cfg), MatchesRegex("[0-9a-f]{12}"));
  EXPECT_THAT(Signature(MetaCfg()), MatchesRegex("[0-9a-f]{12}"));
}

TEST(Signature, SameConfigTwiceGivesTheSameSignature) {
  const std::string text = "train { lr: 0.01 transformer { num_heads: 8 } }";
  EXPECT_EQ(Signature(Parse<MetaCfg>(text)), Signature(Parse<MetaCfg>(text)));
}

TEST(Signature, LrZeroPointOneAndPointOneAreTheSame) {
  const auto a = Parse<MetaCfg>("train { lr: 0.1 }");
  const auto b = Parse<MetaCfg>("train { lr: .1 }");
  const auto c = Parse<MetaCfg>("train { lr: 1e-1 }");
  EXPECT_EQ(Signature(a), Signature(b));
  EXPECT_EQ(Signature(a), Signature(c));
}

TEST(Signature, FieldOrderIsIrrelevant) {
  const auto a =
      Parse<MetaCfg>("train { lr: 0.2 batch_size: 64 data { dir: '/d' max_train_samples: 10 } }");
  const auto b =
      Parse<MetaCfg>("train { data { max_train_samples: 10 dir: '/d' } batch_size: 64 lr: 0.2 }");
  EXPECT_EQ(Signature(a), Signature(b));
}

TEST(Signature, SettingAFieldToItsDefaultEqualsLeavingItUnset) {
  // batch_size defaults to 128, num_threads to 0, checkpoint to "checkpoint.pt",
  // optimizer to SGD; the schema's explicit and implicit defaults alike.
  const auto explicit_defaults = Parse<MetaCfg>(
      "train { batch_size: 128 num_threads: 0 checkpoint: 'checkpoint.pt' "
      "optimizer: SGD lr: 0.1 momentum: 0.9 }");
  const auto unset = Parse<MetaCfg>("train { }");
  EXPECT_EQ(Signature(explicit_defaults), Signature(unset));
  EXPECT_EQ(CanonicalForm(explicit_defaults), CanonicalForm(unset));
}

TEST(Signature, NegativeZeroEqualsAZeroDefault) {
  const auto negative_zero = Parse<MetaCfg>("train { weight_decay: -0.0 }");
  EXPECT_EQ(Signature(negative_zero), Signature(Parse<MetaCfg>("train { }")));
}

TEST(Signature, EditingAValueChangesIt) {
  const auto base = Parse<MetaCfg>("train { lr: 0.01 transformer { num_heads: 8 } }");
  const auto other_lr = Parse<MetaCfg>("train { lr: 0.02 transformer { num_heads: 8 } }");
  const auto deep_edit = Parse<MetaCfg>("train { lr: 0.01 transformer { num_heads: 9 } }");
  const auto new_string =
      Parse<MetaCfg>("train { lr: 0.01 transformer { num_heads: 8 } checkpoint: 'x.pt' }");
  EXPECT_NE(Signature(base), Signature(other_lr));
  EXPECT_NE(Signature(base), Signature(deep_edit));
  EXPECT_NE(Signature(base), Signature(new_string));
}

TEST(Signature, ChangingTheTaskCaseChangesIt) {
  EXPECT_NE(Signature(Parse<MetaCfg>("train { }")), Signature(Parse<MetaCfg>("eval { }")));
}

TEST(Signature, SigExcludeFieldIsIgnored) {
  // TrainTask.log_every and TestAllKindsTask.verbosity carry
  // [(heyhi.sig_exclude) = true].
  const auto quiet = Parse<MetaCfg>("train { lr: 0.01 log_every: 10 }");
  const auto chatty = Parse<MetaCfg>("train { lr: 0.01 log_every: 1 }");
  const auto unset = Parse<MetaCfg>("train { lr: 0.01 }");
  EXPECT_EQ(Signature(quiet), Signature(chatty));
  EXPECT_EQ(Signature(quiet), Signature(unset));
  EXPECT_EQ(Signature(Parse<TestAllKindsTask>("verbosity: 3 i32: 1")),
            Signature(Parse<TestAllKindsTask>("i32: 1")));
  EXPECT_TRUE(IsExcludedFromSignature(*TrainTask::descriptor()->FindFieldByName("log_every")));
  EXPECT_FALSE(IsExcludedFromSignature(*TrainTask::descriptor()->FindFieldByName("lr")));
}

TEST(Signature, EmptyChosenOneofCaseDiffersFromNone) {
  const auto none = Parse<MetaCfg>("train { }");
  const auto empty_transformer = Parse<MetaCfg>("train { transformer { } }");
  const auto empty_mlp = Parse<MetaCfg>("train { mlp { } }");
  EXPECT_NE(Signature(none), Signature(empty_transformer));
  EXPECT_NE(Signature(empty_transformer), Signature(empty_mlp));
  // No task at all differs from an empty chosen task.
  EXPECT_NE(Signature(MetaCfg()), Signature(none));
}

TEST(Signature, ChosenOneofScalarEqualToTheDefaultIsKept) {
  EXPECT_NE(Signature(Parse<TestAllKindsTask>("choice_int: 0")), Signature(TestAllKindsTask()));
  EXPECT_NE(Signature(Parse<TestAllKindsTask>("choice_int: 0")),
            Signature(Parse<TestAllKindsTask>("choice_str: ''")));
}

TEST(Signature, PresentEmptySubMessageIsKept) {
  EXPECT_NE(Signature(Parse<MetaCfg>("train { data { } }")),
            Signature(Parse<MetaCfg>("train { }")));
}

TEST(Signature, MapOrderIsIrrelevant) {
  TestAllKindsTask forward, backward, shuffled;
  std::vector<std::string> keys;
  for (int i = 0; i < 40; ++i) keys.push_back("key" + std::to_string(i));
  for (size_t i = 0; i < keys.size(); ++i) {
    (*forward.mutable_counts())[keys[i]] = static_cast<int>(i);
  }
  for (size_t i = keys.size(); i-- > 0;) {
    (*backward.mutable_counts())[keys[i]] = static_cast<int>(i);
  }
  std::vector<size_t> order(keys.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(7));
  for (size_t i : order) (*shuffled.mutable_counts())[keys[i]] = static_cast<int>(i);
  EXPECT_EQ(Signature(forward), Signature(backward));
  EXPECT_EQ(Signature(forward), Signature(shuffled));

  const auto a = Parse<TestAllKindsTask>(
      "names { key: 5 value: 'five' } names { key: -1 value: 'minus' } "
      "agent_map { key: 'x' value { name: 'ax' } } agent_map { key: 'b' value { } }");
  const auto b = Parse<TestAllKindsTask>(
      "agent_map { key: 'b' value { } } agent_map { key: 'x' value { name: 'ax' } } "
      "names { key: -1 value: 'minus' } names { key: 5 value: 'five' }");
  EXPECT_EQ(Signature(a), Signature(b));
}

TEST(Signature, MapEntriesAreSortedByKeyValue) {
  const auto cfg = Parse<TestAllKindsTask>(
      "names { key: 10 value: 'ten' } names { key: -3 value: 'm' } names { key: 2 value: '' }");
  // Numeric order (-3, 2, 10), not text order; every entry keeps key and value.
  EXPECT_THAT(CanonicalForm(cfg), HasSubstr("29=[-3:\"1:m,2:\"0:,10:\"3:ten];"));
}

TEST(Signature, MapValueChangeChangesIt) {
  EXPECT_NE(Signature(Parse<TestAllKindsTask>("counts { key: 'a' value: 1 }")),
            Signature(Parse<TestAllKindsTask>("counts { key: 'a' value: 2 }")));
  // An entry holding the default value is still an entry.
  EXPECT_NE(Signature(Parse<TestAllKindsTask>("counts { key: 'a' value: 0 }")),
            Signature(TestAllKindsTask()));
}

TEST(Signature, RepeatedOrderMatters) {
  EXPECT_NE(Signature(Parse<TestAllKindsTask>("ints: [1, 2]")),
            Signature(Parse<TestAllKindsTask>("ints: [2, 1]")));
  // Repeated elements equal to the default are values, not absences.
  EXPECT_NE(Signature(Parse<TestAllKindsTask>("ints: [0]")), Signature(TestAllKindsTask()));
}

TEST(Signature, FloatsUseShortestRoundTripFormAtTheirOwnPrecision) {
  const auto cfg = Parse<TestAllKindsTask>("fl: 0.1 db: 0.1 doubles: [1e300, 0.3]");
  const std::string form = CanonicalForm(cfg);
  EXPECT_THAT(form, HasSubstr("11=0.1;"));  // float field, not 0.100000001
  EXPECT_THAT(form, HasSubstr("12=0.1;"));
  EXPECT_THAT(form, HasSubstr("36=[1e+300,0.3];"));
}

TEST(Signature, EveryNanIsWrittenTheSame) {
  TestAllKindsTask a, b;
  a.set_db(std::numeric_limits<double>::quiet_NaN());
  b.set_db(-std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(Signature(a), Signature(b));
  EXPECT_THAT(CanonicalForm(a), HasSubstr("12=nan;"));
}

TEST(Signature, StringsAreLengthPrefixedSoTheFormIsUnambiguous) {
  // Without length prefixes these pairs would write the same text.
  EXPECT_NE(CanonicalForm(Parse<TestAllKindsTask>("strs: ['a,b']")),
            CanonicalForm(Parse<TestAllKindsTask>("strs: ['a', 'b']")));
  EXPECT_NE(CanonicalForm(Parse<TestAllKindsTask>("str: '1;15=\"0:'")),
            CanonicalForm(Parse<TestAllKindsTask>("str: '1' raw: ''")));
  EXPECT_THAT(CanonicalForm(Parse<TestAllKindsTask>("str: 'a}b'")), HasSubstr("14=\"3:a}b;"));
}

TEST(Signature, FieldsAreWrittenByNumber) {
  EXPECT_EQ(CanonicalForm(Parse<TestAllKindsTask>("color: BLUE i64: -7 flag: true")),
            "{2=-7;13=true;16=5;}");
}

// --- Schemas built at run time ----------------------------------------------

// A file `exp.proto` with message Task { batch_size = 1; lr = 2; name = 3;
// Inner inner = 4 } and, when `with_extra_field`, `extra = 5 [default = 7]`.
FileDescriptorProto ExperimentSchema(bool with_extra_field) {
  FileDescriptorProto file;
  file.set_name("exp.proto");
  file.set_package("exp");
  file.set_syntax("proto2");
  auto* inner = file.add_message_type();
  inner->set_name("Inner");
  auto* depth = inner->add_field();
  depth->set_name("depth");
  depth->set_number(1);
  depth->set_label(FieldDescriptorProto::LABEL_OPTIONAL);
  depth->set_type(FieldDescriptorProto::TYPE_INT32);
  auto* task = file.add_message_type();
  task->set_name("Task");
  auto add = [&](const char* name, int number, FieldDescriptorProto::Type type) {
    auto* f = task->add_field();
    f->set_name(name);
    f->set_number(number);
    f->set_label(FieldDescriptorProto::LABEL_OPTIONAL);
    f->set_type(type);
    return f;
  };
  add("batch_size", 1, FieldDescriptorProto::TYPE_INT32)->set_default_value("32");
  add("lr", 2, FieldDescriptorProto::TYPE_FLOAT);
  add("name", 3, FieldDescriptorProto::TYPE_STRING);
  add("inner", 4, FieldDescriptorProto::TYPE_MESSAGE)->set_type_name(".exp.Inner");
  if (with_extra_field) {
    add("extra", 5, FieldDescriptorProto::TYPE_INT32)->set_default_value("7");
  }
  return file;
}

TEST(Signature, AddingAFieldWithADefaultToTheSchemaKeepsTheSignature) {
  DescriptorPool old_pool, new_pool;
  ASSERT_NE(old_pool.BuildFile(ExperimentSchema(false)), nullptr);
  ASSERT_NE(new_pool.BuildFile(ExperimentSchema(true)), nullptr);
  DynamicMessageFactory old_factory(&old_pool), new_factory(&new_pool);
  const std::string text = "batch_size: 64 lr: 0.1 name: 'run' inner { depth: 3 }";
  const auto before = ParseDynamic(old_pool.FindMessageTypeByName("exp.Task"), old_factory, text);
  const auto after = ParseDynamic(new_pool.FindMessageTypeByName("exp.Task"), new_factory, text);
  EXPECT_EQ(Signature(*before), Signature(*after));
  // Setting the new field to its default still names the same experiment.
  const auto after_explicit =
      ParseDynamic(new_pool.FindMessageTypeByName("exp.Task"), new_factory, text + " extra: 7");
  EXPECT_EQ(Signature(*before), Signature(*after_explicit));
  const auto after_edit =
      ParseDynamic(new_pool.FindMessageTypeByName("exp.Task"), new_factory, text + " extra: 8");
  EXPECT_NE(Signature(*before), Signature(*after_edit));
}

// Builds descriptor.proto and heyhi.proto into `pool` from the compiled-in
// descriptors, so a run-time file can import them.
void BuildHeyhiImports(DescriptorPool& pool) {
  FileDescriptorProto descriptor_file, heyhi_file;
  google::protobuf::FieldOptions::descriptor()->file()->CopyTo(&descriptor_file);
  heyhi::Include::descriptor()->file()->CopyTo(&heyhi_file);
  ASSERT_NE(pool.BuildFile(descriptor_file), nullptr);
  ASSERT_NE(pool.BuildFile(heyhi_file), nullptr);
}

// exp.proto whose Task.name is excluded from the signature, with the option
// written by `mark`.
template <typename Mark>
const google::protobuf::Descriptor* BuildExcludingSchema(DescriptorPool& pool, Mark mark) {
  BuildHeyhiImports(pool);
  FileDescriptorProto file = ExperimentSchema(false);
  file.add_dependency("heyhi/heyhi.proto");
  file.add_dependency(google::protobuf::FieldOptions::descriptor()->file()->name());
  mark(*file.mutable_message_type(1)->mutable_field(2)->mutable_options());
  if (pool.BuildFile(file) == nullptr) return nullptr;
  return pool.FindMessageTypeByName("exp.Task");
}

TEST(Signature, SigExcludeWorksOnARunTimePoolWithTheTypedExtension) {
  DescriptorPool pool;
  const auto* task = BuildExcludingSchema(
      pool, [](google::protobuf::FieldOptions& o) { o.SetExtension(heyhi::sig_exclude, true); });
  ASSERT_NE(task, nullptr);
  EXPECT_TRUE(IsExcludedFromSignature(*task->FindFieldByName("name")));
  DynamicMessageFactory factory(&pool);
  EXPECT_EQ(Signature(*ParseDynamic(task, factory, "lr: 0.5 name: 'a'")),
            Signature(*ParseDynamic(task, factory, "lr: 0.5 name: 'b'")));
}

TEST(Signature, SigExcludeWorksOnARunTimePoolWithTheOptionAsAnUnknownField) {
  DescriptorPool pool;
  const auto* task = BuildExcludingSchema(pool, [](google::protobuf::FieldOptions& o) {
    o.GetReflection()->MutableUnknownFields(&o)->AddVarint(kSigExcludeFieldNumber, 1);
  });
  ASSERT_NE(task, nullptr);
  EXPECT_TRUE(IsExcludedFromSignature(*task->FindFieldByName("name")));
  EXPECT_FALSE(IsExcludedFromSignature(*task->FindFieldByName("lr")));
}

TEST(Signature, SigExcludeIsReadFromEveryFormOfFieldOptions) {
  google::protobuf::FieldOptions typed;
  typed.SetExtension(heyhi::sig_exclude, true);
  EXPECT_TRUE(SigExcludeSetIn(typed));
  typed.SetExtension(heyhi::sig_exclude, false);
  EXPECT_FALSE(SigExcludeSetIn(typed));

  google::protobuf::FieldOptions unknown;
  unknown.GetReflection()->MutableUnknownFields(&unknown)->AddVarint(kSigExcludeFieldNumber, 1);
  EXPECT_TRUE(SigExcludeSetIn(unknown));
  google::protobuf::FieldOptions other_number;
  other_number.GetReflection()->MutableUnknownFields(&other_number)->AddVarint(50102, 1);
  EXPECT_FALSE(SigExcludeSetIn(other_number));

  google::protobuf::FieldOptions uninterpreted;
  auto* option = uninterpreted.add_uninterpreted_option();
  auto* name = option->add_name();
  name->set_name_part("heyhi.sig_exclude");
  name->set_is_extension(true);
  option->set_identifier_value("true");
  EXPECT_TRUE(SigExcludeSetIn(uninterpreted));

  // FieldOptions and the extension both from another pool, as a dynamic
  // message: the typed accessor cannot see it, reflection can.
  DescriptorPool pool;
  BuildHeyhiImports(pool);
  DynamicMessageFactory factory(&pool);
  const auto* options_type = pool.FindMessageTypeByName("google.protobuf.FieldOptions");
  ASSERT_NE(options_type, google::protobuf::FieldOptions::descriptor());
  std::unique_ptr<Message> pooled(factory.GetPrototype(options_type)->New());
  const auto* extension = pool.FindExtensionByName("heyhi.sig_exclude");
  ASSERT_NE(extension, nullptr);
  EXPECT_FALSE(SigExcludeSetIn(*pooled));
  pooled->GetReflection()->SetBool(pooled.get(), extension, true);
  EXPECT_TRUE(SigExcludeSetIn(*pooled));

  EXPECT_FALSE(SigExcludeSetIn(google::protobuf::FieldOptions()));
}

class ErrorsToString : public google::protobuf::compiler::MultiFileErrorCollector {
 public:
  void AddError(const std::string& file, int line, int column,
                const std::string& message) override {
    errors +=
        file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message + "\n";
  }
  std::string errors;
};

// conf.proto compiled at run time (as `pp --schema` does) names configs the
// same way as the compiled-in schema, sig_exclude included.
TEST(Signature, RunTimeLoadedSchemaGivesTheSameSignatureAsCompiledIn) {
  google::protobuf::compiler::DiskSourceTree tree;
  tree.MapPath("", std::string(HEYHI_SOURCE_DIR) + "/proto");
  tree.MapPath("", "/usr/include");
  ErrorsToString errors;
  google::protobuf::compiler::Importer importer(&tree, &errors);
  const auto* file = importer.Import("conf.proto");
  ASSERT_NE(file, nullptr) << errors.errors;
  const auto* meta = importer.pool()->FindMessageTypeByName("MetaCfg");
  ASSERT_NE(meta, nullptr);
  ASSERT_NE(meta, MetaCfg::descriptor());
  DynamicMessageFactory factory(importer.pool());
  const std::string text =
      "train { lr: 0.01 batch_size: 64 transformer { } data { dir: '/x' } "
      "launcher { slurm { num_gpus: 8 } } }";
  const auto dynamic = ParseDynamic(meta, factory, text);
  EXPECT_EQ(Signature(*dynamic), Signature(Parse<MetaCfg>(text)));
  const std::string with_log_every =
      "train { log_every: 3 lr: 0.01 batch_size: 64 transformer { } data { dir: '/x' } "
      "launcher { slurm { num_gpus: 8 } } }";
  EXPECT_EQ(Signature(*ParseDynamic(meta, factory, with_log_every)), Signature(*dynamic));
  EXPECT_THAT(CanonicalForm(*dynamic), Not(HasSubstr("19=")));
}

}  // namespace
}  // namespace heyhi
