// A test per cell of the modes x status table of `run` (SPEC §6).
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "heyhi/exp_dir.h"
#include "heyhi/experiment/xp_record.h"
#include "run_test_helpers.h"

namespace heyhi_test {
namespace {

const char kSleep[] = "conf/c90_test/sleep.prototxt";

// One experiment folder (`--out xp`) brought to a status, then run again in
// a mode; `ran.txt` gets a line each time the task runs.
class RunModes : public ::testing::Test {
 protected:
  std::string Dir() const { return box_.exp_root + "/xp"; }
  std::string Ran() const { return box_.scratch + "/ran.txt"; }
  std::string Sentinel() const { return Dir() + "/left_by_the_task.txt"; }

  RunResult RunXp(std::vector<std::string> extra) {
    std::vector<std::string> args = {"-c", kSleep, "--out", "xp", "write_file=" + Ran()};
    args.insert(args.end(), extra.begin(), extra.end());
    return box_.Run(args);
  }

  void MakeDone() {
    ASSERT_EQ(RunXp({}).exit_code, 0);
    box_.tree.Write("exp/xp/left_by_the_task.txt", "x");
  }
  void MakeDead() {
    ASSERT_EQ(RunXp({"fail=true"}).exit_code, 1);
    box_.tree.Write("exp/xp/left_by_the_task.txt", "x");
  }
  void MakeRunning() {
    // Runs until TearDown kills it: it waits for a file nobody makes.
    std::vector<std::string> args = {"-c", kSleep, "--out", "xp",
                                     "wait_file=" + box_.scratch + "/never"};
    running_ = box_.Start(args);
    ASSERT_TRUE(WaitForFile(Dir() + "/heyhi.jobid"));
    box_.tree.Write("exp/xp/left_by_the_task.txt", "x");
  }
  void TearDown() override {
    if (running_.pid > 0) {
      kill(running_.pid, SIGKILL);
      waitpid(running_.pid, nullptr, 0);
    }
  }
  bool RunningJobAlive() {
    return running_.pid > 0 && waitpid(running_.pid, nullptr, WNOHANG) == 0;
  }

  void ExpectRan(const RunResult& r, const std::string& before, const std::string& action,
                 int runs_before) {
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(Line(r.out, "exp dir"), Dir());
    EXPECT_EQ(Line(r.out, "status"), before);
    EXPECT_NE(Line(r.out, "mode").find("-> " + action), std::string::npos) << r.out;
    EXPECT_EQ(Line(r.out, "status after"), "DONE");
    EXPECT_EQ(CountLines(Ran()), runs_before + 1);
  }
  void ExpectSkipped(const RunResult& r, const std::string& status, int runs_before,
                     const std::string& action = "skip") {
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(Line(r.out, "status"), status);
    EXPECT_NE(Line(r.out, "mode").find("-> " + action), std::string::npos) << r.out;
    EXPECT_EQ(Line(r.out, "status after"), status);
    EXPECT_EQ(CountLines(Ran()), runs_before);
    if (status != "NOT_STARTED") {
      EXPECT_TRUE(std::filesystem::exists(Sentinel()));
    }
  }

