// The `run` command with `launcher { slurm {...} }` on a real one-node Slurm:
// submission, status, the workers' ranks, restart, gentle_start, preemption
// with its requeue budget, and a controller that is down (SPEC §6, §7).
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/run_test_helpers.h"
#include "tests/slurm/slurm_fixture.h"

namespace heyhi {
namespace {

using ::heyhi_test::Line;
using ::heyhi_test::RunResult;
using ::heyhi_test::RunSandbox;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kOneTask[] = "conf/c90_test/sleep_slurm.prototxt";
constexpr char kTwoTasks[] = "conf/c90_test/sleep_slurm_two_tasks.prototxt";

std::vector<std::vector<std::string>> ReadRows(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(heyhi_test::ReadAll(path));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::vector<std::string> row;
    std::string word;
    while (words >> word) row.push_back(word);
    rows.push_back(row);
  }
  return rows;
}

// The Slurm job id recorded in the exp dir ("" when none or not Slurm's).
std::string SlurmIdIn(const std::string& exp_dir) {
  absl::string_view id = absl::StripAsciiWhitespace(heyhi_test::ReadAll(exp_dir + "/heyhi.jobid"));
  return absl::ConsumePrefix(&id, "slurm:") ? std::string(id) : "";
}

class SlurmRunTest : public SlurmTest {
 protected:
  // What `run --mode dryrun` reports for the experiment of `args`.
  std::string StatusOf(const std::vector<std::string>& args) {
    std::vector<std::string> dry = args;
    dry.insert(dry.end(), {"--mode", "dryrun"});
    return Line(box_.Run(dry).out, "status");
  }

  // Waits until Slurm no longer holds the job.
  bool WaitUntilGone(const std::string& id) {
    return WaitFor([&] { return !client_.IsAlive(id).value_or(true); });
  }

  // What `run` with `args` submitted: exp dir, Slurm job id, Slurm's stderr log.
  struct Submitted {
    std::string dir, id, err_log;
  };
  Submitted Submit(const std::vector<std::string>& args) {
    const RunResult r = box_.Run(args);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    Submitted job;
    job.dir = Line(r.out, "exp dir");
    job.id = SlurmIdIn(job.dir);
    job.err_log = job.dir + "/slurm/" + job.id + ".err";
    return job;
  }

  RunSandbox box_;
};

TEST_F(SlurmRunTest, SlurmJobRunsTheSnapshotInTheExpDirAndGoesRunningThenDone) {
  const std::string ran = box_.scratch + "/ran.txt";
  const std::string may_end = box_.scratch + "/may_end";  // the task runs until it exists
  const std::vector<std::string> args = {"-c", kOneTask, "wait_file=" + may_end,
                                         "write_file=" + ran};
  const RunResult r = box_.Run(args);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Line(r.out, "status"), "NOT_STARTED");
  EXPECT_EQ(Line(r.out, "status after"), "RUNNING");
  const std::string dir = Line(r.out, "exp dir");
  const std::string id = SlurmIdIn(dir);
  ASSERT_FALSE(id.empty()) << heyhi_test::ReadAll(dir + "/heyhi.jobid");
  EXPECT_EQ(Line(r.out, "job id"), "slurm:" + id);
  EXPECT_TRUE(std::filesystem::exists(dir + "/slurm/job.sbatch"));
  std::ofstream(may_end).close();
  ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(dir + "/heyhi.done"); }))
      << heyhi_test::ReadAll(dir + "/slurm/" + id + ".err");
  ASSERT_TRUE(WaitUntilGone(id));
  EXPECT_EQ(client_.QueryJob(id)->state, "COMPLETED");
  EXPECT_EQ(StatusOf(args), "DONE");
  const auto rows = ReadRows(ran);
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_EQ(rows[0].size(), 6u);
  EXPECT_EQ(rows[0][0] + "/" + rows[0][1], "0/1");
  EXPECT_THAT(rows[0][4], StartsWith(box_.exp_root + "/.bin/"));  // the snapshot
  EXPECT_EQ(rows[0][5], dir);                                     // working directory
}

