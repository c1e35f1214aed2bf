// Tests of the typed config views that protoc-gen-heyhi generates (SPEC §9).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/strings/str_join.h"
#include "conf.cfg.h"
#include "gtest/gtest.h"
#include "heyhi/config.h"
#include "heyhi/config/printer.h"
#include "heyhi/schema_docs.h"
#include "repository_configs.h"
#include "test_schema.cfg.h"

namespace {

const std::string kSourceDir = HEYHI_SOURCE_DIR;
const std::string kBinaryDir = HEYHI_BINARY_DIR;

template <typename T>
constexpr bool kIsOptional = false;
template <typename T>
constexpr bool kIsOptional<std::optional<T>> = true;

// A config with one value of each kind set.
TestAllKindsTask FilledAllKinds() {
  TestAllKindsTask msg;
  msg.set_i32(-7);
  msg.set_u64(18000000000000000000ull);
  msg.set_fl(0.25f);
  msg.set_flag(false);
  msg.set_str("it's");
  msg.set_color(TestAllKindsTask::GREEN);
  msg.set_i32_with_default(1);
  msg.add_ints(1);
  msg.add_ints(2);
  msg.add_ints(3);
  msg.add_strs("a b");
  msg.add_strs("");
  msg.add_colors(TestAllKindsTask::BLUE);
  msg.add_colors(TestAllKindsTask::RED);
  msg.add_agents()->set_name("first");
  msg.add_agents()->set_name("second");
  (*msg.mutable_counts())["x"] = 1;
  (*msg.mutable_agent_map())["k"].set_name("mapped");
  (*msg.mutable_names())[3] = "three";
  msg.set_choice_str("picked");
  msg.mutable_agent()->set_rollouts(9);
  msg.add_doubles(0.5);
  msg.add_flags(true);
  return msg;
}

TEST(TypedViews, GeneratedViewOfEveryFieldKindCompilesWithTheSpecifiedTypes) {
  using V = TestAllKindsTaskView;
  static_assert(std::is_base_of_v<heyhi::CfgView<TestAllKindsTask>, V>);
  static_assert(std::is_same_v<decltype(std::declval<V>().i32()), std::optional<int32_t>>);
  static_assert(std::is_same_v<decltype(std::declval<V>().i64()), std::optional<int64_t>>);
  static_assert(std::is_same_v<decltype(std::declval<V>().u64()), std::optional<uint64_t>>);
  static_assert(std::is_same_v<decltype(std::declval<V>().sf32()), std::optional<int32_t>>);
  static_assert(std::is_same_v<decltype(std::declval<V>().fl()), std::optional<float>>);
  static_assert(std::is_same_v<decltype(std::declval<V>().db()), std::optional<double>>);
  static_assert(std::is_same_v<decltype(std::declval<V>().flag()), std::optional<bool>>);
  static_assert(std::is_same_v<decltype(std::declval<V>().str()), std::optional<std::string_view>>);
  static_assert(std::is_same_v<decltype(std::declval<V>().raw()), std::optional<std::string_view>>);
  static_assert(
      std::is_same_v<decltype(std::declval<V>().color()), std::optional<TestAllKindsTask_Color>>);
  static_assert(std::is_same_v<decltype(std::declval<V>().i32_with_default()), int32_t>);
  static_assert(std::is_same_v<decltype(std::declval<V>().fl_with_default()), float>);
  static_assert(std::is_same_v<decltype(std::declval<V>().str_with_default()), const std::string&>);
  static_assert(
      std::is_same_v<decltype(std::declval<V>().color_with_default()), TestAllKindsTask_Color>);
  static_assert(
      std::is_same_v<decltype(std::declval<V>().color_with_default_name()), std::string_view>);
  static_assert(std::is_same_v<decltype(std::declval<V>().agent()), TestAgentView>);
  static_assert(std::is_same_v<decltype(std::declval<V>().launcher()), heyhi::LauncherView>);
  static_assert(std::is_same_v<decltype(std::declval<V>().ints()), absl::Span<const int32_t>>);
  static_assert(std::is_same_v<decltype(std::declval<V>().agents()),
                               heyhi::RepeatedView<TestAgent, TestAgentView>>);
  static_assert(
      std::is_same_v<decltype(std::declval<V>().which_choice()), TestAllKindsTask::ChoiceCase>);
  static_assert(std::is_same_v<decltype(std::declval<V>().editable()), TestAllKindsTask>);
  // A package's views live in the package's namespace.
  static_assert(std::is_base_of_v<heyhi::CfgView<legacy::Agent>, legacy::AgentView>);
  // Oneof members have no default: unset reads as nullopt.
  static_assert(kIsOptional<decltype(std::declval<V>().choice_int())>);
  // A view of a temporary would dangle: it does not compile.
  static_assert(!std::is_constructible_v<V, TestAllKindsTask&&>);
  static_assert(std::is_constructible_v<V, const TestAllKindsTask&>);
}

TEST(TypedViews, OptionalScalarsWithoutDefaultAreNulloptWhenUnset) {
  const TestAllKindsTask empty;
  const TestAllKindsTaskView view(empty);
  EXPECT_EQ(view.i32(), std::nullopt);
  EXPECT_EQ(view.u64(), std::nullopt);
  EXPECT_EQ(view.fl(), std::nullopt);
  EXPECT_EQ(view.db(), std::nullopt);
  EXPECT_EQ(view.flag(), std::nullopt);
  EXPECT_EQ(view.str(), std::nullopt);
  EXPECT_EQ(view.raw(), std::nullopt);
  EXPECT_EQ(view.color(), std::nullopt);
  EXPECT_EQ(view.color_name(), std::nullopt);
  EXPECT_FALSE(view.has_i32());
}

TEST(TypedViews, SetOptionalScalarsReadBackEvenWhenZero) {
  TestAllKindsTask msg;
  msg.set_i32(0);
  msg.set_flag(false);
  msg.set_str("");
  const TestAllKindsTaskView view(msg);
  EXPECT_EQ(view.i32(), 0);
  EXPECT_EQ(view.flag(), false);
  EXPECT_EQ(view.str(), "");
  const TestAllKindsTask filled = FilledAllKinds();
  const TestAllKindsTaskView full(filled);
  EXPECT_EQ(full.i32(), -7);
  EXPECT_EQ(full.u64(), 18000000000000000000ull);
  EXPECT_EQ(full.fl(), 0.25f);
  EXPECT_EQ(full.str(), "it's");
}

TEST(TypedViews, ScalarsWithAnExplicitDefaultReturnTheDefaultWhenUnset) {
  const TestAllKindsTask empty;
  const TestAllKindsTaskView view(empty);
  EXPECT_EQ(view.i32_with_default(), 42);
  EXPECT_EQ(view.fl_with_default(), 0.5f);
  EXPECT_EQ(view.str_with_default(), "hello world");
  EXPECT_EQ(view.color_with_default(), TestAllKindsTask::BLUE);
  EXPECT_EQ(view.flag_with_default(), true);
  EXPECT_FALSE(view.has_i32_with_default());
  const TrainTask train;
  EXPECT_EQ(TrainTaskView(train).batch_size(), 128);
  EXPECT_EQ(TrainTaskView(train).checkpoint(), "checkpoint.pt");
  const TestAllKindsTask filled = FilledAllKinds();
  EXPECT_EQ(TestAllKindsTaskView(filled).i32_with_default(), 1);
}

TEST(TypedViews, WhichOneofNamesTheChosenCase) {
  TestAllKindsTask msg;
  const TestAllKindsTaskView view(msg);
  EXPECT_EQ(view.which_choice(), TestAllKindsTask::CHOICE_NOT_SET);
  EXPECT_EQ(view.which_choice_name(), "");
  msg.set_choice_str("x");
  EXPECT_EQ(view.which_choice(), TestAllKindsTask::kChoiceStr);
  EXPECT_EQ(view.which_choice_name(), "choice_str");
  EXPECT_EQ(view.choice_str(), "x");
  EXPECT_EQ(view.choice_int(), std::nullopt);
  msg.mutable_choice_msg();
  EXPECT_EQ(view.which_choice_name(), "choice_msg");
  EXPECT_TRUE(view.has_choice_msg());
  EXPECT_EQ(view.choice_str(), std::nullopt);

  TrainTask train;
  train.mutable_transformer()->set_num_heads(8);
  const TrainTaskView train_view(train);
  EXPECT_EQ(train_view.which_encoder(), TrainTask::kTransformer);
  EXPECT_EQ(train_view.which_encoder_name(), "transformer");
  EXPECT_EQ(train_view.transformer().num_heads(), 8);
  EXPECT_EQ(train_view.launcher().which_launcher_name(), "");
}

TEST(TypedViews, RepeatedFieldsIterate) {
  const TestAllKindsTask msg = FilledAllKinds();
  const TestAllKindsTaskView view(msg);
  EXPECT_EQ(std::vector<int32_t>(view.ints().begin(), view.ints().end()),
            (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(view.ints_size(), 3);
  std::vector<std::string> strs(view.strs().begin(), view.strs().end());
  EXPECT_EQ(strs, (std::vector<std::string>{"a b", ""}));
  std::vector<std::string> names;
  for (TestAgentView agent : view.agents()) names.emplace_back(*agent.name());
  EXPECT_EQ(names, (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(view.agents().size(), 2u);
  EXPECT_EQ(view.agents()[1].name(), "second");
  EXPECT_EQ(view.colors().to_vector(),
            (std::vector<TestAllKindsTask_Color>{TestAllKindsTask::BLUE, TestAllKindsTask::RED}));
  EXPECT_EQ(view.doubles().size(), 1u);
  EXPECT_EQ(view.flags()[0], true);
  const TestAllKindsTask empty;
  EXPECT_TRUE(TestAllKindsTaskView(empty).agents().empty());
  EXPECT_TRUE(TestAllKindsTaskView(empty).ints().empty());
}

TEST(TypedViews, EnumsGiveNames) {
  const TestAllKindsTask msg = FilledAllKinds();
  const TestAllKindsTaskView view(msg);
  EXPECT_EQ(view.color_name(), "GREEN");
  EXPECT_EQ(view.color_with_default_name(), "BLUE");
  EXPECT_EQ(view.colors_names().to_vector(), (std::vector<std::string_view>{"BLUE", "RED"}));
  const TrainTask train;
  EXPECT_EQ(TrainTaskView(train).optimizer_name(), "SGD");
  EXPECT_EQ(TrainTaskView(train).conv().activation_name(), "RELU");
}

TEST(TypedViews, MapsLookUpByKeyAndIterate) {
  const TestAllKindsTask msg = FilledAllKinds();
  const TestAllKindsTaskView view(msg);
  EXPECT_EQ(view.counts_at("x"), 1);
  EXPECT_EQ(view.counts_at("nope"), std::nullopt);
  EXPECT_EQ(view.names_at(3), "three");
  EXPECT_EQ(view.names_at(4), std::nullopt);
  ASSERT_TRUE(view.agent_map_at("k").has_value());
  EXPECT_EQ(view.agent_map_at("k")->name(), "mapped");
  int entries = 0;
  for (const auto& [key, agent] : view.agent_map()) {
    EXPECT_EQ(key, "k");
    EXPECT_EQ(agent.name(), "mapped");
    ++entries;
  }
  EXPECT_EQ(entries, 1);
  EXPECT_EQ(view.counts_size(), 1);
}

TEST(TypedViews, SubMessagesAreViewsAndReadDefaultsWhenUnset) {
  const TestAllKindsTask msg = FilledAllKinds();
  const TestAllKindsTaskView view(msg);
  EXPECT_TRUE(view.has_agent());
  EXPECT_EQ(view.agent().rollouts(), 9);
  EXPECT_EQ(view.agent().which_policy_name(), "rollouts");
  EXPECT_FALSE(view.agent().has_backup());
  EXPECT_EQ(view.agent().backup().temperature(), 1.0f);
  EXPECT_EQ(view.agent().backup().backup().name(), std::nullopt);
  EXPECT_FALSE(view.has_launcher());
  EXPECT_EQ(view.launcher().slurm().signal(), "USR2@90");
}

TEST(TypedViews, EditableIsAMutableCopyOfTheMessage) {
  const TestAllKindsTask msg = FilledAllKinds();
  const TestAllKindsTaskView view(msg);
  EXPECT_EQ(&view.proto(), &msg);
  TestAllKindsTask copy = view.editable();
  copy.set_i32(100);
  EXPECT_EQ(view.i32(), -7);
  EXPECT_EQ(TestAllKindsTaskView(copy).i32(), 100);
}

TEST(TypedViews, FieldDocCommentsAreConstants) {
  EXPECT_STREQ(TrainTaskView::kBatchSizeDoc,
               "Global batch size (split evenly over the ranks of a data-parallel run).");
  EXPECT_STREQ(DataCfgView::kDirDoc,
               "Folder with train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,\n"
               "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz.");
  EXPECT_STREQ(TrainTaskView::kEncoderDoc, "The model.");
  EXPECT_STREQ(TrainTaskView::kDoc, "Train an image classifier on Fashion-MNIST.");
  EXPECT_STREQ(TestAllKindsTaskView::kI32Doc, "");
  EXPECT_STREQ(legacy::OptimizationView::kLrDoc, "Learning rate.");
}

TEST(TypedViews, CompiledInSchemasRegisterTheirDocComments) {
  EXPECT_EQ(heyhi::RegisteredSchemaDoc("TrainTask.batch_size"), TrainTaskView::kBatchSizeDoc);
  EXPECT_EQ(heyhi::RegisteredSchemaDoc("heyhi.SlurmLauncher.partition"),
            heyhi::SlurmLauncherView::kPartitionDoc);
  EXPECT_EQ(heyhi::RegisteredSchemaDoc("TrainTask.Optimizer"), "Optimizers to choose from.");
  EXPECT_EQ(heyhi::RegisteredSchemaDoc("TrainTask.optimizer"), "Optimizer algorithm.");
  EXPECT_EQ(heyhi::RegisteredSchemaDoc("TestAgent.random"), "Choose uniformly at random.");
  EXPECT_EQ(heyhi::RegisteredSchemaDoc("TrainTask.no_such_field"), "");
}

TEST(TypedViews, CleanDocCommentDropsMarkerSpacesAndBlankEnds) {
  EXPECT_EQ(heyhi::CleanDocComment(" One.\n Two\n"), "One.\nTwo");
  EXPECT_EQ(heyhi::CleanDocComment("\n  indented\n\n next\n\n"), " indented\n\nnext");
  EXPECT_EQ(heyhi::CleanDocComment(""), "");
}

// The flat forms of `msg` through the view of its type: (to_flat(false),
// to_flat(true), to_str_with_defaults()).
struct ViewFlat {
  std::vector<std::string> set, all;
  std::string with_defaults;
};

template <typename View>
bool TryView(const google::protobuf::Message& msg, ViewFlat* out) {
  const auto* typed = google::protobuf::DynamicCastToGenerated<typename View::Message>(&msg);
  if (typed == nullptr) return false;
  const View view(*typed);
  *out = {view.to_flat(), view.to_flat(/*with_all=*/true), view.to_str_with_defaults()};
  return true;
}

// Root configs go through the root's view, as task code reads them; include
// chunks through the view of their type.
ViewFlat FlatThroughViews(const heyhi::Composed& composed) {
  ViewFlat flat;
  if (const auto* root = google::protobuf::DynamicCastToGenerated<MetaCfg>(composed.root.get())) {
    const MetaCfgView meta(*root);
    switch (meta.which_task()) {
      case MetaCfg::kTrain:
        TryView<TrainTaskView>(meta.train().proto(), &flat);
        break;
      case MetaCfg::kEval:
        TryView<EvalTaskView>(meta.eval().proto(), &flat);
        break;
      case MetaCfg::kTestAllKinds:
        TryView<TestAllKindsTaskView>(meta.test_all_kinds().proto(), &flat);
        break;
      case MetaCfg::kTestSleep:
        TryView<TestSleepTaskView>(meta.test_sleep().proto(), &flat);
        break;
      case MetaCfg::TASK_NOT_SET:
        ADD_FAILURE() << "no task";
        break;
    }
    return flat;
  }
  const google::protobuf::Message& msg = *composed.task;
  if (TryView<heyhi::LauncherView>(msg, &flat) || TryView<MlpView>(msg, &flat) ||
      TryView<ConvView>(msg, &flat) || TryView<TransformerView>(msg, &flat) ||
      TryView<TestAgentView>(msg, &flat) || TryView<DataCfgView>(msg, &flat) ||
      TryView<heyhi::EnvView>(msg, &flat)) {
    return flat;
  }
  ADD_FAILURE() << "no view for " << msg.GetDescriptor()->full_name();
  return flat;
}

std::string PpOutput(const std::string& config, const std::string& flag) {
  const std::string command = kBinaryDir + "/pp " + config + " " + flag + " 2>&1";
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "popen failed";
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
  const int status = pclose(pipe);
  if (status != 0) out += "\n(pp exited with " + std::to_string(status) + ")";
  return out;
}

std::string Lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

TEST(TypedViews, ToFlatAndToStrWithDefaultsEqualPpPrintFlatForEveryConfigInConf) {
  ASSERT_TRUE(std::filesystem::exists(kBinaryDir + "/pp")) << "build pp first";
  const std::vector<std::string> configs = heyhi_test::RepositoryConfigs();
  ASSERT_GE(configs.size(), 13u);
  heyhi::LoadOptions options;
  options.root_type = MetaCfg::descriptor();
  for (const std::string& config : configs) {
    SCOPED_TRACE(config);
    absl::StatusOr<heyhi::Composed> composed = heyhi::LoadConfig(config, {}, options);
    ASSERT_TRUE(composed.ok()) << composed.status();
    const ViewFlat flat = FlatThroughViews(*composed);
    EXPECT_EQ(flat.set, heyhi::Flatten(*composed->task, false));
    EXPECT_EQ(flat.all, heyhi::Flatten(*composed->task, true));
    EXPECT_FALSE(flat.set.empty());
    EXPECT_EQ(Lines(flat.set), PpOutput(config, "--print-flat"));
    EXPECT_EQ(Lines(flat.all), PpOutput(config, "--print-flat-all"));
    EXPECT_EQ(flat.with_defaults, PpOutput(config, "--print-flat-all"));
  }
}

TEST(TypedViews, ToFlatListsSetFieldsAndToStrWithDefaultsEveryField) {
  TrainTask train;
  train.set_batch_size(64);
  train.mutable_mlp();
  const TrainTaskView view(train);
  EXPECT_EQ(view.to_flat(), (std::vector<std::string>{"batch_size=64", "mlp=SELECT"}));
  const std::string all = view.to_str_with_defaults();
  EXPECT_NE(all.find("batch_size=64\n"), std::string::npos);
  EXPECT_NE(all.find("lr=0.1\n"), std::string::npos);
  EXPECT_NE(all.find("mlp.hidden_dim=256\n"), std::string::npos);
  EXPECT_NE(all.find("checkpoint=checkpoint.pt\n"), std::string::npos);
}

}  // namespace
