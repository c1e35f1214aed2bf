// Tests of the `pp` tool (SPEC §5): the real binary on real files.
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "conf.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "heyhi/base/shell_quote.h"
#include "heyhi/base/subprocess.h"
#include "heyhi/config.h"
#include "heyhi/config/printer.h"
#include "heyhi/config/text_loader.h"
#include "scoped_env.h"
#include "temp_tree.h"
#include "test_schema.pb.h"

namespace heyhi {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

struct PpResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string Quote(const std::string& arg) {
  std::string quoted = "'";
  for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string Source(const std::string& relative) {
  return std::string(HEYHI_SOURCE_DIR) + "/" + relative;
}

class Pp : public ::testing::Test {
 protected:
  // Runs build/pp with `args` from the source folder, capturing its output.
  PpResult RunPp(const std::vector<std::string>& args) {
    std::string command = absl::StrCat("cd ", Quote(HEYHI_SOURCE_DIR), " && ",
                                       Quote(std::string(HEYHI_BINARY_DIR) + "/pp"));
    for (const std::string& arg : args) absl::StrAppend(&command, " ", Quote(arg));
    absl::StrAppend(&command, " >", Quote(tree_.Path("out")), " 2>", Quote(tree_.Path("err")));
    const int status = std::system(command.c_str());
    PpResult run;
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.out = tree_.Read("out");
    run.err = tree_.Read("err");
    return run;
  }

  std::string CompiledInText(const std::string& config, const std::vector<std::string>& overrides) {
    LoadOptions options;
    options.root_type = MetaCfg::descriptor();
    absl::StatusOr<Composed> composed = LoadConfig(Source(config), overrides, options);
    EXPECT_TRUE(composed.ok()) << composed.status();
    return composed.ok() ? PrintText(*composed->task) : "";
  }