TEST_F(SlurmRunTest, InfoAndLsOfARunningSlurmJobShowRunningAndItsJobIdThenDone) {
  const std::string may_end = box_.scratch + "/may_end";
  const std::vector<std::string> args = {"-c", kOneTask, "wait_file=" + may_end,
                                         "metrics_epochs=2"};
  const Submitted job = Submit(args);
  ASSERT_FALSE(job.id.empty());
  const std::string sig = job.dir.substr(job.dir.rfind('_') + 1);
  ASSERT_TRUE(WaitFor(
      [&] { return client_.QueryJob(job.id).value_or(SlurmJobState{}).state == "RUNNING"; }));
  RunResult info = box_.Run({"info", sig, "--json"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  nlohmann::json parsed = nlohmann::json::parse(info.out);
  EXPECT_EQ(parsed["status"], "RUNNING");
  EXPECT_EQ(parsed["slurm_state"], "RUNNING");
  EXPECT_EQ(parsed["job_id"], "slurm:" + job.id);
  EXPECT_THAT(parsed["logs"].dump(), HasSubstr("/slurm/" + job.id + ".out"));
  const RunResult ls = box_.Run({"ls", "--json"});
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  nlohmann::json rows = nlohmann::json::parse(ls.out);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["status"], "RUNNING");
  EXPECT_EQ(rows[0]["slurm_state"], "RUNNING");
  std::ofstream(may_end).close();
  ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(job.dir + "/heyhi.done"); }))
      << heyhi_test::ReadAll(job.err_log);
  ASSERT_TRUE(WaitUntilGone(job.id));
  parsed = nlohmann::json::parse(box_.Run({"info", sig, "--json"}).out);
  EXPECT_EQ(parsed["status"], "DONE");
  EXPECT_EQ(parsed["last_metrics"]["epoch"], 2);
  EXPECT_GT(parsed["ended"].get<int64_t>(), 0);
}

TEST_F(SlurmRunTest, EnvSlurmDefaultsAppearInTheSbatchScriptAndTheRecordButNotInTheSig) {
  box_.tree.Write("ref/input.txt", "from the reference folder\n");
  const std::string env_file = box_.tree.Write(
      "env.prototxt", absl::StrCat("cluster {\n"
                                   "  name: \"default\"\n"
                                   "  reference_dir: \"",
                                   box_.tree.Path("ref"),
                                   "\"\n"
                                   "  partition { role: \"default\" name: \"debug\" }\n"
                                   "  sbatch_args: \"--comment=set by the env file\"\n"
                                   "  srun_args: \"--label\"\n"
                                   "}\n"));
  const std::vector<std::string> args = {"-c", kOneTask, "copy_file=//reference/input.txt"};
  // Without the env file: the folder (so the signature) the experiment gets.
  const std::string plain_dir =
      Line(box_.Run({"-c", kOneTask, "copy_file=//reference/input.txt", "--mode", "dryrun"}).out,
           "exp dir");
  ScopedEnv env("HH_ENV", env_file);
  const Submitted job = Submit(args);
  ASSERT_FALSE(job.id.empty());
  EXPECT_EQ(job.dir, plain_dir);
  ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(job.dir + "/heyhi.done"); }))
      << heyhi_test::ReadAll(job.err_log);
  // The worker resolved //reference/ with the environment the run recorded.
  EXPECT_EQ(heyhi_test::ReadAll(job.dir + "/copied.txt"), "from the reference folder\n");
  const std::string script = heyhi_test::ReadAll(job.dir + "/slurm/job.sbatch");
  EXPECT_THAT(script, HasSubstr("\n#SBATCH --partition=debug\n"));
  EXPECT_THAT(script, HasSubstr("\n#SBATCH \"--comment=set by the env file\"\n"));
  EXPECT_THAT(script, HasSubstr("--kill-on-bad-exit=1 --label "));
  absl::StatusOr<ProgramResult> shown =
      RunProgram({"scontrol", "show", "job", job.id}, std::chrono::seconds(30));
  ASSERT_TRUE(shown.ok()) << shown.status();
  EXPECT_THAT(shown->out, HasSubstr("Comment=set by the env file"));
  EXPECT_THAT(shown->out, HasSubstr("Partition=debug"));
  const std::string record = heyhi_test::ReadAll(job.dir + "/heyhi.xp.prototxt");
  EXPECT_THAT(record, HasSubstr("slurm_from_env: \"partition\"\nslurm_from_env: "
                                "\"sbatch_args\"\nslurm_from_env: \"srun_args\""));
  EXPECT_THAT(record, HasSubstr("slurm_submitted {"));
  // The stored config has no trace of them.
  EXPECT_THAT(heyhi_test::ReadAll(job.dir + "/config.prototxt"), Not(HasSubstr("debug")));
}

