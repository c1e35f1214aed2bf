// Integration tests of the Slurm client and the sbatch script on a real one-node Slurm.
#include <sys/stat.h>

#include <algorithm>
#include <csignal>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "heyhi/base/shell_quote.h"
#include "heyhi/launch/slurm/client.h"
#include "heyhi/launch/slurm/script.h"
#include "tests/scoped_env.h"
#include "tests/slurm/slurm_fixture.h"

namespace heyhi {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// "alive", "not alive" or the error, so a failure shows which.
std::string Aliveness(const absl::StatusOr<bool>& alive) {
  if (!alive.ok()) return alive.status().ToString();
  return *alive ? "alive" : "not alive";
}

std::vector<std::string> SortedLines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  std::sort(lines.begin(), lines.end());
  return lines;
}

TEST(SlurmProgram, AMissingSlurmProgramIsNotFoundNamingTheCommandAndAskingForSlurm) {
  ScopedEnv no_path("PATH", "/nonexistent-heyhi");
  absl::StatusOr<std::string> id = SlurmClient().Submit("/tmp/job.sbatch");
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(id.status().message(), HasSubstr("`sbatch --parsable /tmp/job.sbatch`"));
  EXPECT_THAT(id.status().message(), HasSubstr("(is Slurm installed and in PATH?)"));
}

TEST(SlurmProgram, AliveStatesAreThoseThatHoldOrAwaitResources) {
  for (const char* state :
       {"PENDING", "RUNNING", "REQUEUED", "COMPLETING", "CONFIGURING", "SUSPENDED", "RESIZING"}) {
    EXPECT_TRUE(IsAliveSlurmState(state)) << state;
  }
  for (const char* state : {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "PREEMPTED", "NODE_FAIL",
                            "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE"}) {
    EXPECT_FALSE(IsAliveSlurmState(state)) << state;
  }
}

TEST_F(SlurmTest, SubmittedJobRunsThenCompletes) {
  std::string marker = dir_ + "/ran";
  std::string may_end = dir_ + "/ok_may_end";
  // The job runs until the test lets it end (it fails after a minute without).
  absl::StatusOr<std::string> id =
      client_.Submit(WriteScript("ok.sh", "#!/bin/bash\n#SBATCH --output=/dev/null\ntouch " +
                                              marker + "\nfor i in $(seq 600); do [ -e " + may_end +
                                              " ] && exit 0; sleep 0.1; done\nexit 1\n"));
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(WaitForState(*id, "RUNNING"), "RUNNING");
  EXPECT_EQ(Aliveness(client_.IsAlive(*id)), "alive");
  std::ofstream(may_end).close();
  ASSERT_TRUE(WaitFor([&] { return !client_.IsAlive(*id).value_or(true); }));
  absl::StatusOr<SlurmJobState> state = client_.QueryJob(*id);
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->state, "COMPLETED");
  EXPECT_EQ(access(marker.c_str(), F_OK), 0);
  // The job-completion record is written too: the record that outlives squeue.
  EXPECT_THAT(
      ReadFile(dir_ + "/log/jobcomp.txt"),
      HasSubstr("JobId=" + *id + " UserId=root(0) GroupId=root(0) Name=ok.sh JobState=COMPLETED"));
}

TEST_F(SlurmTest, FailingJobIsFailedAndNotAlive) {
  absl::StatusOr<std::string> id =
      client_.Submit(WriteScript("fail.sh", "#!/bin/bash\n#SBATCH --output=/dev/null\nexit 3\n"));
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(WaitForState(*id, "FAILED"), "FAILED");
  EXPECT_EQ(Aliveness(client_.IsAlive(*id)), "not alive");
}

TEST_F(SlurmTest, UnknownJobIsNotFoundAndNotAlive) {
  EXPECT_EQ(client_.QueryJob("987654").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Aliveness(client_.IsAlive("987654")), "not alive");
}

