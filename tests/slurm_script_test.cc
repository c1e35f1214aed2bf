// Unit tests of the sbatch script generator (SPEC §7 resource mapping).
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "heyhi/base/shell_quote.h"
#include "heyhi/launch/slurm/script.h"

namespace heyhi {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::Not;
using ::testing::StartsWith;

// The #SBATCH lines of the script, in order.
std::vector<std::string> SbatchLines(const SlurmLauncher& slurm) {
  absl::StatusOr<std::string> script = MakeSbatchScript(slurm, "/exp/p/c/x_abc", "/bin/run");
  EXPECT_TRUE(script.ok()) << script.status();
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(script.value_or(""), '\n')) {
    if (absl::StartsWith(line, "#SBATCH ")) lines.emplace_back(line.substr(8));
  }
  return lines;
}

TEST(SlurmScript, ZeroGpusIsOneCpuTaskByDefault) {
  SlurmLauncher slurm;
  EXPECT_THAT(SbatchLines(slurm),
              ElementsAre("--job-name=heyhi", "--nodes=1", "--ntasks-per-node=1",
                          "--cpus-per-task=1", "--time=1:00:00", "--signal=USR2@90", "--requeue",
                          "--open-mode=append", "--output=\"/exp/p/c/x_abc/slurm/%j.out\"",
                          "--error=\"/exp/p/c/x_abc/slurm/%j.err\""));
}

TEST(SlurmScript, ZeroGpusUsesTasksCpusPerTaskAndMemMb) {
  SlurmLauncher slurm;
  slurm.set_tasks(3);
  slurm.set_cpus_per_task(2);
  slurm.set_mem_mb(1500);
  std::vector<std::string> lines = SbatchLines(slurm);
  EXPECT_THAT(lines, IsSupersetOf(
                         {"--nodes=1", "--ntasks-per-node=3", "--cpus-per-task=2", "--mem=1500M"}));
  EXPECT_THAT(lines, Not(Contains(StartsWith("--gres"))));
}

TEST(SlurmScript, OneGpuIsOneTaskWithOneGpusMemory) {
  SlurmLauncher slurm;
  slurm.set_num_gpus(1);
  EXPECT_THAT(SbatchLines(slurm),
              IsSupersetOf({"--nodes=1", "--ntasks-per-node=1", "--cpus-per-task=10",
                            "--gres=gpu:1", "--mem=62G"}));
}

TEST(SlurmScript, EightGpusIsOneNodeOneTaskPerGpuMemoryOfAllGpus) {
  SlurmLauncher slurm;
  slurm.set_num_gpus(8);
  slurm.set_mem_per_gpu(10);
  slurm.set_cpus_per_gpu(4);
  EXPECT_THAT(SbatchLines(slurm), IsSupersetOf({"--nodes=1", "--ntasks-per-node=8",
                                                "--cpus-per-task=4", "--gres=gpu:8", "--mem=80G"}));
}

TEST(SlurmScript, SixteenGpusIsTwoFullNodes) {
  SlurmLauncher slurm;
  slurm.set_num_gpus(16);
  EXPECT_THAT(SbatchLines(slurm),
              IsSupersetOf({"--nodes=2", "--ntasks-per-node=8", "--cpus-per-task=10",
                            "--gres=gpu:8", "--mem=496G"}));
}