  ScopedEnv no_conf_root_{"HH_CONF_ROOT", std::nullopt};  // for pp too
  TempTree tree_;
  ScopedEnv cache_home_{"XDG_CACHE_HOME", tree_.Path("cache")};
  ScopedEnv cache_on_{"HH_NO_CACHE", std::nullopt};
};

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

TEST_F(Pp, PrintsTheComposedTaskMessageByDefault) {
  PpResult run = RunPp({"conf/c02_sup_train/sl.prototxt"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, CompiledInText("conf/c02_sup_train/sl.prototxt", {}));
  EXPECT_THAT(run.out, HasSubstr("batch_size: 128"));
  EXPECT_THAT(run.out, HasSubstr("conv {"));
  EXPECT_THAT(run.out, HasSubstr("launcher {"));
  EXPECT_THAT(run.out, Not(HasSubstr("train {")));  // the task message, not the root
  EXPECT_EQ(RunPp({"conf/c02_sup_train/sl.prototxt", "--print"}).out, run.out);
}

TEST_F(Pp, PreviewsAGridOneLinePerMemberWithItsSig) {
  PpResult run = RunPp({"conf/grids/mlp_lr.prototxt"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("lr=0.1 batch_size=64\n"));
  EXPECT_THAT(run.out, HasSubstr("4 member(s), 4 experiment(s), grid mlp_lr"));
  // An override on top of every member folds the lr axis: its members repeat.
  PpResult folded = RunPp({"conf/grids/mlp_lr.prototxt", "lr=3"});
  ASSERT_EQ(folded.exit_code, 0) << folded.err;
  EXPECT_THAT(folded.out, HasSubstr("(= member 1)"));
  EXPECT_THAT(folded.out, HasSubstr("4 member(s), 2 experiment(s)"));
  PpResult bad = RunPp({"conf/grids/mlp_lr.prototxt", "lr=x"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("member 1"));
}

TEST_F(Pp, PrintFlatShowsScalarAndIncludeOverrides) {
  PpResult run = RunPp(
      {"conf/c02_sup_train/sl.prototxt", "--print-flat", "batch_size=200", "Ilauncher=slurm"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::vector<std::string> lines = Lines(run.out);
  EXPECT_THAT(lines, ::testing::Contains("batch_size=200"));
  EXPECT_THAT(lines, ::testing::Contains("launcher.slurm.num_gpus=1"));
  EXPECT_THAT(run.out, Not(HasSubstr("launcher.local")));
  EXPECT_TRUE(std::is_sorted(lines.begin(), lines.end()));
}

TEST_F(Pp, PrintFlatAllIncludesDefaults) {
  PpResult run = RunPp({"conf/c02_sup_train/sl.prototxt", "--print-flat-all"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(Lines(run.out), ::testing::Contains("num_threads=0"));
  EXPECT_THAT(Lines(run.out), ::testing::Contains("batch_size=128"));
}

TEST_F(Pp, ExplainPrintsTheValueAndWhereItCameFrom) {
  PpResult run = RunPp({"conf/c02_sup_train/sl.prototxt", "--explain", "conv.channels"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out,
            "conv.channels = 32\nconv.channels: conf/common/encoders/conv.prototxt:2 (included "
            "at mount encoder.conv from conf/c02_sup_train/sl.prototxt:4)\n");
  run = RunPp({"conf/c02_sup_train/sl.prototxt", "--explain=batch_size", "batch_size=3"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "batch_size = 3\nbatch_size: override batch_size=3\n");
}

TEST_F(Pp, ExplainShowsTheWrittenAndTheResolvedPathOfAReferencePath) {
  tree_.Write("ref/models/base.pt", "weights");
  ScopedEnv reference("HH_REFERENCE_DIR", tree_.Path("ref"));
  ScopedEnv no_cluster("HH_CLUSTER", std::nullopt);
  ScopedEnv no_env("HH_ENV", std::nullopt);
  PpResult run = RunPp({"conf/c01_eval/eval.prototxt", "--explain", "checkpoint",
                        "checkpoint=//reference/models/base.pt"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, absl::StrCat("checkpoint = //reference/models/base.pt\n"
                                  "checkpoint: override checkpoint=//reference/models/base.pt\n"
                                  "checkpoint: \"//reference/models/base.pt\" resolves to ",
                                  tree_.Path("ref/models/base.pt"),
                                  " (reference dir from HH_REFERENCE_DIR)\n"));
  // Asked about the whole message, every prefixed path under it.
  run = RunPp({"conf/c01_eval/eval.prototxt", "--explain", "data", "data.dir=//reference/missing"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out,
              HasSubstr(absl::StrCat("data.dir: \"//reference/missing\" does not resolve: "
                                     "'//reference/missing' is ",
                                     tree_.Path("ref/missing"), ", which does not exist")));
}

TEST_F(Pp, ExplainOfASigPathSaysRunResolvesIt) {
  PpResult run = RunPp(
      {"conf/c01_eval/eval.prototxt", "--explain", "checkpoint", "checkpoint=//sig/abcd/c.pt"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("checkpoint: \"//sig/abcd/c.pt\" is resolved by run, when the "
                                 "task asks: pp does not read the XP index"));
}

TEST_F(Pp, DescribePrintsDocTypeDefaultAndCurrentValue) {
  PpResult run = RunPp({"conf/c02_sup_train/sl.prototxt", "--describe", "batch_size"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("Global batch size"));
  EXPECT_THAT(run.out, HasSubstr("optional int32"));
  EXPECT_THAT(run.out, HasSubstr("default:  128"));
  EXPECT_THAT(run.out, HasSubstr("value:    128"));
  run = RunPp({"conf/c02_sup_train/sl.prototxt", "--describe", "optimizer", "optimizer=ADAM"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("Optimizer algorithm"));
  EXPECT_THAT(run.out, HasSubstr("SGD, ADAM"));
  EXPECT_THAT(run.out, HasSubstr("value:    ADAM"));
  run = RunPp({"conf/c02_sup_train/sl.prototxt", "--describe", "batch_sise"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("batch_size"));
  EXPECT_THAT(run.err, StartsWith("pp: --describe batch_sise: TrainTask has no field"));
}

TEST_F(Pp, AFlagMayHaveAnyNumberOfDashesAndDashesOrUnderscores) {
  const std::string expected = RunPp({"conf/c02_sup_train/sl.prototxt", "--print-flat"}).out;
  EXPECT_EQ(RunPp({"conf/c02_sup_train/sl.prototxt", "-print_flat"}).out, expected);
  EXPECT_EQ(RunPp({"conf/c02_sup_train/sl.prototxt", "--print_flat=true"}).out, expected);
}

TEST_F(Pp, ATokenThatDoesNotNameAPpFlagIsAnOverride) {
  PpResult run =
      RunPp({"conf/c02_sup_train/sl.prototxt", "--checkpoint=other.pt", "--print-flat", "-seed=3"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(Lines(run.out), ::testing::Contains("checkpoint=other.pt"));
  EXPECT_THAT(Lines(run.out), ::testing::Contains("seed=3"));
  // A prefix of a pp flag is not that flag.
  run = RunPp({"conf/c02_sup_train/sl.prototxt", "--print-fl"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("print-fl"));
}

TEST_F(Pp, BadOverrideExitsOneWithTheMessageOnStderr) {
  PpResult run = RunPp({"conf/c02_sup_train/sl.prototxt", "batch_size=abc"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.out, IsEmpty());
  EXPECT_THAT(run.err, StartsWith("pp: override batch_size=abc: "));
}

TEST_F(Pp, BadConfigExitsOne) {
  tree_.Write("conf/bad.prototxt", "train { batch_size: x }\n");
  PpResult run = RunPp({tree_.Path("conf/bad.prototxt")});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr(tree_.Path("conf/bad.prototxt") + ":1:21: Expected integer"));
  EXPECT_EQ(RunPp({"conf/no/such.prototxt"}).exit_code, 1);
}

TEST_F(Pp, BadUsageExitsTwo) {
  EXPECT_EQ(RunPp({}).exit_code, 2);
  EXPECT_EQ(RunPp({"conf/c02_sup_train/sl.prototxt", "--print", "--print-flat"}).exit_code, 2);
  EXPECT_EQ(RunPp({"conf/c02_sup_train/sl.prototxt", "--type", "NoSuchType"}).exit_code, 2);
  EXPECT_EQ(RunPp({"conf/c02_sup_train/sl.prototxt", "--explain"}).exit_code, 2);
  EXPECT_EQ(RunPp({"conf/c02_sup_train/sl.prototxt", "--print=maybe"}).exit_code, 2);
  EXPECT_EQ(RunPp({"conf/c02_sup_train/sl.prototxt", "--proto_path", "/tmp"}).exit_code, 2);
  PpResult run = RunPp({"conf/c02_sup_train/sl.prototxt", "--type", "NoSuchType"});
  EXPECT_THAT(run.err, HasSubstr("the schema has: "));
  EXPECT_THAT(run.err, HasSubstr("usage: pp FILE"));
}

TEST_F(Pp, ThePartialFileTypeIsGuessedOrGivenWithType) {
  PpResult run = RunPp({"conf/common/launcher/slurm.prototxt", "--print-flat"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(Lines(run.out), ::testing::Contains("slurm.num_gpus=1"));
  run = RunPp({"conf/common/agents/searcher.prototxt", "--print-flat", "temperature=2"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(Lines(run.out), ::testing::Contains("backup.name=random"));
  EXPECT_THAT(Lines(run.out), ::testing::Contains("temperature=2"));

  tree_.Write("conf/common/encoders/drop.prototxt", "dropout: 0.5\n");
  run = RunPp({tree_.Path("conf/common/encoders/drop.prototxt")});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("parses as Mlp, Conv, Transformer"));
  run = RunPp({tree_.Path("conf/common/encoders/drop.prototxt"), "--type", "Conv", "--print-flat"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "dropout=0.5\n");
}

TEST_F(Pp, IncludeDirAndConfRootFlags) {
  tree_.Write("extra/launcher/far.prototxt", "slurm { num_gpus: 3 }\n");
  PpResult run = RunPp({"conf/c02_sup_train/sl.prototxt", "Ilauncher=far", "--include_dir",
                        tree_.Path("extra"), "--print-flat"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(Lines(run.out), ::testing::Contains("launcher.slurm.num_gpus=3"));

  tree_.Write("myconf/common/launcher/local.prototxt", "local { num_procs: 5 }\n");
  tree_.Write("myconf/common/encoders/conv.prototxt", "channels: 9\n");
  run = RunPp(
      {"conf/c02_sup_train/sl.prototxt", "--conf_root", tree_.Path("myconf"), "--print-flat"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(Lines(run.out), ::testing::Contains("launcher.local.num_procs=5"));
  EXPECT_THAT(Lines(run.out), ::testing::Contains("conv.channels=9"));
}

TEST_F(Pp, LoadedSchemaGivesTheSameOutputAsTheCompiledInOne) {
  tree_.Write("schema/x.proto", *ReadFileToString(Source("proto/conf.proto")));
  const std::vector<std::string> loaded_flags = {"--proto_path", tree_.Path("schema"), "--schema",
                                                 "x.proto"};
  for (const std::string config :
       {"conf/c02_sup_train/sl.prototxt", "conf/c90_test/all_kinds.prototxt",
        "conf/c01_eval/eval.prototxt", "conf/common/encoders/mlp.prototxt"}) {
    const bool root = config.find("common") == std::string::npos;
    for (const std::string mode : {"--print", "--print-flat", "--print-flat-all"}) {
      std::vector<std::string> args = {config, mode};
      if (root) args.push_back("Ilauncher=slurm_8gpus");
      const PpResult compiled = RunPp(args);
      args.insert(args.end(), loaded_flags.begin(), loaded_flags.end());
      const PpResult loaded = RunPp(args);
      ASSERT_EQ(compiled.exit_code, 0) << config << mode << compiled.err;
      ASSERT_EQ(loaded.exit_code, 0) << config << mode << loaded.err;
      EXPECT_EQ(loaded.out, compiled.out) << config << " " << mode;
    }
  }
}

TEST_F(Pp, LoadedLegacySchemaGivesTheSameOutputAsCompiledIn) {
  tree_.Write("schema/legacy.proto", *ReadFileToString(Source("tests/proto/test_schema.proto")));
  tree_.Write("conf/common/agents/searchbot.prototxt",
              "name: \"searchbot\"\noptim { lr: 0.5 warmup_epochs: 2 }\n");
  const std::string config = tree_.Write(
      "conf/c01_ag_cmp/cmp.prototxt",
      "includes {path: \"agents/searchbot\"; mount: \"agent_one\";}\ncompare_agents { seed: 1 }\n");
  PpResult loaded =
      RunPp({config, "agent_one.optim.grad_clip=2", "--schema", tree_.Path("schema/legacy.proto")});
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
  LoadOptions options;
  options.root_type = legacy::MetaCfg::descriptor();
  absl::StatusOr<Composed> compiled = LoadConfig(config, {"agent_one.optim.grad_clip=2"}, options);
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  EXPECT_EQ(loaded.out, PrintText(*compiled->task));
  EXPECT_THAT(loaded.out, HasSubstr("searchbot"));
}

TEST_F(Pp, SchemaErrorsExitOne) {
  tree_.Write("schema/bad.proto", "syntax = \"proto2\";\nmessage {\n");
  PpResult run = RunPp({"conf/c02_sup_train/sl.prototxt", "--proto_path", tree_.Path("schema"),
                        "--schema", "bad.proto"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("bad.proto:2:"));
}

// The inode of each file of the folder: a cache file rewritten gets a new one.
std::map<std::string, ino_t> Inodes(const std::string& folder) {
  std::map<std::string, ino_t> inodes;
  std::error_code error;
  if (!std::filesystem::exists(folder, error)) return inodes;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
    struct stat st;
    if (::stat(entry.path().c_str(), &st) == 0) inodes[entry.path().string()] = st.st_ino;
  }
  return inodes;
}

TEST_F(Pp, DescribeShowsDocCommentsOfARunTimeSchemaFromTheCache) {
  tree_.Write("schema/x.proto", *ReadFileToString(Source("proto/conf.proto")));
  const std::vector<std::string> loaded = {"conf/c02_sup_train/sl.prototxt", "--proto_path",
                                           tree_.Path("schema"), "--schema", "x.proto"};
  std::vector<std::string> flat = loaded, describe = loaded;
  flat.push_back("--print-flat");
  describe.insert(describe.end(), {"--describe", "batch_size"});
  ASSERT_EQ(RunPp(flat).exit_code, 0);  // a miss: parsed, stored
  const std::map<std::string, ino_t> stored = Inodes(tree_.Path("cache/heyhi"));
  ASSERT_EQ(stored.size(), 3u);  // index, set, comments
  PpResult run = RunPp(describe);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("Global batch size"));
  EXPECT_THAT(run.out, HasSubstr("value:    128"));
  EXPECT_EQ(Inodes(tree_.Path("cache/heyhi")), stored);  // a hit: nothing rewritten
  run = RunPp({"conf/c02_sup_train/sl.prototxt", "--describe", "batch_size"});
  EXPECT_EQ(RunPp(describe).out, run.out);  // as with the compiled-in schema
}

TEST_F(Pp, NoCacheFlagAndHhNoCacheNeverWriteTheCache) {
  tree_.Write("schema/x.proto", *ReadFileToString(Source("proto/conf.proto")));
  const std::vector<std::string> loaded = {"conf/c02_sup_train/sl.prototxt", "--proto_path",
                                           tree_.Path("schema"), "--schema", "x.proto"};
  std::vector<std::string> no_cache = loaded;
  no_cache.push_back("--no_cache");
  PpResult run = RunPp(no_cache);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(Inodes(tree_.Path("cache")).empty());
  {
    ScopedEnv off("HH_NO_CACHE", "1");
    PpResult off_run = RunPp(loaded);
    ASSERT_EQ(off_run.exit_code, 0) << off_run.err;
    EXPECT_EQ(off_run.out, run.out);
    EXPECT_TRUE(Inodes(tree_.Path("cache")).empty());
  }
  EXPECT_EQ(RunPp(loaded).out, run.out);
  EXPECT_EQ(Inodes(tree_.Path("cache/heyhi")).size(), 3u);  // without them it is written
}

TEST_F(Pp, AnUnwritableCacheFolderIsIgnoredSilently) {
  tree_.Write("schema/x.proto", *ReadFileToString(Source("proto/conf.proto")));
  tree_.Write("file-not-dir", "");
  ScopedEnv unwritable("XDG_CACHE_HOME", tree_.Path("file-not-dir/sub"));
  PpResult run = RunPp({"conf/c02_sup_train/sl.prototxt", "--proto_path", tree_.Path("schema"),
                        "--schema", "x.proto"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(run.out, CompiledInText("conf/c02_sup_train/sl.prototxt", {}));
}

TEST_F(Pp, RepeatPrintsPerPhaseTimesOnStderrAndTheOutputOnceOnStdout) {
  PpResult run = RunPp({"--repeat", "3", "conf/c02_sup_train/sl.prototxt"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, CompiledInText("conf/c02_sup_train/sl.prototxt", {}));
  const std::vector<std::string> lines = Lines(run.err);
  ASSERT_EQ(lines.size(), 7u) << run.err;
  EXPECT_THAT(lines[0], StartsWith("pp --repeat 3: "));
  EXPECT_THAT(lines[1], ::testing::MatchesRegex(" *phase +min +median +max"));
  const std::vector<std::string> phases = {"load", "includes", "overrides", "print", "compose"};
  for (size_t i = 0; i < phases.size(); ++i) {
    EXPECT_THAT(lines[i + 2], ::testing::MatchesRegex(" *" + phases[i] + "( +[0-9]+\\.[0-9]){3}"));
  }
  // The same on a run-time schema, and with any mode.
  tree_.Write("schema/x.proto", *ReadFileToString(Source("proto/conf.proto")));
  run = RunPp({"conf/c02_sup_train/sl.prototxt", "--repeat=2", "--print-flat", "--proto_path",
               tree_.Path("schema"), "--schema", "x.proto"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, RunPp({"conf/c02_sup_train/sl.prototxt", "--print-flat"}).out);
  EXPECT_EQ(Lines(run.err).size(), 7u) << run.err;
}

TEST_F(Pp, RepeatNeedsAPositiveWholeNumber) {
  for (const std::string bad : {"0", "-1", "x", "1.5"}) {
    PpResult run = RunPp({"conf/c02_sup_train/sl.prototxt", "--repeat", bad});
    EXPECT_EQ(run.exit_code, 2) << bad;
    EXPECT_THAT(run.err, HasSubstr("--repeat " + bad + ": expected a whole number")) << bad;
  }
}

// Field references (SPEC §13) through the real binary: overrides, config
// refs and default_from on a schema loaded at run time, --explain's chain.
TEST_F(Pp, FieldReferencesResolveOnARunTimeSchemaAndExplainShowsTheirChain) {
  const std::string cfg = tree_.Write(
      "conf/x/cfg.prototxt", "refs { key: \"big\" from: \"c\" }\ntrain {\n  batch_size: 256\n}\n");
  const std::vector<std::string> schema = {"--proto_path", "tests/proto", "--schema",
                                           "refs_schema.proto"};
  std::vector<std::string> args = {cfg, "--print-flat", "a=5", "small=${batch_size}"};
  args.insert(args.end(), schema.begin(), schema.end());
  PpResult run = RunPp(args);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(Lines(run.out),
              ::testing::IsSupersetOf({"big=5", "b=5", "c=5", "small=256", "eval_batch_size=256"}));
  args = {cfg, "--explain", "big", "a=5"};
  args.insert(args.end(), schema.begin(), schema.end());
  run = RunPp(args);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out,
            "big = 5 (from c = 5, from b = 5, from a = 5, override a=5)\nbig: from c, refs at " +
                cfg + ":1\n");
  args = {cfg, "--explain", "eval_batch_size"};
  args.insert(args.end(), schema.begin(), schema.end());
  run = RunPp(args);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "eval_batch_size = 256 (from batch_size = 256, " + cfg +
                         ":3)\neval_batch_size: from batch_size, (heyhi.default_from) of "
                         "refs.TrainTask.eval_batch_size\n");
}

TEST_F(Pp, AReferenceCycleAndAReferenceTypeErrorExitOneNamingTheKeys) {
  const std::string cfg = tree_.Write("conf/x/cfg.prototxt", "train { }\n");
  PpResult run =
      RunPp({cfg, "a=${c}", "--proto_path", "tests/proto", "--schema", "refs_schema.proto"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("reference cycle: a -> c -> b -> a"));
  run = RunPp({"conf/c90_test/all_kinds.prototxt", "str=${i32}"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("override str=${i32}: 'str' is a string and 'i32' is an int32"));
}

TEST_F(Pp, ADefaultFromTypeErrorOfARunTimeSchemaNamesBothFieldsAndTheLine) {
  const std::string cfg = tree_.Write("conf/x/cfg.prototxt", "train { name: \"x\" }\n");
  PpResult run = RunPp({cfg, "--root", "TypeMismatchRoot", "--proto_path", "tests/proto",
                        "--schema", "refs_errors.proto", "--no_cache"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err,
              HasSubstr("refs_errors.proto:12: refs_errors.TypeMismatchTask.batch_size "
                        "[(heyhi.default_from) = \"name\"] (a path from "
                        "refs_errors.TypeMismatchTask): 'batch_size' is an int32 and 'name' is a "
                        "string"));
}

TEST_F(Pp, PrintFlatWritesATextThatStartsWithDollarBraceWithABackslash) {
  PpResult run =
      RunPp({"conf/c90_test/all_kinds.prototxt", "--print-flat", "str=\\${i32}", "i64=${i32}"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(Lines(run.out), ::testing::Contains("str='\\${i32}'"));
  EXPECT_THAT(Lines(run.out), ::testing::Contains("i64=-7"));
  // Pasted back through a shell, the lines give the same config.
  std::vector<std::string> again = {"conf/c90_test/all_kinds.prototxt", "--print-flat"};
  for (const std::string& line : Lines(run.out)) {
    absl::StatusOr<std::string> token = ShellUnquote(line);
    ASSERT_TRUE(token.ok()) << line;
    again.push_back(*token);
  }
  EXPECT_EQ(RunPp(again).out, run.out);
}

TEST_F(Pp, NothingIsCreated) {
  const std::string folder = tree_.Path("cwd");
  tree_.Write("cwd/.keep", "");
  const std::string command =
      absl::StrCat("cd ", Quote(folder), " && ", Quote(std::string(HEYHI_BINARY_DIR) + "/pp"), " ",
                   Quote(Source("conf/c02_sup_train/sl.prototxt")), " >/dev/null");
  ASSERT_EQ(std::system(command.c_str()), 0);
  int entries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    (void)entry;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

// The NEEDED entries of the ELF binary `path` (readelf -d).
std::vector<std::string> NeededLibraries(const std::string& path) {
  absl::StatusOr<ProgramResult> readelf = RunProgram({"readelf", "-d", path});
  if (!readelf.ok()) return {"readelf failed: " + std::string(readelf.status().message())};
  if (readelf->exit_code != 0) return {"readelf failed: " + readelf->err};
  std::vector<std::string> needed;
  for (absl::string_view line : absl::StrSplit(readelf->out, '\n')) {
    if (absl::StrContains(line, "(NEEDED)")) needed.emplace_back(line);
  }
  return needed;
}

// tools/link_static.sh: pp needs no shared protobuf, Abseil, OpenSSL or
// libstdc++, whose loading and symbol binding was most of its start; the
// test run binary no shared protobuf, Abseil or OpenSSL.
TEST(PpBinary, LinksProtobufAbseilOpensslAndLibstdcxxIn) {
#ifndef HEYHI_STATIC_LINK
  GTEST_SKIP() << "configured with HEYHI_STATIC_LINK=OFF";
#endif
  const std::vector<std::string> pp = NeededLibraries(std::string(HEYHI_BINARY_DIR) + "/pp");
  ASSERT_THAT(pp, Not(IsEmpty()));  // libc stays shared
  const std::vector<std::string> test_run =
      NeededLibraries(std::string(HEYHI_BINARY_DIR) + "/tests/heyhi_test_run");
  ASSERT_THAT(test_run, Not(IsEmpty()));
  for (const char* library : {"libprotobuf", "libabsl", "libcrypto", "libstdc++", "failed"}) {
    for (const std::string& line : pp) EXPECT_THAT(line, Not(HasSubstr(library)));
  }
  for (const char* library : {"libprotobuf", "libabsl", "libcrypto", "failed"}) {
    for (const std::string& line : test_run) EXPECT_THAT(line, Not(HasSubstr(library)));
  }
}

}  // namespace
}  // namespace heyhi
