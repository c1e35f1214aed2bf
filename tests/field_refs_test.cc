// Tests of field references (SPEC §13): (heyhi.default_from) in the schema,
// `refs { key from }` in configs and `key=${from}` overrides, each rule on
// the compiled-in schema and on the same schema loaded at run time.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "conf.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "heyhi/base/shell_quote.h"
#include "heyhi/cli/stored_config.h"
#include "heyhi/conf_access.h"
#include "heyhi/config.h"
#include "heyhi/config/describe.h"
#include "heyhi/config/dynamic_schema.h"
#include "heyhi/config/printer.h"
#include "heyhi/config/provenance.h"
#include "heyhi/overrides.h"
#include "heyhi/signature.h"
#include "refs_errors.pb.h"
#include "refs_schema.pb.h"
#include "scoped_env.h"
#include "temp_tree.h"

namespace heyhi {
namespace {

using google::protobuf::util::MessageDifferencer;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

// The flat lines of `msg` as the shell hands them over, applied to an empty
// message of its type, rebuild it.
void ExpectRebuildsFromItsFlatLines(const google::protobuf::Message& msg) {
  std::vector<std::string> tokens;
  for (const std::string& line : Flatten(msg, /*with_all=*/false)) {
    absl::StatusOr<std::string> token = ShellUnquote(line);
    ASSERT_TRUE(token.ok()) << line << ": " << token.status();
    tokens.push_back(*token);
  }
  std::unique_ptr<google::protobuf::Message> rebuilt(msg.New());
  const absl::Status applied = ApplyOverrides(rebuilt.get(), tokens);
  ASSERT_TRUE(applied.ok()) << applied;
  EXPECT_TRUE(MessageDifferencer::Equals(msg, *rebuilt)) << rebuilt->DebugString();
}

enum class SchemaKind { kCompiledIn, kRunTime };

// Each rule on each schema, composed with provenance and without it (where
// a compose that makes a reference is done again with provenance).
struct RefsCase {
  SchemaKind schema;
  bool with_provenance;
};

std::string CaseName(const ::testing::TestParamInfo<RefsCase>& info) {
  return absl::StrCat(info.param.schema == SchemaKind::kCompiledIn ? "CompiledIn" : "RunTime",
                      info.param.with_provenance ? "" : "WithoutProvenance");
}

class FieldRefs : public ::testing::TestWithParam<RefsCase> {
 protected:
  // The root message `name` ("refs.MetaCfg", "refs_errors.CycleRoot") of the
  // schema under test; its .proto is imported at run time for kRunTime.
  const google::protobuf::Descriptor* Root(const std::string& name) {
    if (GetParam().schema == SchemaKind::kCompiledIn) {
      // Named, so that both schemas are linked in.
      (void)refs::MetaCfg::descriptor();
      (void)refs_errors::TypeMismatchRoot::descriptor();
      return google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(name);
    }
    const std::string file =
        name.rfind("refs_errors.", 0) == 0 ? "refs_errors.proto" : "refs_schema.proto";
    std::unique_ptr<DynamicSchema>& schema = schemas_[file];
    if (schema == nullptr) {
      DynamicSchema::ImportOptions options;
      options.use_cache = false;
      absl::StatusOr<std::unique_ptr<DynamicSchema>> imported =
          DynamicSchema::Import({std::string(HEYHI_SOURCE_DIR) + "/tests/proto"}, file, options);
      EXPECT_TRUE(imported.ok()) << imported.status();
      if (!imported.ok()) return nullptr;
      schema = std::move(*imported);
    }
    return schema->pool()->FindMessageTypeByName(name);
  }