TEST_F(SlurmTest, CancelWaitsUntilTheJobIsGone) {
  absl::StatusOr<std::string> id = client_.Submit(
      WriteScript("long.sh", "#!/bin/bash\n#SBATCH --output=/dev/null\nsleep 300\n"));
  ASSERT_TRUE(id.ok()) << id.status();
  ASSERT_EQ(WaitForState(*id, "RUNNING"), "RUNNING");
  ASSERT_TRUE(client_.Cancel(*id).ok());
  // Right after Cancel returns: no longer listed as alive.
  EXPECT_EQ(Aliveness(client_.IsAlive(*id)), "not alive");
  absl::StatusOr<ProgramResult> squeue =
      RunProgram({"squeue", "-h", "-j", *id, "-o", "%T"}, std::chrono::seconds(30));
  ASSERT_TRUE(squeue.ok());
  EXPECT_EQ(squeue->out, "");
  EXPECT_EQ(client_.QueryJob(*id)->state, "CANCELLED");
}

TEST_F(SlurmTest, TwoTaskCpuJobSeesRanksZeroAndOneAndWorldSizeTwo) {
  std::string out = dir_ + "/two.out";
  absl::StatusOr<std::string> id = client_.Submit(WriteScript(
      "two.sh", "#!/bin/bash\n#SBATCH --ntasks=2\n#SBATCH --output=" + out +
                    "\nsrun bash -c 'echo $SLURM_PROCID $SLURM_NTASKS $SLURM_JOB_NODELIST'\n"));
  ASSERT_TRUE(id.ok()) << id.status();
  ASSERT_EQ(WaitForState(*id, "COMPLETED"), "COMPLETED");
  EXPECT_THAT(SortedLines(ReadFile(out)), ElementsAre("0 2 localhost", "1 2 localhost"));
}

TEST_F(SlurmTest, GeneratedScriptRunsTheBinaryAsWorkerInEveryTask) {
  std::string exp_dir = dir_ + "/exp dir/it's";
  ASSERT_EQ(system(("mkdir -p " + ShellQuote(exp_dir + "/slurm")).c_str()), 0);
  SlurmLauncher slurm;
  slurm.set_num_gpus(0);
  slurm.set_tasks(2);
  slurm.set_hours(0.1f);
  absl::StatusOr<std::string> script = MakeSbatchScript(slurm, exp_dir, SLURM_TASK_PROBE);
  ASSERT_TRUE(script.ok()) << script.status();
  std::string script_path = exp_dir + "/slurm/job.sh";
  std::ofstream(script_path) << *script;
  absl::StatusOr<std::string> id = client_.Submit(script_path);
  ASSERT_TRUE(id.ok()) << id.status();
  ASSERT_EQ(WaitForState(*id, "COMPLETED"), "COMPLETED")
      << ReadFile(exp_dir + "/slurm/" + *id + ".err");
  const std::string args = "args=--worker " + exp_dir;
  EXPECT_THAT(SortedLines(ReadFile(exp_dir + "/slurm/" + *id + ".out")),
              ElementsAre("rank=0 world=2 nodes=localhost " + args,
                          "rank=1 world=2 nodes=localhost " + args));
  EXPECT_EQ(ReadFile(exp_dir + "/slurm/" + *id + ".err"), "");
}

// A job that counts its starts in `count`, and on USR2 notes it in `signals`
// and, when `requeue_on_signal`, requeues itself as a preempted heyhi job does.
std::string CountingScript(const std::string& folder, bool requeue_on_signal) {
  return "#!/bin/bash\n#SBATCH --output=" + folder + "/job.out\n#SBATCH --requeue\n" + "cd " +
         folder + "\n" + "n=$(( $(cat count 2>/dev/null || echo 0) + 1 )); echo $n > count\n" +
         "trap 'echo usr2 >> signals; " +
         (requeue_on_signal ? std::string("scontrol requeue $SLURM_JOB_ID; ") : "") + "' USR2\n" +
         "if [ $n -ge 2 ]; then exit 0; fi\n"
         // Short sleeps so the trap runs as soon as the signal comes.
         "for i in $(seq 3000); do sleep 0.1; done\n";
}

