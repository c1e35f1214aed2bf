// Tests of SPEC §2 (includes, mounts) and §4 (composition order), with the
// error texts of composition.
#include <stdlib.h>

#include <type_traits>

#include "conf.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "heyhi/config.h"
#include "heyhi/config/provenance.h"
#include "heyhi/config/schema.h"
#include "scoped_env.h"
#include "temp_tree.h"

namespace heyhi {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class Composition : public ::testing::Test {
 protected:
  absl::StatusOr<Composed> Compose(const std::string& relative,
                                   const std::vector<std::string>& overrides = {}) {
    LoadOptions options;
    options.root_type = MetaCfg::descriptor();
    return LoadConfig(tree_.Path(relative), overrides, options);
  }
  const MetaCfg& Root(const Composed& composed) {
    return dynamic_cast<const MetaCfg&>(*composed.root);
  }
  std::string Error(const std::string& relative, const std::vector<std::string>& overrides = {}) {
    absl::StatusOr<Composed> composed = Compose(relative, overrides);
    EXPECT_FALSE(composed.ok());
    return composed.ok() ? "" : std::string(composed.status().message());
  }

  ScopedEnv no_conf_root_{"HH_CONF_ROOT", std::nullopt};
  TempTree tree_;
};

#define ASSERT_COMPOSES(var, ...)                      \
  absl::StatusOr<Composed> var = Compose(__VA_ARGS__); \
  ASSERT_TRUE(var.ok()) << var.status()

TEST_F(Composition, IncludesGoIntoAnEmptyRootThenTheFileBodyWins) {
  tree_.Write("conf/common/agents/a.prototxt", "name: \"inc\"\ntemperature: 3\n");
  tree_.Write("conf/x/cfg.prototxt",
              "includes { path: \"agents/a\" mount: \"agent\" }\n"
              "test_all_kinds { agent { name: \"body\" } }\n");
  ASSERT_COMPOSES(composed, "conf/x/cfg.prototxt");
  const TestAllKindsTask& task = Root(*composed).test_all_kinds();
  EXPECT_EQ(task.agent().name(), "body");
  EXPECT_EQ(task.agent().temperature(), 3);
  EXPECT_EQ(composed->task, &task);
  EXPECT_EQ(composed->task_name, "test_all_kinds");
}

TEST_F(Composition, MountsAreRelativeToTheTaskTheBodyChose) {
  tree_.Write("conf/common/launcher/slurm.prototxt", "slurm { num_gpus: 4 }\n");
  tree_.Write("conf/x/cfg.prototxt",
              "includes { path: \"launcher/slurm\" mount: \"launcher\" }\ntrain { }\n");
  ASSERT_COMPOSES(composed, "conf/x/cfg.prototxt");
  EXPECT_EQ(Root(*composed).train().launcher().slurm().num_gpus(), 4);
}

TEST_F(Composition, MountsAreRelativeToTheRootWhenTheBodyChoosesNoTask) {
  tree_.Write("conf/x/t.prototxt", "i32: 5\n");
  tree_.Write("conf/x/cfg.prototxt", "includes { path: \"t\" mount: \"test_all_kinds\" }\n");
  ASSERT_COMPOSES(composed, "conf/x/cfg.prototxt");
  EXPECT_EQ(Root(*composed).test_all_kinds().i32(), 5);
}

TEST_F(Composition, IncludeIsParsedAsTheTypeAtTheMountAndMergedWithMergeFrom) {
  tree_.Write("conf/x/first.prototxt",
              "name: \"first\" temperature: 2 rollouts: 3 backup { name: \"b\" }\n");
  tree_.Write("conf/x/second.prototxt", "name: \"second\" random { seed: 1 }\n");
  tree_.Write("conf/x/map1.prototxt",
              "counts { key: \"a\" value: 1 } counts { key: \"b\" value: 2 }"
              " ints: 1");
  tree_.Write("conf/x/map2.prototxt", "counts { key: \"b\" value: 20 } ints: 2");
  tree_.Write("conf/x/cfg.prototxt",
              "includes { path: \"first\" mount: \"agent\" }\n"
              "includes { path: \"second\" mount: \"agent\" }\n"
              "includes { path: \"map1\" mount: \"\" }\n"
              "includes { path: \"map2\" mount: \"\" }\n"
              "test_all_kinds { }\n");
  ASSERT_COMPOSES(composed, "conf/x/cfg.prototxt");
  const TestAllKindsTask& task = Root(*composed).test_all_kinds();
  EXPECT_EQ(task.agent().name(), "second");                   // scalar overwritten
  EXPECT_EQ(task.agent().temperature(), 2);                   // kept
  EXPECT_EQ(task.agent().backup().name(), "b");               // message kept
  EXPECT_EQ(task.agent().policy_case(), TestAgent::kRandom);  // oneof switched
  EXPECT_EQ(task.counts().at("a"), 1);
  EXPECT_EQ(task.counts().at("b"), 20);                    // map: per key
  EXPECT_THAT(task.ints(), ::testing::ElementsAre(1, 2));  // repeated appended
}

TEST_F(Composition, DuplicateMountsInOneFileAreBothAppliedInFileOrder) {
  tree_.Write("conf/x/a.prototxt", "ints: 1 str: \"a\"");
  tree_.Write("conf/x/b.prototxt", "ints: 2 str: \"b\"");
  tree_.Write("conf/x/cfg.prototxt",
              "includes { path: \"a\" mount: \"\" }\nincludes { path: \"b\" mount: \"\" }\n"
              "test_all_kinds { }\n");
  ASSERT_COMPOSES(composed, "conf/x/cfg.prototxt");
  EXPECT_THAT(Root(*composed).test_all_kinds().ints(), ::testing::ElementsAre(1, 2));
  EXPECT_EQ(Root(*composed).test_all_kinds().str(), "b");
}

TEST_F(Composition, MountThroughAOneofMemberSelectsIt) {
  tree_.Write("conf/common/encoders/mlp.prototxt", "hidden_dim: 7\n");
  tree_.Write("conf/common/agents/a.prototxt", "name: \"chosen\"\n");
  tree_.Write("conf/x/train.prototxt",
              "includes { path: \"encoders/mlp\" mount: \"encoder.mlp\" }\ntrain { }\n");
  tree_.Write("conf/x/kinds.prototxt",
              "includes { path: \"agents/a\" mount: \"choice_agent\" }\ntest_all_kinds { }\n");
  ASSERT_COMPOSES(train, "conf/x/train.prototxt");
  EXPECT_EQ(Root(*train).train().encoder_case(), TrainTask::kMlp);
  EXPECT_EQ(Root(*train).train().mlp().hidden_dim(), 7);
  ASSERT_COMPOSES(kinds, "conf/x/kinds.prototxt");
  EXPECT_EQ(Root(*kinds).test_all_kinds().choice_agent().name(), "chosen");
  ASSERT_COMPOSES(overridden, "conf/x/kinds.prototxt", {"Ichoice.choice_agent=agents/a"});
  EXPECT_EQ(Root(*overridden).test_all_kinds().choice_agent().name(), "chosen");
  tree_.Write("conf/common/encoders/conv.prototxt", "channels: 5\n");
  ASSERT_COMPOSES(switched, "conf/x/train.prototxt", {"Iencoder.conv=encoders/conv"});
  EXPECT_EQ(Root(*switched).train().conv().channels(), 5);
}

TEST_F(Composition, MountIndexAddressesARepeatedElementAndMinusOneAppends) {
  tree_.Write("conf/x/a.prototxt", "name: \"a\"");
  tree_.Write("conf/x/b.prototxt", "name: \"b\"");
  tree_.Write("conf/x/t.prototxt", "temperature: 9");
  tree_.Write("conf/x/cfg.prototxt",
              "includes { path: \"a\" mount: \"agents.-1\" }\n"
              "includes { path: \"b\" mount: \"agents.-1\" }\n"
              "includes { path: \"t\" mount: \"agents.0\" }\n"
              "test_all_kinds { agents { name: \"body\" } }\n");
  ASSERT_COMPOSES(composed, "conf/x/cfg.prototxt");
  const TestAllKindsTask& task = Root(*composed).test_all_kinds();
  ASSERT_EQ(task.agents_size(), 3);
  EXPECT_EQ(task.agents(0).name(), "a");
  EXPECT_EQ(task.agents(0).temperature(), 9);
  EXPECT_EQ(task.agents(1).name(), "b");
  EXPECT_EQ(task.agents(2).name(), "body");
}

TEST_F(Composition, NestedIncludesAreResolvedRelativeToTheIncludedFile) {
  tree_.Write("conf/common/agents/searcher.prototxt",
              "includes { path: \"helper\" mount: \"backup\" }\nname: \"searcher\"\n");
  tree_.Write("conf/common/agents/helper.prototxt",
              "includes { path: \"deeper/leaf\" mount: \"backup\" }\nname: \"helper\"\n");
  tree_.Write("conf/common/agents/deeper/leaf.prototxt", "name: \"leaf\"\n");
  tree_.Write("conf/x/cfg.prototxt",
              "includes { path: \"agents/searcher\" mount: \"agent\" }\ntest_all_kinds { }\n");
  ASSERT_COMPOSES(composed, "conf/x/cfg.prototxt");
  const TestAgent& agent = Root(*composed).test_all_kinds().agent();
  EXPECT_EQ(agent.name(), "searcher");
  EXPECT_EQ(agent.backup().name(), "helper");
  EXPECT_EQ(agent.backup().backup().name(), "leaf");
  EXPECT_EQ(agent.includes_size(), 0);
  EXPECT_EQ(agent.backup().includes_size(), 0);
}

TEST_F(Composition, IncludesAreClearedAfterComposition) {
  tree_.Write("conf/x/a.prototxt", "i32: 1");
  tree_.Write("conf/x/cfg.prototxt", "includes { path: \"a\" mount: \"\" }\ntest_all_kinds { }\n");
  ASSERT_COMPOSES(composed, "conf/x/cfg.prototxt");
  EXPECT_EQ(Root(*composed).includes_size(), 0);
}

TEST_F(Composition, IncludesInsideTheBodyOfAnyMessageTypeAreExpanded) {
  tree_.Write("conf/common/agents/random.prototxt", "name: \"random\" temperature: 4\n");
  tree_.Write("conf/x/cfg.prototxt",
              "test_all_kinds {\n"
              "  agent { includes { path: \"agents/random\" mount: \"backup\" } name: \"a\" }\n"
              "  agents { includes { path: \"agents/random\" mount: \"\" } temperature: 5 }\n"
              "}\n");
  ASSERT_COMPOSES(composed, "conf/x/cfg.prototxt");
  const TestAllKindsTask& task = Root(*composed).test_all_kinds();
  EXPECT_EQ(task.agent().backup().name(), "random");
  EXPECT_EQ(task.agent().includes_size(), 0);
  EXPECT_EQ(task.agents(0).name(), "random");
  EXPECT_EQ(task.agents(0).temperature(), 5);  // the body wins over its includes
}

TEST_F(Composition, IncludeCycleIsAnErrorNamingTheCycle) {
  tree_.Write("conf/common/agents/a.prototxt", "includes { path: \"b\" mount: \"backup\" }\n");
  tree_.Write("conf/common/agents/b.prototxt", "includes { path: \"a\" mount: \"backup\" }\n");
  tree_.Write("conf/x/cfg.prototxt",
              "includes { path: \"agents/a\" mount: \"agent\" }\ntest_all_kinds { }\n");
  const std::string error = Error("conf/x/cfg.prototxt");
  EXPECT_THAT(error, HasSubstr("include cycle: " + tree_.Path("conf/common/agents/a.prototxt") +
                               " -> " + tree_.Path("conf/common/agents/b.prototxt") + " -> " +
                               tree_.Path("conf/common/agents/a.prototxt")));
  EXPECT_THAT(error, StartsWith(tree_.Path("conf/common/agents/b.prototxt") + ":1:"));
}

TEST_F(Composition, ParseErrorInANestedIncludeNamesFileLineColumnAndTheIncludeChain) {
  tree_.Write("conf/common/agents/outer.prototxt",
              "name: \"outer\"\nincludes { path: \"inner\" mount: \"backup\" }\n");
  tree_.Write("conf/common/agents/inner.prototxt", "name: \"inner\"\n  temprature: 1\n");
  tree_.Write("conf/x/cfg.prototxt",
              "test_all_kinds { }\n\nincludes { path: \"agents/outer\" mount: \"agent\" }\n");
  const std::string error = Error("conf/x/cfg.prototxt");
  EXPECT_EQ(error,
            tree_.Path("conf/common/agents/inner.prototxt") +
                ":2:3: Message type \"TestAgent\" has no field named \"temprature\"; did you "
                "mean: temperature, name, random, includes, refs\n"
                "  while including " +
                tree_.Path("conf/common/agents/inner.prototxt") + " (mount backup) from " +
                tree_.Path("conf/common/agents/outer.prototxt") +
                ":2\n"
                "  while including " +
                tree_.Path("conf/common/agents/outer.prototxt") + " (mount agent) from " +
                tree_.Path("conf/x/cfg.prototxt") + ":3");
}

TEST_F(Composition, UnknownIncludeErrorIsLocatedAndListsTheKnownNames) {
  tree_.Write("conf/common/launcher/local.prototxt", "local {}");
  tree_.Write("conf/common/launcher/slurm.prototxt", "slurm {}");
  tree_.Write("conf/x/cfg.prototxt",
              "train { }\nincludes { mount: \"launcher\" path: \"slrum\" }\n");
  const std::string error = Error("conf/x/cfg.prototxt");
  EXPECT_THAT(error, StartsWith(tree_.Path("conf/x/cfg.prototxt") + ":2:30: include \"slrum\""));
  EXPECT_THAT(error, HasSubstr("known names: cfg, local, slurm"));
  EXPECT_THAT(error, HasSubstr("closest: slurm"));
}

TEST_F(Composition, AnIncludeWithoutAPathIsAnErrorAtTheInclude) {
  tree_.Write("conf/x/cfg.prototxt", "train { }\n  includes { mount: \"launcher\" }\n");
  EXPECT_EQ(Error("conf/x/cfg.prototxt"), tree_.Path("conf/x/cfg.prototxt") +
                                              ":2:3: include with an empty path (mount "
                                              "\"launcher\")");
}

TEST_F(Composition, AnAbsoluteIncludeOfAFolderSaysItIsAFolder) {
  tree_.Write("conf/x/folder/keep", "");
  tree_.Write("conf/x/cfg.prototxt", "train { }\nincludes { path: \"" +
                                         tree_.Path("conf/x/folder") + "\" mount: \"\" }\n");
  EXPECT_THAT(Error("conf/x/cfg.prototxt"),
              HasSubstr(":2:12: include \"" + tree_.Path("conf/x/folder") +
                        "\" (mount \"\"): a folder, not a config file"));
}

TEST_F(Composition, BadMountIsAnErrorAtTheMountLocation) {
  tree_.Write("conf/x/a.prototxt", "");
  tree_.Write("conf/x/cfg.prototxt",
              "train { }\nincludes { path: \"a\"\n  mount: \"lanucher\" }\n");
  const std::string error = Error("conf/x/cfg.prototxt");
  EXPECT_THAT(error, StartsWith(tree_.Path("conf/x/cfg.prototxt") + ":3:3: mount \"lanucher\""));
}

TEST_F(Composition, AConfRootThatIsNoFolderIsAnErrorNamingHowItWasGiven) {
  tree_.Write("conf/x/cfg.prototxt", "train { }\n");
  LoadOptions options;
  options.root_type = MetaCfg::descriptor();
  options.conf_root = tree_.Path("nope");
  absl::StatusOr<Composed> composed = LoadConfig(tree_.Path("conf/x/cfg.prototxt"), {}, options);
  ASSERT_FALSE(composed.ok());
  EXPECT_THAT(std::string(composed.status().message()),
              StartsWith("conf_root " + tree_.Path("nope") + ": no such folder"));
  ScopedEnv conf_root("HH_CONF_ROOT", tree_.Path("conf/x/cfg.prototxt"));
  EXPECT_THAT(Error("conf/x/cfg.prototxt"),
              StartsWith("HH_CONF_ROOT=" + tree_.Path("conf/x/cfg.prototxt") + ": not a folder"));
  conf_root.Set(tree_.Path("conf"));
  EXPECT_TRUE(Compose("conf/x/cfg.prototxt").ok());
}

TEST_F(Composition, NoTaskSelectedErrorListsTheTaskNames) {
  tree_.Write("conf/x/cfg.prototxt", "# nothing\n");
  EXPECT_EQ(Error("conf/x/cfg.prototxt"),
            tree_.Path("conf/x/cfg.prototxt") +
                ": no task selected: the config must set one of MetaCfg's tasks: train, eval, "
                "test_sleep, test_all_kinds (e.g. `train { }`)");
}

TEST_F(Composition, IncludeOverridesAreAppliedBeforeScalarOverridesWhateverTheirOrder) {
  tree_.Write("conf/common/agents/a.prototxt", "name: \"from-include\" temperature: 2\n");
  tree_.Write("conf/x/cfg.prototxt", "test_all_kinds { }\n");
  ASSERT_COMPOSES(composed, "conf/x/cfg.prototxt", {"agent.name=cli", "Iagent=agents/a"});
  EXPECT_EQ(Root(*composed).test_all_kinds().agent().name(), "cli");
  EXPECT_EQ(Root(*composed).test_all_kinds().agent().temperature(), 2);
}

TEST_F(Composition, IncludeOverridesComeAfterTheFileBody) {
  tree_.Write("conf/common/launcher/slurm.prototxt", "slurm { num_gpus: 8 }\n");
  tree_.Write("conf/x/cfg.prototxt", "train { launcher { slurm { num_gpus: 1 hours: 3 } } }\n");
  ASSERT_COMPOSES(composed, "conf/x/cfg.prototxt", {"Ilauncher=slurm"});
  EXPECT_EQ(Root(*composed).train().launcher().slurm().num_gpus(), 8);
  EXPECT_EQ(Root(*composed).train().launcher().slurm().hours(), 3);
}

TEST_F(Composition, IncludeOverrideIsResolvedWithTheFoldersOfItsMount) {
  tree_.Write("conf/common/launcher/slurm.prototxt", "slurm { num_gpus: 2 }\n");
  tree_.Write("conf/x/cfg.prototxt", "train { }\n");
  ASSERT_COMPOSES(composed, "conf/x/cfg.prototxt", {"--Ilauncher=slurm"});
  EXPECT_EQ(Root(*composed).train().launcher().slurm().num_gpus(), 2);
}

TEST_F(Composition, IncludeOverrideWithAnEmptyOrDotMountMeansTheTaskRoot) {
  tree_.Write("conf/x/chunk.prototxt", "batch_size: 7\n");
  tree_.Write("conf/x/cfg.prototxt", "train { }\n");
  ASSERT_COMPOSES(empty, "conf/x/cfg.prototxt", {"I=chunk"});
  EXPECT_EQ(Root(*empty).train().batch_size(), 7);
  ASSERT_COMPOSES(dot, "conf/x/cfg.prototxt", {"I.=chunk"});
  EXPECT_EQ(Root(*dot).train().batch_size(), 7);
}

TEST_F(Composition, ScalarOverrideKeysAreRelativeToTheTaskMessage) {
  tree_.Write("conf/x/cfg.prototxt", "train { batch_size: 1 }\n");
  ASSERT_COMPOSES(composed, "conf/x/cfg.prototxt", {"batch_size=200", "lr=0.5"});
  EXPECT_EQ(Root(*composed).train().batch_size(), 200);
  EXPECT_EQ(Root(*composed).train().lr(), 0.5f);
}

TEST_F(Composition, OverrideKeysMayNameTheOneofTheyPassThroughAsInHeyHi) {
  tree_.Write("conf/x/cfg.prototxt", "train { transformer { num_heads: 2 } }\n");
  ASSERT_COMPOSES(set, "conf/x/cfg.prototxt", {"encoder.transformer.num_heads=9"});
  EXPECT_EQ(Root(*set).train().transformer().num_heads(), 9);
  EXPECT_EQ(set->provenance->Explain("transformer.num_heads"),
            "transformer.num_heads: override encoder.transformer.num_heads=9");
  ASSERT_COMPOSES(cleared, "conf/x/cfg.prototxt", {"encoder.transformer=NULL"});
  EXPECT_EQ(Root(*cleared).train().encoder_case(), TrainTask::ENCODER_NOT_SET);
}

TEST_F(Composition, OverrideErrorsNameTheToken) {
  tree_.Write("conf/x/cfg.prototxt", "train { }\n");
  EXPECT_THAT(
      Error("conf/x/cfg.prototxt", {"Ilauncher=nope"}),
      StartsWith("override Ilauncher=nope: include \"nope\" (mount \"launcher\") not found"));
  EXPECT_THAT(Error("conf/x/cfg.prototxt", {"batch_sise=3"}),
              StartsWith("override batch_sise=3: "));
}

TEST_F(Composition, ParseErrorInAnIncludeOverrideNamesTheToken) {
  tree_.Write("conf/x/bad.prototxt", "nope: 1\n");
  tree_.Write("conf/x/cfg.prototxt", "train { }\n");
  EXPECT_THAT(Error("conf/x/cfg.prototxt", {"Ilauncher=bad"}),
              HasSubstr("bad.prototxt:1:1: Message type \"heyhi.Launcher\" has no field named "
                        "\"nope\"; did you mean: local, slurm\n  while including " +
                        tree_.Path("conf/x/bad.prototxt") + " (include override Ilauncher=bad)"));
}

TEST_F(Composition, RootDirIsTheProjectRootInIncludedFilesToo) {
  tree_.Write("conf/x/a.prototxt", "str: \"{{ROOT_DIR}}/data\"\n");
  tree_.Write("conf/x/cfg.prototxt", "includes { path: \"a\" mount: \"\" }\ntest_all_kinds {}\n");
  ASSERT_COMPOSES(composed, "conf/x/cfg.prototxt");
  EXPECT_EQ(Root(*composed).test_all_kinds().str(), tree_.root() + "/data");
}

TEST_F(Composition, AFileOfAnotherTypeIsComposedWithoutTaskPrefix) {
  tree_.Write("conf/common/agents/random.prototxt", "name: \"random\"\n");
  tree_.Write("conf/common/agents/s.prototxt",
              "includes { path: \"random\" mount: \"backup\" }\nrollouts: 3\n");
  LoadOptions options;
  options.type = TestAgent::descriptor();
  options.root_type = MetaCfg::descriptor();
  absl::StatusOr<Composed> composed =
      LoadConfig(tree_.Path("conf/common/agents/s.prototxt"), {"name=x"}, options);
  ASSERT_TRUE(composed.ok()) << composed.status();
  const TestAgent& agent = dynamic_cast<const TestAgent&>(*composed->task);
  EXPECT_EQ(agent.name(), "x");
  EXPECT_EQ(agent.backup().name(), "random");
  EXPECT_EQ(composed->task_name, "");
}

TEST_F(Composition, TypeIsGuessedRootFirstThenTheOneTypeThatParses) {
  const std::string root = tree_.Write("conf/x/cfg.prototxt", "train { }\n");
  const std::string mlp = tree_.Write("conf/x/mlp.prototxt", "hidden_dim: 3 num_layers: 1\n");
  const std::string both = tree_.Write("conf/x/both.prototxt", "dropout: 0.5\n");
  EXPECT_EQ(*GuessConfigType(root, MetaCfg::descriptor()), MetaCfg::descriptor());
  EXPECT_EQ(*GuessConfigType(mlp, MetaCfg::descriptor()), Mlp::descriptor());
  absl::StatusOr<const google::protobuf::Descriptor*> ambiguous =
      GuessConfigType(both, MetaCfg::descriptor());
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_THAT(std::string(ambiguous.status().message()),
              HasSubstr("ambiguous: it parses as Mlp, Conv, Transformer; choose one with --type"));
  const std::string none = tree_.Write("conf/x/none.prototxt", "no_such_field: 1\n");
  EXPECT_THAT(std::string(GuessConfigType(none, MetaCfg::descriptor()).status().message()),
              HasSubstr("give its type with --type"));
}

TEST_F(Composition, TheResultIsFrozenTasksGetConstAccessOnly) {
  static_assert(std::is_same_v<decltype(Composed::task), const google::protobuf::Message*>,
                "the task message is handed out read-only");
  tree_.Write("conf/x/cfg.prototxt", "train { }\n");
  ASSERT_COMPOSES(composed, "conf/x/cfg.prototxt");
  EXPECT_EQ(composed->task, &Root(*composed).train());
}

TEST_F(Composition, RootMessageIsFoundByNameInTheFileOrItsImports) {
  EXPECT_EQ(FindRootMessage(MetaCfg::descriptor()->file()), MetaCfg::descriptor());
  EXPECT_EQ(FindRootMessage(heyhi::Launcher::descriptor()->file()), nullptr);
  EXPECT_EQ(FindRootMessage(MetaCfg::descriptor()->file(), "Launcher"),
            heyhi::Launcher::descriptor());
}

TEST_F(Composition, IncludesFieldNeedsStringPathAndMount) {
  EXPECT_NE(IncludesField(MetaCfg::descriptor()), nullptr);
  EXPECT_NE(IncludesField(TestAgent::descriptor()), nullptr);
  EXPECT_EQ(IncludesField(TrainTask::descriptor()), nullptr);
}

TEST_F(Composition, ExplainNamesFileLineIncludeChainAndOverrideToken) {
  tree_.Write("conf/common/agents/random.prototxt", "name: \"random\"\n\ntemperature: 2\n");
  tree_.Write("conf/common/agents/s.prototxt",
              "includes { path: \"random\" mount: \"backup\" }\nrollouts: 3\n");
  tree_.Write("conf/x/cfg.prototxt",
              "includes { path: \"agents/s\" mount: \"agent\" }\n"
              "test_all_kinds {\n  i32: 1\n  ints: [1, 2]\n}\n");
  ASSERT_COMPOSES(composed, "conf/x/cfg.prototxt", {"i64=5", "ints.-1=3"});
  const std::string cfg = tree_.Path("conf/x/cfg.prototxt");
  const std::string s = tree_.Path("conf/common/agents/s.prototxt");
  const std::string random = tree_.Path("conf/common/agents/random.prototxt");
  EXPECT_EQ(composed->provenance->Explain("i32"), "i32: " + cfg + ":3");
  EXPECT_EQ(composed->provenance->Explain("i64"), "i64: override i64=5");
  EXPECT_EQ(composed->provenance->Explain("ints"),
            "ints.0: " + cfg + ":4\nints.1: " + cfg + ":4\nints.2: override ints.-1=3");
  EXPECT_EQ(composed->provenance->Explain("agent.rollouts"),
            "agent.rollouts: " + s + ":2 (included at mount agent from " + cfg + ":1)");
  EXPECT_EQ(composed->provenance->Explain("agent.backup.temperature"),
            "agent.backup.temperature: " + random + ":3 (included at mount backup from " + s +
                ":1, included at mount agent from " + cfg + ":1)");
  absl::StatusOr<std::string> explained = ExplainKey(*composed, "agent.backup.temperature");
  ASSERT_TRUE(explained.ok()) << explained.status();
  EXPECT_THAT(*explained, StartsWith("agent.backup.temperature = 2\n"));
}

TEST_F(Composition, ExplainForgetsValuesThatWereReplacedOrCleared) {
  tree_.Write("conf/common/encoders/conv.prototxt", "channels: 3\n");
  tree_.Write("conf/x/cfg.prototxt",
              "includes { path: \"encoders/conv\" mount: \"conv\" }\n"
              "train { mlp { hidden_dim: 1 } }\n");
  ASSERT_COMPOSES(composed, "conf/x/cfg.prototxt", {"mlp.hidden_dim=NULL"});
  EXPECT_EQ(composed->provenance->Explain("conv.channels"), "");  // switched away
  absl::StatusOr<std::string> explained = ExplainKey(*composed, "mlp.hidden_dim");
  ASSERT_TRUE(explained.ok()) << explained.status();
  EXPECT_EQ(*explained,
            "mlp.hidden_dim = 256\nmlp.hidden_dim: default (not set by any file or "
            "override)\n");
}

}  // namespace
}  // namespace heyhi