TEST_F(SlurmRunTest, TwoTaskJobSeesRanksZeroAndOneWorldSizeTwoAndOneMaster) {
  const std::string ran = box_.scratch + "/ran.txt";
  const std::vector<std::string> args = {"-c", kTwoTasks, "write_master=true", "write_file=" + ran};
  const RunResult r = box_.Run(args);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string dir = Line(r.out, "exp dir");
  const std::string id = SlurmIdIn(dir);
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(WaitUntilGone(id));
  EXPECT_EQ(client_.QueryJob(id)->state, "COMPLETED")
      << heyhi_test::ReadAll(dir + "/slurm/" + id + ".err");
  EXPECT_EQ(StatusOf(args), "DONE");
  std::set<std::string> ranks, masters;
  for (const auto& row : ReadRows(ran)) {
    ASSERT_EQ(row.size(), 7u);
    ranks.insert(row[0] + "/" + row[1] + "/" + row[2]);
    masters.insert(row[6]);
  }
  EXPECT_EQ(ranks, (std::set<std::string>{"0/2/0", "1/2/1"}));
  EXPECT_EQ(masters, (std::set<std::string>{"localhost"}));
}

TEST_F(SlurmRunTest, GentleStartSkipsAndRestartCancelsWipesAndSubmitsAnew) {
  const std::string ran = box_.scratch + "/ran.txt";
  const std::vector<std::string> args = {"-c", kOneTask, "seconds=300", "write_file=" + ran};
  const RunResult first = box_.Run(args);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  const std::string dir = Line(first.out, "exp dir");
  const std::string old_id = SlurmIdIn(dir);
  ASSERT_FALSE(old_id.empty());
  ASSERT_EQ(WaitForState(old_id, "RUNNING"), "RUNNING");

  const RunResult gentle = box_.Run(args);
  ASSERT_EQ(gentle.exit_code, 0) << gentle.err;
  EXPECT_EQ(Line(gentle.out, "status"), "RUNNING");
  EXPECT_EQ(Line(gentle.out, "mode"), "gentle_start -> skip");
  EXPECT_EQ(SlurmIdIn(dir), old_id);

  // A file of the old run that the wipe must take away.
  std::ofstream(dir + "/left_by_task.txt") << "old\n";
  std::vector<std::string> restart = args;
  restart.insert(restart.end(), {"--mode", "restart", "--force"});
  const RunResult again = box_.Run(restart);
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(Line(again.out, "mode"), "restart -> kill, wipe and run");
  EXPECT_THAT(again.out, HasSubstr("stopping job slurm:" + old_id));
  EXPECT_EQ(client_.IsAlive(old_id).value_or(true), false);
  EXPECT_EQ(client_.QueryJob(old_id)->state, "CANCELLED");
  EXPECT_FALSE(std::filesystem::exists(dir + "/left_by_task.txt"));
  const std::string new_id = SlurmIdIn(dir);
  ASSERT_FALSE(new_id.empty());
  EXPECT_NE(new_id, old_id);
  EXPECT_EQ(Line(again.out, "status after"), "RUNNING");
  EXPECT_TRUE(client_.Cancel(new_id).ok());
  EXPECT_EQ(StatusOf(args), "DEAD");
}

// steps.txt of the `steps` form of test_sleep: (requeue count, step) per started step.
std::vector<std::pair<int, int>> StepsIn(const std::string& exp_dir) {
  std::vector<std::pair<int, int>> steps;
  for (const auto& row : ReadRows(exp_dir + "/steps.txt")) {
    if (row.size() == 2) steps.emplace_back(std::stoi(row[0]), std::stoi(row[1]));
  }
  return steps;
}

// Whether a step of the run after `requeues` requeues has started.
bool StartedAfterRequeues(const std::string& exp_dir, int requeues, int min_step = 0) {
  for (const auto& [requeue, step] : StepsIn(exp_dir)) {
    if (requeue == requeues && step >= min_step) return true;
  }
  return false;
}