TEST_F(SlurmTest, SignalReachesTheScriptsTrapWhichRequeuesAndTheJobRunsAgain) {
  // A folder of its own: the other counting job's `count` must not be this one's.
  const std::string folder = dir_ + "/signalled";
  ASSERT_EQ(mkdir(folder.c_str(), 0755), 0);
  absl::StatusOr<std::string> id =
      client_.Submit(WriteScript("preempt.sh", CountingScript(folder, /*requeue_on_signal=*/true)));
  ASSERT_TRUE(id.ok()) << id.status();
  ASSERT_TRUE(WaitFor([&] { return ReadFile(folder + "/count") == "1\n"; }));
  ASSERT_TRUE(client_.Signal(*id, "USR2").ok());
  ASSERT_TRUE(WaitFor([&] { return ReadFile(folder + "/signals") == "usr2\n"; }));
  StartRequeuedJobNow(*id);
  EXPECT_EQ(WaitForState(*id, "COMPLETED"), "COMPLETED");
  EXPECT_EQ(ReadFile(folder + "/count"), "2\n");
}

TEST_F(SlurmTest, RequeueRunsTheJobAgain) {
  const std::string folder = dir_ + "/requeued";
  ASSERT_EQ(mkdir(folder.c_str(), 0755), 0);
  absl::StatusOr<std::string> id = client_.Submit(
      WriteScript("requeue.sh", CountingScript(folder, /*requeue_on_signal=*/false)));
  ASSERT_TRUE(id.ok()) << id.status();
  ASSERT_TRUE(WaitFor([&] { return ReadFile(folder + "/count") == "1\n"; }));
  ASSERT_TRUE(client_.Requeue(*id).ok());
  // While requeued and waiting, the job is alive.
  EXPECT_EQ(WaitForState(*id, "PENDING"), "PENDING");
  EXPECT_EQ(Aliveness(client_.IsAlive(*id)), "alive");
  StartRequeuedJobNow(*id);
  EXPECT_EQ(WaitForState(*id, "COMPLETED"), "COMPLETED");
  EXPECT_EQ(ReadFile(folder + "/count"), "2\n");
}

TEST_F(SlurmTest, SbatchRejectionCarriesSlurmsMessage) {
  absl::StatusOr<std::string> id = client_.Submit(
      WriteScript("bad.sh", "#!/bin/bash\n#SBATCH --partition=nosuchpartition\ntrue\n"));
  ASSERT_FALSE(id.ok());
  EXPECT_THAT(id.status().message(), HasSubstr("`sbatch --parsable " + dir_ + "/bad.sh` failed: "));
  EXPECT_THAT(id.status().message(), HasSubstr("invalid partition"));
}

TEST_F(SlurmTest, ControllerDownGivesErrorNamingCommandAndSlurmsMessage) {
  std::string pid_text = ReadFile(dir_ + "/run/slurmctld.pid");
  pid_t pid = std::stoi(pid_text);
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  ASSERT_TRUE(
      WaitFor([&] { return access((dir_ + "/run/slurmctld.pid").c_str(), F_OK) != 0; }, 30));
  absl::StatusOr<std::string> id = client_.Submit(WriteScript("any.sh", "#!/bin/bash\ntrue\n"));
  ASSERT_FALSE(id.ok());
  EXPECT_THAT(id.status().message(), HasSubstr("`sbatch --parsable " + dir_ + "/any.sh` failed: "));
  EXPECT_THAT(id.status().message(), HasSubstr("Unable to contact slurm controller"));
  absl::StatusOr<SlurmJobState> state = client_.QueryJob("1");
  ASSERT_FALSE(state.ok());
  EXPECT_THAT(state.status().message(), HasSubstr("`squeue -h --states=all -j 1 -o %T` failed: "));
  EXPECT_THAT(state.status().message(), HasSubstr("Unable to contact slurm controller"));
  EXPECT_FALSE(client_.IsAlive("1").ok());
}

}  // namespace
}  // namespace heyhi