  absl::StatusOr<Composed> Compose(const std::string& text,
                                   const std::vector<std::string>& overrides = {},
                                   const std::string& root = "refs.MetaCfg") {
    LoadOptions options;
    options.root_type = Root(root);
    if (options.root_type == nullptr) return absl::NotFoundError(root);
    options.with_provenance = GetParam().with_provenance;
    if (GetParam().schema == SchemaKind::kRunTime) {
      options.factory =
          schemas_[root.rfind("refs_errors.", 0) == 0 ? "refs_errors.proto" : "refs_schema.proto"]
              ->factory();
    }
    return LoadConfig(tree_.Write("conf/x/cfg.prototxt", text), overrides, options);
  }

  std::string Error(const std::string& text, const std::vector<std::string>& overrides = {},
                    const std::string& root = "refs.MetaCfg") {
    absl::StatusOr<Composed> composed = Compose(text, overrides, root);
    EXPECT_FALSE(composed.ok()) << PrintText(*composed->task);
    return composed.ok() ? "" : std::string(composed.status().message());
  }

  // The flat value of `key` in the composed task ("" after an error).
  static std::string Get(const absl::StatusOr<Composed>& composed, const std::string& key) {
    EXPECT_TRUE(composed.ok()) << composed.status();
    if (!composed.ok()) return "";
    absl::StatusOr<std::string> value = ConfGet(*composed->task, key);
    EXPECT_TRUE(value.ok()) << value.status();
    return value.ok() ? *value : "";
  }

  static bool IsSet(const absl::StatusOr<Composed>& composed, const std::string& key) {
    if (!composed.ok()) return false;
    absl::StatusOr<bool> set = ConfIsSet(*composed->task, key);
    return set.ok() && *set;
  }

  std::string Cfg() const { return tree_.Path("conf/x/cfg.prototxt"); }