TEST_F(SlurmRunTest, PreemptionSignalCheckpointsOnRankZeroRequeuesAndTheJobResumesInTheSameFolder) {
  // The first run cannot end before the signal: its last step waits for may_end.
  const std::string may_end = box_.scratch + "/may_end";
  const std::vector<std::string> args = {"-c", kTwoTasks, "steps=16", "seconds=0.25",
                                         "wait_file=" + may_end};
  const Submitted job = Submit(args);
  const std::string &dir = job.dir, &id = job.id, &err_log = job.err_log;
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(WaitFor([&] { return StartedAfterRequeues(dir, 0, 3); })) << ReadFile(err_log);

  ASSERT_TRUE(client_.Signal(id, "USR2").ok());
  ASSERT_EQ(WaitForState(id, "PENDING"), "PENDING") << ReadFile(err_log);
  EXPECT_EQ(StatusOf(args), "RUNNING");  // requeued: the same job, waiting to run again
  std::ofstream(may_end).close();        // the requeued run goes to the end
  StartRequeuedJobNow(id);
  ASSERT_TRUE(WaitFor([&] { return StartedAfterRequeues(dir, 1); })) << ReadFile(err_log);
  ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(dir + "/heyhi.done"); }, 120))
      << ReadFile(err_log);
  ASSERT_TRUE(WaitUntilGone(id));
  EXPECT_EQ(StatusOf(args), "DONE");
  EXPECT_EQ(SlurmIdIn(dir), id);

  // The first run got past step 3; the requeued one started at the step the
  // hook saved, not at 0, and went on to the end.
  const auto steps = StepsIn(dir);
  ASSERT_FALSE(steps.empty());
  EXPECT_EQ(steps.front(), std::make_pair(0, 0));
  int first_after_requeue = -1;
  for (const auto& [requeue, step] : steps) {
    if (requeue == 1 && first_after_requeue < 0) first_after_requeue = step;
    EXPECT_LE(requeue, 1);
  }
  EXPECT_GE(first_after_requeue, 3);
  EXPECT_EQ(steps.back(), std::make_pair(1, 15));
  const std::string log = ReadFile(err_log);
  EXPECT_THAT(log, HasSubstr("preempted: checkpoint hook done"));
  EXPECT_THAT(log, HasSubstr("rank 1 leaves"));
  EXPECT_THAT(log, HasSubstr("requeued Slurm job " + id + " (requeue 1 of at most 3)"));
}

TEST_F(SlurmRunTest, RequeueBudgetStopsAJobPreemptedMoreOftenThanAllowed) {
  // No run can end on its own: the last step waits for a file never made.
  const std::vector<std::string> args = {"-c",
                                         kOneTask,
                                         "steps=400",
                                         "seconds=0.25",
                                         "launcher.slurm.max_requeues=1",
                                         "wait_file=" + box_.scratch + "/never"};
  const Submitted job = Submit(args);
  const std::string &dir = job.dir, &id = job.id, &err_log = job.err_log;
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(WaitFor([&] { return StartedAfterRequeues(dir, 0, 1); })) << ReadFile(err_log);
  ASSERT_TRUE(client_.Signal(id, "USR2").ok());
  StartRequeuedJobNow(id);
  ASSERT_TRUE(WaitFor([&] { return StartedAfterRequeues(dir, 1); })) << ReadFile(err_log);
  const int saved_first = std::stoi(ReadFile(dir + "/progress.txt"));

  // Preempted again with the budget of one requeue spent: checkpoint, then stop.
  ASSERT_TRUE(WaitFor([&] { return StartedAfterRequeues(dir, 1, saved_first + 2); }))
      << ReadFile(err_log);
  ASSERT_TRUE(client_.Signal(id, "USR2").ok());
  ASSERT_TRUE(WaitUntilGone(id)) << ReadFile(err_log);
  EXPECT_EQ(client_.QueryJob(id)->state, "FAILED");
  EXPECT_EQ(StatusOf(args), "DEAD");
  EXPECT_FALSE(std::filesystem::exists(dir + "/heyhi.done"));
  EXPECT_FALSE(StartedAfterRequeues(dir, 2));
  EXPECT_GE(std::stoi(ReadFile(dir + "/progress.txt")), saved_first + 2);
  EXPECT_THAT(ReadFile(err_log),
              HasSubstr("the budget (launcher.slurm.max_requeues: 1) is spent, so the job is "
                        "not requeued"));
}

TEST_F(SlurmRunTest, ControllerDownFailsNamingTheCommandAndLeavesTheXpNotStarted) {
  const pid_t pid = std::stoi(ReadFile(dir_ + "/run/slurmctld.pid"));
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  ASSERT_TRUE(
      WaitFor([&] { return access((dir_ + "/run/slurmctld.pid").c_str(), F_OK) != 0; }, 30));
  const std::vector<std::string> args = {"-c", kOneTask};
  const RunResult r = box_.Run(args);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("cannot submit the Slurm job: `sbatch --parsable "));
  EXPECT_THAT(r.err, HasSubstr("Unable to contact slurm controller"));
  EXPECT_EQ(Line(r.out, "status after"), "NOT_STARTED");
  const std::string dir = Line(r.out, "exp dir");
  EXPECT_FALSE(std::filesystem::exists(dir + "/heyhi.jobid"));
  EXPECT_EQ(StatusOf(args), "NOT_STARTED");
}

}  // namespace
}  // namespace heyhi