  RunSandbox box_;
  RunProcess running_;
};

// NOT_STARTED: every mode but dryrun runs.
TEST_F(RunModes, GentleStartRunsNotStarted) { ExpectRan(RunXp({}), "NOT_STARTED", "run", 0); }
TEST_F(RunModes, StartContinueRunsNotStarted) {
  ExpectRan(RunXp({"--mode", "start_continue"}), "NOT_STARTED", "run", 0);
}
TEST_F(RunModes, StartRestartRunsNotStarted) {
  ExpectRan(RunXp({"--mode", "start_restart"}), "NOT_STARTED", "run", 0);
}
TEST_F(RunModes, RestartRunsNotStarted) {
  ExpectRan(RunXp({"--mode", "restart"}), "NOT_STARTED", "run", 0);
}
TEST_F(RunModes, DryrunReportsNotStarted) {
  ExpectSkipped(RunXp({"--mode", "dryrun"}), "NOT_STARTED", 0, "report only");
  EXPECT_FALSE(std::filesystem::exists(Dir()));
}

// RUNNING: all skip but restart, which stops the job, wipes and runs.
TEST_F(RunModes, GentleStartSkipsRunning) {
  MakeRunning();
  ExpectSkipped(RunXp({}), "RUNNING", 0);
  EXPECT_TRUE(RunningJobAlive());
}
TEST_F(RunModes, StartContinueSkipsRunning) {
  MakeRunning();
  ExpectSkipped(RunXp({"--mode", "start_continue"}), "RUNNING", 0);
  EXPECT_TRUE(RunningJobAlive());
}
TEST_F(RunModes, StartRestartSkipsRunning) {
  MakeRunning();
  ExpectSkipped(RunXp({"--mode", "start_restart"}), "RUNNING", 0);
  EXPECT_TRUE(RunningJobAlive());
}
TEST_F(RunModes, RestartKillsWipesAndRunsRunning) {
  MakeRunning();
  ExpectRan(RunXp({"--mode", "restart", "--force"}), "RUNNING", "kill, wipe and run", 0);
  EXPECT_FALSE(RunningJobAlive());
  EXPECT_FALSE(std::filesystem::exists(Sentinel()));
}
TEST_F(RunModes, DryrunReportsRunning) {
  MakeRunning();
  ExpectSkipped(RunXp({"--mode", "dryrun"}), "RUNNING", 0, "report only");
  EXPECT_TRUE(RunningJobAlive());
}

// DONE: all skip but restart, which wipes and runs.
TEST_F(RunModes, GentleStartSkipsDone) {
  MakeDone();
  ExpectSkipped(RunXp({}), "DONE", 1);
}
TEST_F(RunModes, StartContinueSkipsDone) {
  MakeDone();
  ExpectSkipped(RunXp({"--mode", "start_continue"}), "DONE", 1);
}
TEST_F(RunModes, StartRestartSkipsDone) {
  MakeDone();
  ExpectSkipped(RunXp({"--mode", "start_restart"}), "DONE", 1);
}
TEST_F(RunModes, RestartWipesAndRunsDoneAfterACountdown) {
  MakeDone();
  const RunResult r = RunXp({"--mode", "restart"});
  ExpectRan(r, "DONE", "wipe and run", 1);
  EXPECT_NE(r.out.find("wiping " + Dir() + " in 3 seconds"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(Sentinel()));
}
TEST_F(RunModes, DryrunReportsDone) {
  MakeDone();
  ExpectSkipped(RunXp({"--mode", "dryrun"}), "DONE", 1, "report only");
}

// DEAD: gentle_start skips, start_continue resumes in place, start_restart
// and restart wipe and run.
TEST_F(RunModes, GentleStartSkipsDead) {
  MakeDead();
  ExpectSkipped(RunXp({}), "DEAD", 1);
}
TEST_F(RunModes, StartContinueResumesDeadInTheSameFolder) {
  MakeDead();
  ExpectRan(RunXp({"--mode", "start_continue"}), "DEAD", "run", 1);
  EXPECT_TRUE(std::filesystem::exists(Sentinel()));
}
TEST_F(RunModes, StartContinueKeepsTheJobHistoryAndCreationTimeOfTheRecord) {
  MakeDead();
  absl::StatusOr<heyhi::XpRecord> dead = heyhi::ReadXpRecord(heyhi::ExpDir(Dir(), box_.exp_root));
  ASSERT_TRUE(dead.ok()) << dead.status();
  ASSERT_EQ(dead->job_ids_size(), 1);
  ASSERT_EQ(RunXp({"--mode", "start_continue"}).exit_code, 0);
  absl::StatusOr<heyhi::XpRecord> done = heyhi::ReadXpRecord(heyhi::ExpDir(Dir(), box_.exp_root));
  ASSERT_TRUE(done.ok()) << done.status();
  ASSERT_EQ(done->job_ids_size(), 2);
  EXPECT_EQ(done->job_ids(0), dead->job_ids(0));
  EXPECT_EQ(done->created(), dead->created());
  EXPECT_GT(done->ended(), 0);
}
TEST_F(RunModes, StartRestartWipesAndRunsDead) {
  MakeDead();
  ExpectRan(RunXp({"--mode", "start_restart", "--force"}), "DEAD", "wipe and run", 1);
  EXPECT_FALSE(std::filesystem::exists(Sentinel()));
}
TEST_F(RunModes, RestartWipesAndRunsDead) {
  MakeDead();
  ExpectRan(RunXp({"--mode", "restart", "--force"}), "DEAD", "wipe and run", 1);
  EXPECT_FALSE(std::filesystem::exists(Sentinel()));
}
TEST_F(RunModes, DryrunReportsDead) {
  MakeDead();
  ExpectSkipped(RunXp({"--mode", "dryrun"}), "DEAD", 1, "report only");
}

TEST_F(RunModes, AdhocDefaultsToRestart) {
  const RunResult r = box_.Run({"-c", kSleep, "--adhoc", "--mode", "dryrun"});
  EXPECT_EQ(r.exit_code, 0);
  const RunResult d = box_.Run({"-c", kSleep, "--adhoc", "--out", "xp", "--force"});
  EXPECT_EQ(Line(d.out, "mode"), "restart -> run") << d.out;
}

TEST_F(RunModes, UnknownModeIsAnErrorListingTheModes) {
  const RunResult r = RunXp({"--mode", "start"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("gentle_start, start_continue, start_restart, restart or dryrun"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(IsEmptyDir(box_.exp_root));
}

}  // namespace
}  // namespace heyhi_test