  ScopedEnv no_conf_root_{"HH_CONF_ROOT", std::nullopt};
  TempTree tree_;
  std::map<std::string, std::unique_ptr<DynamicSchema>> schemas_;
};

INSTANTIATE_TEST_SUITE_P(Schemas, FieldRefs,
                         ::testing::Values(RefsCase{SchemaKind::kCompiledIn, true},
                                           RefsCase{SchemaKind::kRunTime, true},
                                           RefsCase{SchemaKind::kCompiledIn, false},
                                           RefsCase{SchemaKind::kRunTime, false}),
                         CaseName);

// --- (heyhi.default_from) ---

TEST_P(FieldRefs, DefaultFromGivesAnUnsetFieldTheFinalValueOfItsSource) {
  EXPECT_EQ(Get(Compose("train { batch_size: 256 }"), "eval_batch_size"), "256");
  absl::StatusOr<Composed> defaults = Compose("train { }");
  EXPECT_EQ(Get(defaults, "eval_batch_size"), "128");  // the source's default
  EXPECT_TRUE(IsSet(defaults, "eval_batch_size"));
}

TEST_P(FieldRefs, DefaultFromLeavesAFieldThatIsSetAlone) {
  EXPECT_EQ(Get(Compose("train { batch_size: 256 eval_batch_size: 7 }"), "eval_batch_size"), "7");
  EXPECT_EQ(Get(Compose("train { batch_size: 256 }", {"eval_batch_size=9"}), "eval_batch_size"),
            "9");
}

TEST_P(FieldRefs, DefaultFromFollowsAnOverrideOfTheSource) {
  EXPECT_EQ(Get(Compose("train { batch_size: 256 }", {"batch_size=300"}), "eval_batch_size"),
            "300");
}

TEST_P(FieldRefs, DefaultFromPathIsFromTheTaskMessageAndMakesTheMessagesOnTheWay) {
  absl::StatusOr<Composed> composed = Compose("train { }");
  EXPECT_EQ(Get(composed, "dataset.max_valid_tokens"), "1024");
  EXPECT_TRUE(IsSet(composed, "dataset"));
  EXPECT_EQ(Get(Compose("train { }", {"dataset.max_tokens=5"}), "dataset.max_valid_tokens"), "5");
}

TEST_P(FieldRefs, DefaultFromJoinsFieldsOfOneKind) {
  absl::StatusOr<Composed> composed =
      Compose("train { optimization { lr: 0.1 } mode: FAST name: \"x y\" flag: true }");
  EXPECT_EQ(Get(composed, "scheduler_lr"), "0.1");  // a float from a double
  EXPECT_EQ(Get(composed, "eval_mode"), "FAST");
  EXPECT_EQ(Get(composed, "run_name"), "'x y'");
  EXPECT_EQ(Get(composed, "eval_flag"), "true");
  EXPECT_EQ(Get(composed, "dataset.max_valid_tokens"), "1024");  // an int64 from an int32
}

TEST_P(FieldRefs, ReferencesResolveSourcesBeforeTargetsAlongAChain) {
  absl::StatusOr<Composed> composed = Compose("train { }", {"small=${c}", "a=5"});
  EXPECT_EQ(Get(composed, "b"), "5");
  EXPECT_EQ(Get(composed, "c"), "5");
  EXPECT_EQ(Get(composed, "small"), "5");
}

// --- refs { key from } in configs ---

TEST_P(FieldRefs, ConfigRefsGiveTheKeyTheFinalValueOfFrom) {
  absl::StatusOr<Composed> composed =
      Compose("refs { key: \"big\" from: \"batch_size\" }\ntrain { batch_size: 3 }");
  EXPECT_EQ(Get(composed, "big"), "3");
}

TEST_P(FieldRefs, ConfigRefsAreRelativeToTheMessageThatHoldsThem) {
  absl::StatusOr<Composed> composed =
      Compose("train { agent { name: \"bob\" refs { key: \"display_name\" from: \"name\" } } }");
  EXPECT_EQ(Get(composed, "agent.display_name"), "bob");
  EXPECT_EQ(Get(composed, "agent.refs"), "[]");  // made, then cleared like includes
}

TEST_P(FieldRefs, RefsOfAnIncludedFileAreRelativeToItsMount) {
  tree_.Write("conf/common/agents/a.prototxt",
              "refs { key: \"display_name\" from: \"name\" }\nname: \"alice\"\n");
  absl::StatusOr<Composed> composed = Compose(
      "includes { path: \"agents/a\" mount: \"agents.-1\" }\n"
      "includes { path: \"agents/a\" mount: \"agents.-1\" }\ntrain { }",
      {"agents.1.name=carol"});
  EXPECT_EQ(Get(composed, "agents.0.display_name"), "alice");
  EXPECT_EQ(Get(composed, "agents.1.display_name"), "carol");
}

// --- key=${from} overrides ---

TEST_P(FieldRefs, AnOverrideReferenceGivesTheKeyTheFinalValueOfTheSource) {
  EXPECT_EQ(Get(Compose("train { agent { temperature: 0.5 } }",
                        {"agent.eval_temperature=${agent.temperature}"}),
                "agent.eval_temperature"),
            "0.5");
  // Resolved after all overrides: a later override of the source counts.
  EXPECT_EQ(Get(Compose("train { }", {"small=${batch_size}", "batch_size=7"}), "small"), "7");
}

TEST_P(FieldRefs, OverridingTheSourceMovesTheTarget) {
  absl::StatusOr<Composed> composed = Compose(
      "refs { key: \"big\" from: \"batch_size\" }\ntrain { batch_size: 3 }", {"batch_size=11"});
  EXPECT_EQ(Get(composed, "big"), "11");
}

// --- the later of a value and a reference in composition order decides ---

TEST_P(FieldRefs, AValueLaterInCompositionOrderWinsOverAReference) {
  EXPECT_EQ(Get(Compose("refs { key: \"big\" from: \"batch_size\" }\ntrain { }", {"big=5"}), "big"),
            "5");
  tree_.Write("conf/common/agents/a.prototxt",
              "refs { key: \"display_name\" from: \"name\" }\nname: \"alice\"\n");
  EXPECT_EQ(Get(Compose("includes { path: \"agents/a\" mount: \"agent\" }\n"
                        "train { agent { display_name: \"fixed\" } }"),
                "agent.display_name"),
            "fixed");
}

TEST_P(FieldRefs, AReferenceLaterInCompositionOrderWinsOverAValue) {
  EXPECT_EQ(Get(Compose("train { big: 3 }", {"big=${batch_size}"}), "big"), "128");
  tree_.Write("conf/common/agents/fixed.prototxt", "display_name: \"fixed\"\nname: \"n\"\n");
  EXPECT_EQ(Get(Compose("includes { path: \"agents/fixed\" mount: \"agent\" }\n"
                        "train { agent { refs { key: \"display_name\" from: \"name\" } } }"),
                "agent.display_name"),
            "n");
}

TEST_P(FieldRefs, OfTwoIncludesTheLaterDecides) {
  tree_.Write("conf/common/agents/ref.prototxt",
              "refs { key: \"display_name\" from: \"name\" }\nname: \"alice\"\n");
  tree_.Write("conf/common/agents/fixed.prototxt", "display_name: \"fixed\"\n");
  EXPECT_EQ(Get(Compose("includes { path: \"agents/ref\" mount: \"agent\" }\n"
                        "includes { path: \"agents/fixed\" mount: \"agent\" }\ntrain { }"),
                "agent.display_name"),
            "fixed");
  EXPECT_EQ(Get(Compose("includes { path: \"agents/fixed\" mount: \"agent\" }\n"
                        "includes { path: \"agents/ref\" mount: \"agent\" }\ntrain { }"),
                "agent.display_name"),
            "alice");
}

TEST_P(FieldRefs, InOneFileAReferenceWinsOverAValueForTheSameKey) {
  EXPECT_EQ(Get(Compose("refs { key: \"big\" from: \"batch_size\" }\ntrain { big: 3 }"), "big"),
            "128");
  EXPECT_EQ(Get(Compose("train { big: 3 }\nrefs { key: \"big\" from: \"batch_size\" }"), "big"),
            "128");
}

TEST_P(FieldRefs, NullOnATargetDropsItsReference) {
  absl::StatusOr<Composed> composed =
      Compose("refs { key: \"big\" from: \"batch_size\" }\ntrain { }", {"big=NULL"});
  EXPECT_FALSE(IsSet(composed, "big"));
  // Back to the default: for a field with default_from, its source.
  EXPECT_EQ(Get(Compose("refs { key: \"eval_batch_size\" from: \"a\" }\ntrain { batch_size: 4 }",
                        {"eval_batch_size=NULL"}),
                "eval_batch_size"),
            "4");
}

TEST_P(FieldRefs, ALaterChoiceOfAnotherOneofMemberDropsAReference) {
  absl::StatusOr<Composed> other = Compose("train { }", {"width=${batch_size}", "encoder_name=x"});
  EXPECT_EQ(Get(other, "encoder_name"), "x");
  EXPECT_FALSE(IsSet(other, "width"));
  absl::StatusOr<Composed> chosen = Compose("train { }", {"encoder_name=x", "width=${batch_size}"});
  EXPECT_EQ(Get(chosen, "width"), "128");
  EXPECT_FALSE(IsSet(chosen, "encoder_name"));
}

// --- errors ---

TEST_P(FieldRefs, AReferenceCycleIsAnErrorNamingItsKeys) {
  EXPECT_THAT(Error("train { }", {"a=${c}"}), HasSubstr("reference cycle: a -> c -> b -> a"));
  const std::string files = Error(
      "refs { key: \"big\" from: \"small\" }\nrefs { key: \"small\" from: \"big\" }\ntrain { }");
  EXPECT_THAT(files, HasSubstr("reference cycle: big -> small -> big"));
  EXPECT_THAT(files, HasSubstr("big: refs at " + Cfg() + ":1"));
  EXPECT_THAT(Error("train { }", {"big=${big}"}), HasSubstr("reference cycle: big -> big"));
}

TEST_P(FieldRefs, ReferenceTypesMustAgreeAndTheErrorNamesBothFields) {
  EXPECT_THAT(Error("train { }", {"name=${batch_size}"}),
              HasSubstr("override name=${batch_size}: 'name' is a string and 'batch_size' is an "
                        "int32: a reference joins fields of the same type, the same enum, or "
                        "numbers of one kind (integers of any width and sign; float and double)"));
  EXPECT_THAT(Error("train { }", {"scheduler_lr=${batch_size}"}),
              HasSubstr("'scheduler_lr' is a float and 'batch_size' is an int32"));
  EXPECT_THAT(Error("train { }", {"eval_mode=${flag}"}),
              HasSubstr("'eval_mode' is an enum Mode and 'flag' is a bool"));
  EXPECT_THAT(Error("train { }", {"blob=${name}"}),
              HasSubstr("'blob' is a bytes and 'name' is a string"));
  EXPECT_THAT(Error("train { }\nrefs { key: \"name\" from: \"batch_size\" }"),
              HasSubstr(Cfg() + ":2:1: refs { key: \"name\" from: \"batch_size\" }: 'name' is a "
                                "string and 'batch_size' is an int32"));
}

TEST_P(FieldRefs, ANumberThatDoesNotFitItsTargetIsAnError) {
  EXPECT_THAT(Error("train { }", {"small=${big}", "big=-1"}),
              HasSubstr("reference small=${big} (override small=${big}): big: its value -1 does "
                        "not fit a uint32"));
  EXPECT_THAT(Error("train { }", {"width=${big}", "big=10000000000"}),
              HasSubstr("its value 10000000000 does not fit an int32"));
}

TEST_P(FieldRefs, AReferenceJoinsTwoSingularFieldsThatAreNoMessages) {
  EXPECT_THAT(Error("train { }", {"agent=${agent}"}),
              HasSubstr("'agent' is a message Agent: a reference copies one value, so name one of "
                        "its fields (agent.name)"));
  EXPECT_THAT(Error("train { }", {"agents=${agent.name}"}),
              HasSubstr("'agents' is a repeated message Agent: a reference names one singular "
                        "field"));
  EXPECT_THAT(Error("train { agents { } }", {"name=${agents.-1.name}"}),
              HasSubstr("'agents.-1.name' appends (-1)"));
}

TEST_P(FieldRefs, AnUnknownKeyInAReferenceNamesTheClosestKeys) {
  const std::string error = Error("train { }", {"eval_batch_size=${batch_sise}"});
  EXPECT_THAT(error, HasSubstr("unknown key 'batch_sise'"));
  EXPECT_THAT(error, HasSubstr("batch_size"));
  EXPECT_THAT(Error("refs { key: \"nmae\" from: \"name\" }\ntrain { }"),
              HasSubstr(Cfg() + ":1:1: refs { key: \"nmae\" from: \"name\" }: unknown key 'nmae'"));
}

TEST_P(FieldRefs, AValueThatStartsWithDollarBraceButIsNoReferenceShowsTheForm) {
  EXPECT_THAT(Error("train { }", {"name=${batch_size"}),
              HasSubstr("override name=${batch_size: '${batch_size' is no reference: write ${key} "
                        "(e.g. ${batch_size}); a string that starts with ${ is written "
                        "\\${batch_size"));
}

TEST_P(FieldRefs, ABackslashWritesATextThatStartsWithDollarBrace) {
  absl::StatusOr<Composed> composed = Compose("train { }", {"name=\\${batch_size}"});
  ASSERT_TRUE(composed.ok()) << composed.status();
  const google::protobuf::Message& task = *composed->task;
  EXPECT_EQ(task.GetReflection()->GetString(task, task.GetDescriptor()->FindFieldByName("name")),
            "${batch_size}");
  const std::vector<std::string> flat = Flatten(*composed->task, false);
  EXPECT_THAT(flat, Contains("name='\\${batch_size}'"));
  EXPECT_THAT(flat, Contains("run_name='\\${batch_size}'"));
  ExpectRebuildsFromItsFlatLines(*composed->task);
}

// --- explain, signature, the stored record ---

TEST_P(FieldRefs, ExplainShowsTheChainToTheValue) {
  absl::StatusOr<Composed> composed =
      Compose("refs { key: \"big\" from: \"c\" }\ntrain {\n  batch_size: 256\n}\n", {"a=5"});
  ASSERT_TRUE(composed.ok()) << composed.status();
  EXPECT_EQ(*ExplainKey(*composed, "eval_batch_size"),
            "eval_batch_size = 256 (from batch_size = 256, " + Cfg() +
                ":3)\neval_batch_size: from batch_size, (heyhi.default_from) of "
                "refs.TrainTask.eval_batch_size\n");
  EXPECT_EQ(*ExplainKey(*composed, "big"),
            "big = 5 (from c = 5, from b = 5, from a = 5, override a=5)\nbig: from c, refs at " +
                Cfg() + ":1\n");
  EXPECT_EQ(*ExplainKey(*composed, "scheduler_lr"),
            "scheduler_lr = 0.25 (from optimization.lr = 0.25, default)\nscheduler_lr: from "
            "optimization.lr, (heyhi.default_from) of refs.TrainTask.scheduler_lr\n");
}

TEST_P(FieldRefs, DescribeNamesTheSourceOfADefault) {
  absl::StatusOr<Composed> composed = Compose("train { }");
  ASSERT_TRUE(composed.ok()) << composed.status();
  absl::StatusOr<std::string> described = DescribeField(*composed->task, "eval_batch_size");
  ASSERT_TRUE(described.ok()) << described.status();
  EXPECT_THAT(*described, HasSubstr("the value of batch_size (heyhi.default_from)"));
}

TEST_P(FieldRefs, ReferencesAreResolvedBeforeSigning) {
  absl::StatusOr<Composed> referenced = Compose("train { batch_size: 256 }");
  absl::StatusOr<Composed> written = Compose("train { batch_size: 256 eval_batch_size: 256 }");
  absl::StatusOr<Composed> other = Compose("train { batch_size: 256 eval_batch_size: 255 }");
  ASSERT_TRUE(referenced.ok() && written.ok() && other.ok());
  EXPECT_EQ(Signature(*referenced->task), Signature(*written->task));
  EXPECT_NE(Signature(*referenced->task), Signature(*other->task));
}

TEST_P(FieldRefs, TheComposedRootKeepsTheReferencesItResolved) {
  absl::StatusOr<Composed> composed =
      Compose("train { agent { refs { key: \"display_name\" from: \"name\" } } }", {"big=${a}"});
  ASSERT_TRUE(composed.ok()) << composed.status();
  const std::string root = PrintText(*composed->root);
  EXPECT_THAT(root, HasSubstr("refs {\n  key: \"agent.display_name\"\n  from: \"agent.name\"\n}"));
  EXPECT_THAT(root, HasSubstr("refs {\n  key: \"big\"\n  from: \"a\"\n}"));
  EXPECT_THAT(root, HasSubstr("refs {\n  key: \"eval_batch_size\"\n  from: \"batch_size\"\n}"));
}

// --- the schema's options are checked when it is loaded ---

TEST_P(FieldRefs, DefaultFromTypesMustAgreeAndTheErrorNamesBothFields) {
  // Checked even where the option is never used: batch_size is set.
  const std::string error =
      Error("train { name: \"x\" batch_size: 3 }", {}, "refs_errors.TypeMismatchRoot");
  EXPECT_THAT(error, HasSubstr("refs_errors.proto"));
  EXPECT_THAT(error, HasSubstr("refs_errors.TypeMismatchTask.batch_size [(heyhi.default_from) = "
                               "\"name\"] (a path from refs_errors.TypeMismatchTask): "
                               "'batch_size' is an int32 and 'name' is a string"));
  EXPECT_THAT(Error("train { }", {}, "refs_errors.OtherEnumRoot"),
              HasSubstr("'level' is an enum Level and 'mode' is an enum Mode"));
  EXPECT_THAT(Error("train { }", {}, "refs_errors.IntFromFloatRoot"),
              HasSubstr("'steps' is an int64 and 'lr' is a float"));
}

TEST_P(FieldRefs, DefaultFromCycleIsAnErrorOfTheSchemaNamingItsFields) {
  EXPECT_THAT(Error("train { inner { x: 1 } y: 2 }", {}, "refs_errors.CycleRoot"),
              HasSubstr("default_from cycle: refs_errors.CycleTask.y -> refs_errors.Inner.y -> "
                        "refs_errors.Inner.x -> refs_errors.CycleTask.y"));
}

TEST_P(FieldRefs, DefaultFromNamesAFieldOfTheTask) {
  const std::string error = Error("train { }", {}, "refs_errors.UnknownSourceRoot");
  EXPECT_THAT(error, HasSubstr("refs_errors.UnknownSourceTask.eval_batch_size"));
  EXPECT_THAT(error, HasSubstr("unknown key 'batch_sise'"));
  EXPECT_THAT(error, HasSubstr("batch_size"));
}

TEST_P(FieldRefs, DefaultFromIsForSingularFieldsOutsideOneofs) {
  EXPECT_THAT(Error("train { }", {}, "refs_errors.OneofMemberRoot"),
              HasSubstr("refs_errors.OneofMemberTask.eval_batch_size [(heyhi.default_from) = "
                        "\"batch_size\"]: the field is a member of oneof size"));
  EXPECT_THAT(Error("train { }", {}, "refs_errors.MessageTargetRoot"),
              HasSubstr("refs_errors.MessageTargetTask.second [(heyhi.default_from) = "
                        "\"first\"]: the field is a message Inner"));
}

// --- outside LoadConfig: ApplyOverrides and run -f ---

TEST_P(FieldRefs, ApplyOverridesResolvesReferencesOnceEveryTokenIsApplied) {
  const google::protobuf::Descriptor* root = Root("refs.MetaCfg");
  ASSERT_NE(root, nullptr);
  const google::protobuf::Descriptor* task_type = root->FindFieldByName("train")->message_type();
  google::protobuf::DynamicMessageFactory factory;
  std::unique_ptr<google::protobuf::Message> task(factory.GetPrototype(task_type)->New());
  ASSERT_TRUE(ApplyOverrides(task.get(), {"small=${batch_size}", "batch_size=4"}).ok());
  EXPECT_EQ(*ConfGet(*task, "small"), "4");
  ASSERT_TRUE(ApplyOverrides(task.get(), {"small=${batch_size}", "small=2"}).ok());
  EXPECT_EQ(*ConfGet(*task, "small"), "2");
  EXPECT_FALSE(*ConfIsSet(*task, "eval_batch_size"));  // default_from is the composition's
  // ConfSet resolves at once: the value the source has now.
  ASSERT_TRUE(ConfSet(task.get(), "big", "${batch_size}").ok());
  ASSERT_TRUE(ConfSet(task.get(), "batch_size", "5").ok());
  EXPECT_EQ(*ConfGet(*task, "big"), "4");
}

// run -f SIG: the references of the stored config are resolved again.
TEST(FieldRefsDerived, AConfigDerivedFromAStoredOneResolvesItsReferencesAgain) {
  ScopedEnv no_conf_root{"HH_CONF_ROOT", std::nullopt};
  TempTree tree;
  LoadOptions options;
  options.root_type = refs::MetaCfg::descriptor();
  absl::StatusOr<Composed> composed = LoadConfig(
      tree.Write("conf/x/cfg.prototxt", "refs { key: \"big\" from: \"batch_size\" }\ntrain { }"),
      {}, options);
  ASSERT_TRUE(composed.ok()) << composed.status();
  // As run writes and reads it: config_meta.prototxt.
  auto stored = [&composed]() {
    Composed copy;
    auto root = std::make_unique<refs::MetaCfg>();
    EXPECT_TRUE(
        google::protobuf::TextFormat::ParseFromString(PrintText(*composed->root), root.get()));
    copy.task_name = "train";
    copy.task = &root->train();
    copy.root = std::move(root);
    copy.provenance = std::make_shared<Provenance>();
    return copy;
  };
  absl::StatusOr<Composed> moved = DeriveConfig(stored(), {"batch_size=9"});
  ASSERT_TRUE(moved.ok()) << moved.status();
  const auto& task = dynamic_cast<const refs::TrainTask&>(*moved->task);
  EXPECT_EQ(task.big(), 9);
  EXPECT_EQ(task.eval_batch_size(), 9);
  absl::StatusOr<Composed> pinned = DeriveConfig(stored(), {"big=1", "batch_size=9"});
  ASSERT_TRUE(pinned.ok()) << pinned.status();
  EXPECT_EQ(dynamic_cast<const refs::TrainTask&>(*pinned->task).big(), 1);
  absl::StatusOr<Composed> same = DeriveConfig(stored(), {});
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(Signature(*same->task), Signature(*composed->task));
}

// The repository's own schema (proto/conf.proto) has refs on MetaCfg and
// TestAgent.
TEST(FieldRefsConfProto, RootAndAgentRefsAndOverridesWorkOnTheRepositorysSchema) {
  ScopedEnv no_conf_root{"HH_CONF_ROOT", std::nullopt};
  TempTree tree;
  LoadOptions options;
  options.root_type = MetaCfg::descriptor();
  absl::StatusOr<Composed> composed = LoadConfig(
      tree.Write("conf/x/cfg.prototxt",
                 "refs { key: \"i64\" from: \"i32\" }\n"
                 "test_all_kinds {\n  i32: 3\n"
                 "  agent { name: \"a\" refs { key: \"backup.name\" from: \"name\" } }\n}\n"),
      {"fl=${db}", "db=0.1", "color=${color_with_default}"}, options);
  ASSERT_TRUE(composed.ok()) << composed.status();
  const auto& task = dynamic_cast<const TestAllKindsTask&>(*composed->task);
  EXPECT_EQ(task.i64(), 3);
  EXPECT_EQ(task.agent().backup().name(), "a");
  EXPECT_EQ(task.fl(), 0.1f);
  EXPECT_EQ(task.color(), TestAllKindsTask::BLUE);
  EXPECT_THAT(
      LoadConfig(tree.Write("conf/x/bad.prototxt", "test_all_kinds { }"), {"str=${i32}"}, options)
          .status()
          .message(),
      HasSubstr("'str' is a string and 'i32' is an int32"));
  EXPECT_THAT(
      LoadConfig(tree.Write("conf/x/bad.prototxt", "test_all_kinds { }"), {"color=${i32}"}, options)
          .status()
          .message(),
      HasSubstr("'color' is an enum Color and 'i32' is an int32"));
}

TEST(FieldRefsConfProto, PrintFlatEscapesEveryStringThatStartsWithDollarBrace) {
  TestAllKindsTask task;
  task.set_str("${i32}");
  task.add_strs("\\${x");
  (*task.mutable_names())[1] = "${";
  EXPECT_THAT(Flatten(task, false),
              ::testing::ElementsAre("names.1='\\${'", "str='\\${i32}'", "strs.0='\\\\${x'"));
  ExpectRebuildsFromItsFlatLines(task);
}

}  // namespace
}  // namespace heyhi