TEST(SlurmScript, MoreThanEightGpusNotMultipleOfEightIsRejected) {
  SlurmLauncher slurm;
  slurm.set_num_gpus(12);
  absl::StatusOr<std::string> script = MakeSbatchScript(slurm, "/exp", "/bin/run");
  ASSERT_FALSE(script.ok());
  EXPECT_EQ(script.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(script.status().message(), HasSubstr("launcher.slurm.num_gpus: 12"));
  EXPECT_THAT(script.status().message(), HasSubstr("multiple of 8 (e.g. 8 or 16)"));
}

TEST(SlurmScript, SingleTaskPerNodeGivesOneTaskWithAllTheNodesCpus) {
  SlurmLauncher slurm;
  slurm.set_num_gpus(16);
  slurm.set_single_task_per_node(true);
  EXPECT_THAT(SbatchLines(slurm),
              IsSupersetOf({"--nodes=2", "--ntasks-per-node=1", "--cpus-per-task=80",
                            "--gres=gpu:8", "--mem=496G"}));
  slurm.set_single_task_per_node(false);
  EXPECT_THAT(SbatchLines(slurm), IsSupersetOf({"--ntasks-per-node=8", "--cpus-per-task=10"}));
}

TEST(SlurmScript, PartitionTimeConstraintCommentSignalAreCopied) {
  SlurmLauncher slurm;
  slurm.set_partition("learnfair");
  slurm.set_hours(2.5);
  slurm.set_constraint("volta32gb");
  slurm.set_comment("deadline 5 May");
  slurm.set_signal("USR1@120");
  EXPECT_THAT(SbatchLines(slurm),
              IsSupersetOf({"--partition=learnfair", "--time=2:30:00", "--constraint=volta32gb",
                            "--comment=\"deadline 5 May\"", "--signal=USR1@120"}));
}

TEST(SlurmScript, EmptySignalAsksForNoSignal) {
  SlurmLauncher slurm;
  slurm.set_signal("");
  EXPECT_THAT(SbatchLines(slurm), Not(Contains(StartsWith("--signal"))));
}

TEST(SlurmScript, BadSignalIsRejectedWithTheValidForm) {
  SlurmLauncher slurm;
  slurm.set_signal("USR2");
  absl::StatusOr<std::string> script = MakeSbatchScript(slurm, "/exp", "/bin/run");
  ASSERT_FALSE(script.ok());
  EXPECT_THAT(script.status().message(),
              HasSubstr("launcher.slurm.signal: 'USR2' is not SIG@SECONDS"));
}

TEST(SlurmScript, NonPositiveHoursAreRejected) {
  SlurmLauncher slurm;
  slurm.set_hours(0);
  EXPECT_THAT(MakeSbatchScript(slurm, "/exp", "/bin/run").status().message(),
              HasSubstr("launcher.slurm.hours"));
}

TEST(SlurmScript, CommentWithDoubleQuoteOrNewlineIsRejected) {
  SlurmLauncher slurm;
  slurm.set_comment("a\nb");
  EXPECT_THAT(MakeSbatchScript(slurm, "/exp", "/bin/run").status().message(),
              HasSubstr("launcher.slurm.comment"));
  slurm.set_comment("say \"hi\"");
  EXPECT_FALSE(MakeSbatchScript(slurm, "/exp", "/bin/run").ok());
}

TEST(SlurmScript, BodyExecsSrunOfTheBinaryWithWorkerAndSingleQuotedPaths) {
  SlurmLauncher slurm;
  absl::StatusOr<std::string> script = MakeSbatchScript(slurm, "/r/it's here", "/bin dir/run");
  ASSERT_TRUE(script.ok()) << script.status();
  EXPECT_THAT(*script, StartsWith("#!/bin/bash\n"));
  EXPECT_THAT(*script, HasSubstr("\nexec srun --unbuffered --kill-on-bad-exit=1 '/bin dir/run' "
                                 "--worker '/r/it'\\''s here'\n"));
}

TEST(SlurmScript, MasterPortIsExportedFromTheJobIdBeforeSrun) {
  SlurmLauncher slurm;
  absl::StatusOr<std::string> script = MakeSbatchScript(slurm, "/exp", "/bin/run");
  ASSERT_TRUE(script.ok()) << script.status();
  const size_t port = script->find("\nexport MASTER_PORT=$((10000 + SLURM_JOB_ID % 20000))\n");
  ASSERT_NE(port, std::string::npos) << *script;
  EXPECT_LT(port, script->find("exec srun"));
}

TEST(SlurmScript, SignalTheWorkerCannotCatchIsRejectedNamingTheValidOnes) {
  SlurmLauncher slurm;
  slurm.set_signal("KILL@90");
  absl::Status status = MakeSbatchScript(slurm, "/exp", "/bin/run").status();
  EXPECT_THAT(status.message(), HasSubstr("launcher.slurm.signal: 'KILL@90'"));
  EXPECT_THAT(status.message(), HasSubstr("USR1, USR2"));
  slurm.set_signal("FOO@90");
  EXPECT_FALSE(MakeSbatchScript(slurm, "/exp", "/bin/run").ok());
  slurm.set_signal("SIGUSR1@120");
  EXPECT_TRUE(MakeSbatchScript(slurm, "/exp", "/bin/run").ok());
}

TEST(SlurmScript, PercentInExpDirIsEscapedInLogPaths) {
  SlurmLauncher slurm;
  absl::StatusOr<std::string> script = MakeSbatchScript(slurm, "/r/100%", "/bin/run");
  ASSERT_TRUE(script.ok()) << script.status();
  EXPECT_THAT(*script, HasSubstr("--output=\"/r/100%%/slurm/%j.out\""));
}

TEST(SlurmScript, RelativeExpDirIsRejected) {
  SlurmLauncher slurm;
  EXPECT_THAT(MakeSbatchScript(slurm, "exp", "/bin/run").status().message(), HasSubstr("absolute"));
}

TEST(SlurmScript, AccountQosAndExcludeAreCopied) {
  SlurmLauncher slurm;
  slurm.set_account("research");
  slurm.set_qos("high");
  slurm.set_exclude("node[1-3]");
  EXPECT_THAT(SbatchLines(slurm),
              IsSupersetOf({"--account=research", "--qos=high", "--exclude=node[1-3]"}));
}

TEST(SlurmScript, SbatchArgsAreOneSbatchLineEachAfterHeyhisOwn) {
  SlurmLauncher slurm;
  slurm.add_sbatch_args("--mail-type=END");
  slurm.add_sbatch_args("--comment=two words # not a comment");
  slurm.add_sbatch_args("--job-name=it's");
  const std::vector<std::string> lines = SbatchLines(slurm);
  ASSERT_GE(lines.size(), 3u);
  // Blanks, '#' and single quotes are kept in one word by double quotes.
  EXPECT_THAT(std::vector<std::string>(lines.end() - 3, lines.end()),
              ElementsAre("--mail-type=END", "\"--comment=two words # not a comment\"",
                          "\"--job-name=it's\""));
}

TEST(SlurmScript, SbatchArgWithALineBreakQuoteOrBackslashIsRejectedNamingIt) {
  for (const char* bad : {"--comment=a\nb", "--comment=\"x\"", "--comment=a\\b"}) {
    SlurmLauncher slurm;
    slurm.add_sbatch_args("--mail-type=END");
    slurm.add_sbatch_args(bad);
    absl::Status status = MakeSbatchScript(slurm, "/exp", "/bin/run").status();
    EXPECT_THAT(status.message(), HasSubstr("launcher.slurm.sbatch_args[1]: '")) << bad;
  }
}

TEST(SlurmScript, SbatchOrSrunArgThatIsNoOptionIsRejectedNamingIt) {
  SlurmLauncher slurm;
  slurm.add_sbatch_args("mail-type=END");
  EXPECT_THAT(MakeSbatchScript(slurm, "/exp", "/bin/run").status().message(),
              HasSubstr("launcher.slurm.sbatch_args[0]: 'mail-type=END' is not an option"));
  SlurmLauncher srun;
  srun.add_srun_args("");
  EXPECT_THAT(MakeSbatchScript(srun, "/exp", "/bin/run").status().message(),
              HasSubstr("launcher.slurm.srun_args[0]: '' is not an option"));
}

TEST(SlurmScript, SrunArgsGoBeforeTheBinaryEachQuotedForTheShell) {
  SlurmLauncher slurm;
  slurm.add_srun_args("--cpu-bind=cores");
  slurm.add_srun_args("--comment=it's");
  absl::StatusOr<std::string> script = MakeSbatchScript(slurm, "/exp", "/bin/run");
  ASSERT_TRUE(script.ok()) << script.status();
  EXPECT_THAT(*script, HasSubstr("\nexec srun --unbuffered --kill-on-bad-exit=1 --cpu-bind=cores "
                                 "'--comment=it'\\''s' /bin/run --worker /exp\n"));
}

TEST(SlurmScript, SrunArgWithALineBreakIsRejectedNamingIt) {
  SlurmLauncher slurm;
  slurm.add_srun_args("--cpu-bind=cores\n--x");
  EXPECT_THAT(MakeSbatchScript(slurm, "/exp", "/bin/run").status().message(),
              HasSubstr("launcher.slurm.srun_args[0]: '--cpu-bind=cores\\n--x' holds a line "
                        "break"));
}

TEST(SlurmScript, ShellQuoteOfScriptPathsSurvivesQuotes) {
  EXPECT_EQ(ShellQuote("a'b"), "'a'\\''b'");
  EXPECT_EQ(ShellQuote(""), "''");
}

}  // namespace
}  // namespace heyhi
