// Job arrays on a real one-node Slurm whose MaxArraySize is 3 (SPEC §12
// "Slurm" and "Crash safety"): members split into arrays, each ends DONE with
// its own task id; a preempted task requeues itself alone; a submitter killed
// around sbatch is recovered without a second submission; squeue -r keys.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "conf.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "heyhi/conf_access.h"
#include "heyhi/config.h"
#include "heyhi/exp_dir.h"
#include "heyhi/experiment/local_job.h"
#include "heyhi/experiment/xp_index.h"
#include "heyhi/experiment/xp_record.h"
#include "heyhi/launch/dispatch.h"
#include "heyhi/launch/slurm/array.h"
#include "heyhi/launch/slurm/launcher.h"
#include "heyhi/signature.h"
#include "tests/scoped_env.h"
#include "tests/slurm/slurm_fixture.h"
#include "tests/temp_tree.h"

namespace heyhi {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kConfig[] = "conf/c90_test/sleep_slurm.prototxt";

std::string Snapshot() { return std::string(HEYHI_BINARY_DIR) + "/tests/heyhi_test_run"; }

std::vector<std::string> Words(const std::string& text) {
  return absl::StrSplit(text, absl::ByAnyChar(" \n"), absl::SkipEmpty());
}

// Slurm's own job id of each task of `array`: "<array>_<task>" -> job id.
std::map<std::string, std::string> OwnJobIds(const std::string& array) {
  std::map<std::string, std::string> ids;
  absl::StatusOr<ProgramResult> squeue = RunProgram(
      {"squeue", "-h", "-r", "--states=all", "-j", array, "-o", "%i %A"}, std::chrono::seconds(30));
  EXPECT_TRUE(squeue.ok() && squeue->exit_code == 0);
  if (!squeue.ok()) return ids;
  for (absl::string_view line : absl::StrSplit(squeue->out, '\n', absl::SkipWhitespace())) {
    std::vector<std::string> words = Words(std::string(line));
    if (words.size() == 2) ids[words[0]] = words[1];
  }
  return ids;
}

// `scontrol show job <id>`'s KEY=VALUE.
std::string JobField(const std::string& id, const std::string& key) {
  absl::StatusOr<ProgramResult> shown =
      RunProgram({"scontrol", "show", "job", id}, std::chrono::seconds(30));
  if (!shown.ok()) return "";
  for (const std::string& word : Words(shown->out)) {
    if (absl::StartsWith(word, key + "=")) return word.substr(key.size() + 1);
  }
  return "";
}

// The journal entries left in `journal_dir`.
std::vector<std::string> Entries(const std::string& journal_dir) {
  std::vector<std::string> entries;
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator(journal_dir, ignored)) {
    if (entry.path().extension() == kSubmissionSuffix) entries.push_back(entry.path());
  }
  return entries;
}

// steps.txt of the `steps` form of test_sleep: (requeue count, step) per started step.
std::vector<std::pair<int, int>> StepsIn(const std::string& exp_dir) {
  std::vector<std::pair<int, int>> steps;
  std::ifstream in(exp_dir + "/steps.txt");
  int requeue = 0, step = 0;
  while (in >> requeue >> step) steps.emplace_back(requeue, step);
  return steps;
}

bool StartedStep(const std::string& exp_dir, int requeues, int min_step) {
  for (const auto& [requeue, step] : StepsIn(exp_dir)) {
    if (requeue == requeues && step >= min_step) return true;
  }
  return false;
}

class SlurmArrayTest : public SlurmTest {
 protected:
  // The suite's Slurm takes arrays of at most 3 tasks (indices 0..2).
  static void SetUpTestSuite() {
    ScopedEnv max_array_size("HH_SLURM_MAX_ARRAY_SIZE", "3");
    SlurmTest::SetUpTestSuite();
  }

  void TearDown() override {
    for (const std::string& array : arrays_) client_.Cancel(array).IgnoreError();
  }

  // An exp dir of kConfig with `overrides`, prepared as `run` prepares one
  // before its launcher is called (Launch in heyhi/cli/main.cc): marker,
  // configs, launch dir, snapshot, record, XP index, and the launching
  // process's own id as the placeholder job id.
  std::string Prepare(const std::vector<std::string>& overrides) {
    LoadOptions options;
    options.root_type = MetaCfg::descriptor();
    absl::StatusOr<Composed> composed =
        LoadConfig(absl::StrCat(HEYHI_SOURCE_DIR, "/", kConfig), overrides, options);
    EXPECT_TRUE(composed.ok()) << composed.status();
    if (!composed.ok()) return "";
    launcher_ = dynamic_cast<const TestSleepTask&>(*composed->task).launcher().slurm();
    const std::string sig = Signature(*composed->task);
    const std::string path =
        absl::StrCat(exp_root_, "/p/c90_test/sleep_slurm/member", prepared_++, "_", sig);
    ExpDir dir(path, exp_root_);
    EXPECT_TRUE(dir.Create().ok());
    EXPECT_TRUE(SaveConfig(*composed->root, dir.File(kRootConfigFile)).ok());
    EXPECT_TRUE(SaveConfig(*composed->task, dir.File(kTaskConfigFile)).ok());
    EXPECT_TRUE(dir.WriteFile(kLaunchDirFile, absl::StrCat(HEYHI_SOURCE_DIR, "\n")).ok());
    EXPECT_TRUE(dir.WriteFile(kSnapshotFile, Snapshot() + "\n").ok());
    EXPECT_TRUE(UpdateXpRecord(dir, [&](XpRecord* record) {
                  record->set_sig(sig);
                  record->set_config(kConfig);
                  record->set_task(composed->task_name);
                  record->set_created(UnixNow());
                }).ok());
    EXPECT_TRUE(IndexXp(exp_root_, sig, path).ok());
    EXPECT_TRUE(dir.RecordJobId(LocalJobId()).ok());
    return path;
  }

  // `n` members, member i with `overrides` and write_file=<scratch>/ran_<i>.txt.
  std::vector<std::string> PrepareMembers(int n, const std::vector<std::string>& overrides = {}) {
    std::vector<std::string> dirs;
    for (int i = 0; i < n; ++i) {
      std::vector<std::string> own = overrides;
      own.push_back(
          absl::StrCat("write_file=", tree_.Path(absl::StrCat("ran_", prepared_, ".txt"))));
      dirs.push_back(Prepare(own));
    }
    return dirs;
  }

  absl::StatusOr<std::vector<ArraySubmission>> Submit(const std::vector<std::string>& dirs,
                                                      int parallelism) {
    absl::StatusOr<std::vector<ArraySubmission>> submitted =
        SubmitSlurmArrays(launcher_, dirs, Snapshot(), journal_, parallelism);
    if (submitted.ok()) {
      for (const ArraySubmission& array : *submitted) arrays_.push_back(array.array_job_id);
    }
    return submitted;
  }

  XpStatus StatusOf(const std::string& dir) const {
    return ExpDir(dir, exp_root_).Status(JobIsAlive);
  }

  std::string JobIdIn(const std::string& dir) const {
    return ExpDir(dir, exp_root_).JobId().value_or("");
  }

  // Runs SubmitSlurmArrays in a child process (which records its own
  // placeholder id first, as a grid would) with `fake_bin` first in PATH;
  // returns how the child ended.
  int SubmitInChildWithPath(const std::vector<std::string>& dirs, const std::string& fake_bin) {
    const std::string path = absl::StrCat(fake_bin, ":", std::getenv("PATH"));
    const pid_t pid = fork();
    if (pid == 0) {
      setenv("PATH", path.c_str(), 1);
      for (const std::string& dir : dirs) {
        if (!ExpDir(dir, exp_root_).RecordJobId(LocalJobId()).ok()) _exit(3);
      }
      _exit(SubmitSlurmArrays(launcher_, dirs, Snapshot(), journal_, 4).ok() ? 0 : 2);
    }
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    return status;
  }

  // A folder with an `sbatch` of `text` (a bash script body).
  std::string FakeSbatch(const std::string& name, const std::string& text) {
    return FakeSbatchFolder(tree_.root(), name, text);
  }

  TempTree tree_;
  std::string exp_root_ = tree_.Path("exp");
  std::string journal_ = tree_.Path("grids/g/journal");
  SlurmLauncher launcher_;
  int prepared_ = 0;
  std::vector<std::string> arrays_;  // cancelled after each test
};

TEST_F(SlurmArrayTest, FiveMembersOverMaxArraySizeThreeGoAsArraysOfThreeAndTwoEachEndingDone) {
  const std::vector<std::string> dirs = PrepareMembers(5);
  absl::StatusOr<std::vector<ArraySubmission>> submitted = Submit(dirs, 2);
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  ASSERT_EQ(submitted->size(), 2u);
  const ArraySubmission &first = (*submitted)[0], &second = (*submitted)[1];
  EXPECT_NE(first.array_job_id, second.array_job_id);
  const std::string a = "slurm:" + first.array_job_id, b = "slurm:" + second.array_job_id;
  EXPECT_THAT(first.job_ids, ElementsAre(a + "_0", a + "_1", a + "_2"));
  EXPECT_THAT(second.job_ids, ElementsAre(b + "_0", b + "_1"));
  // Recorded before SubmitSlurmArrays returned; the journal is complete.
  const std::vector<std::string> ids = {a + "_0", a + "_1", a + "_2", b + "_0", b + "_1"};
  for (size_t i = 0; i < dirs.size(); ++i) EXPECT_EQ(JobIdIn(dirs[i]), ids[i]);
  EXPECT_THAT(Entries(journal_), IsEmpty());
  EXPECT_EQ(JobField(first.array_job_id + "_0", "ArrayTaskThrottle"), "2");

  ASSERT_TRUE(WaitFor(
      [&] {
        for (const std::string& dir : dirs) {
          if (StatusOf(dir) != XpStatus::kDone) return false;
        }
        return true;
      },
      120))
      << ReadFile(dirs[0] + "/slurm/" + first.array_job_id + "_0.err");
  for (size_t i = 0; i < dirs.size(); ++i) {
    const std::string task = ids[i].substr(6);  // "<array>_<task>"
    SCOPED_TRACE(task);
    EXPECT_EQ(WaitForState(task, "COMPLETED"), "COMPLETED");
    // The worker ran in its own exp dir, and its output went there.
    const std::vector<std::string> ran =
        Words(ReadFile(tree_.Path(absl::StrCat("ran_", i, ".txt"))));
    ASSERT_EQ(ran.size(), 6u);
    EXPECT_EQ(ran[5], dirs[i]);
    EXPECT_THAT(ReadFile(dirs[i] + "/slurm/" + task + ".err"),
                HasSubstr("running task test_sleep in " + dirs[i]));
    absl::StatusOr<XpRecord> record = ReadXpRecord(ExpDir(dirs[i], exp_root_));
    ASSERT_TRUE(record.ok()) << record.status();
    EXPECT_THAT(record->job_ids(), testing::Contains(ids[i]));
    EXPECT_GT(record->started(), 0);
    EXPECT_GT(record->ended(), 0);
  }
}

TEST_F(SlurmArrayTest, PreemptedArrayTaskRequeuesItselfAloneNotItsArray) {
  // Neither run can end before the test lets it: the last step waits for may_end.
  const std::string may_end = tree_.Path("may_end");
  const std::vector<std::string> dirs =
      PrepareMembers(2, {"steps=16", "seconds=0.25", "wait_file=" + may_end});
  absl::StatusOr<std::vector<ArraySubmission>> submitted = Submit(dirs, 2);
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  ASSERT_EQ(submitted->size(), 1u);
  const std::string array = (*submitted)[0].array_job_id;
  ASSERT_TRUE(WaitFor([&] { return StartedStep(dirs[0], 0, 3) && StartedStep(dirs[1], 0, 3); }))
      << ReadFile(dirs[0] + "/slurm/" + array + "_0.err");

  // The task whose own job id is the array's: `scontrol requeue <that id>`
  // would requeue the whole array.
  const std::map<std::string, std::string> own = OwnJobIds(array);
  ASSERT_EQ(own.size(), 2u);
  int preempted = -1;
  for (int task = 0; task < 2; ++task) {
    if (own.at(absl::StrCat(array, "_", task)) == array) preempted = task;
  }
  ASSERT_GE(preempted, 0) << "no task has the array's own job id";
  const int other = 1 - preempted;
  const std::string task = absl::StrCat(array, "_", preempted);
  const std::string other_task = absl::StrCat(array, "_", other);
  const std::string err_log = dirs[preempted] + "/slurm/" + task + ".err";

  ASSERT_TRUE(client_.Signal(task, "USR2").ok());
  ASSERT_EQ(WaitForState(task, "PENDING"), "PENDING") << ReadFile(err_log);
  EXPECT_EQ(client_.QueryJob(other_task)->state, "RUNNING");
  EXPECT_EQ(JobField(other_task, "Restarts"), "0");
  EXPECT_EQ(StatusOf(dirs[preempted]), XpStatus::kRunning);  // requeued, waiting

  std::ofstream(may_end).close();  // both runs go to the end
  ASSERT_EQ(WaitForState(other_task, "COMPLETED"), "COMPLETED");
  StartRequeuedJobNow(task);
  ASSERT_TRUE(WaitFor([&] { return StatusOf(dirs[preempted]) == XpStatus::kDone; }, 120))
      << ReadFile(err_log);
  EXPECT_EQ(WaitForState(task, "COMPLETED"), "COMPLETED");
  EXPECT_EQ(StatusOf(dirs[other]), XpStatus::kDone);
  EXPECT_EQ(JobField(task, "Restarts"), "1");
  EXPECT_EQ(JobField(other_task, "Restarts"), "0");
  for (const auto& [requeue, step] : StepsIn(dirs[other])) EXPECT_EQ(requeue, 0) << step;
  EXPECT_TRUE(StartedStep(dirs[preempted], 1, 3));
  EXPECT_THAT(ReadFile(err_log), HasSubstr("requeued Slurm job " + task + " (requeue 1 of"));
  EXPECT_EQ(JobIdIn(dirs[preempted]), "slurm:" + task);
}

TEST_F(SlurmArrayTest, SubmitterKilledAfterSbatchIsRecoveredByAdoptingItsArrayNeverResubmitting) {
  const std::vector<std::string> dirs = PrepareMembers(2);
  // sbatch submits, then the submitter dies before it hears the answer.
  const std::string killing =
      FakeSbatch("bin_kill_after", absl::StrCat(RealSbatch(), " \"$@\"\nkill -9 $PPID\n"));
  const int ended = SubmitInChildWithPath(dirs, killing);
  ASSERT_TRUE(WIFSIGNALED(ended) && WTERMSIG(ended) == SIGKILL) << ended;
  const std::vector<std::string> entries = Entries(journal_);
  ASSERT_EQ(entries.size(), 1u);
  for (const std::string& dir : dirs) {
    EXPECT_THAT(JobIdIn(dir), testing::StartsWith("local:"));  // the dead submitter's
    EXPECT_EQ(StatusOf(dir), XpStatus::kDead);
  }
  absl::StatusOr<SubmissionEntry> entry = ParseSubmissionEntry(ReadFile(entries[0]), entries[0]);
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->members, dirs);
  absl::StatusOr<std::vector<std::string>> named = client_.FindJobsByName(entry->job_name);
  ASSERT_TRUE(named.ok()) << named.status();
  ASSERT_EQ(named->size(), 1u);
  const std::string array = named->front();
  arrays_.push_back(array);

  // Recovery asks Slurm, never sbatch: this one would leave a trace.
  const std::string trace = tree_.Path("sbatch_called");
  const std::string tracing = FakeSbatch("bin_trace", "touch " + trace + "\nexit 1\n");
  absl::StatusOr<int> adopted;
  {
    ScopedEnv path("PATH", absl::StrCat(tracing, ":", std::getenv("PATH")));
    adopted = RecoverSlurmSubmissions(journal_);
  }
  ASSERT_TRUE(adopted.ok()) << adopted.status();
  EXPECT_EQ(*adopted, 2);
  EXPECT_FALSE(std::filesystem::exists(trace));
  EXPECT_THAT(Entries(journal_), IsEmpty());
  EXPECT_EQ(JobIdIn(dirs[0]), "slurm:" + array + "_0");
  EXPECT_EQ(JobIdIn(dirs[1]), "slurm:" + array + "_1");
  // Still the one array by that name; a second recovery finds nothing to do.
  EXPECT_THAT(client_.FindJobsByName(entry->job_name).value_or(std::vector<std::string>{}),
              ElementsAre(array));
  EXPECT_EQ(RecoverSlurmSubmissions(journal_).value_or(-1), 0);
  ASSERT_TRUE(WaitFor(
      [&] { return StatusOf(dirs[0]) == XpStatus::kDone && StatusOf(dirs[1]) == XpStatus::kDone; },
      120))
      << ReadFile(dirs[0] + "/slurm/" + array + "_0.err");
}

TEST_F(SlurmArrayTest, SubmitterKilledBeforeSbatchLeavesItsMembersNotStartedOnRecovery) {
  const std::vector<std::string> dirs = PrepareMembers(2);
  const std::string killing = FakeSbatch("bin_kill_before", "kill -9 $PPID\nexit 1\n");
  const int ended = SubmitInChildWithPath(dirs, killing);
  ASSERT_TRUE(WIFSIGNALED(ended) && WTERMSIG(ended) == SIGKILL) << ended;
  const std::vector<std::string> entries = Entries(journal_);
  ASSERT_EQ(entries.size(), 1u);
  absl::StatusOr<SubmissionEntry> entry = ParseSubmissionEntry(ReadFile(entries[0]), entries[0]);
  ASSERT_TRUE(entry.ok()) << entry.status();

  absl::StatusOr<int> adopted = RecoverSlurmSubmissions(journal_);
  ASSERT_TRUE(adopted.ok()) << adopted.status();
  EXPECT_EQ(*adopted, 0);
  EXPECT_THAT(Entries(journal_), IsEmpty());
  EXPECT_FALSE(std::filesystem::exists(entry->script));
  for (const std::string& dir : dirs) {
    EXPECT_EQ(StatusOf(dir), XpStatus::kNotStarted);
    EXPECT_FALSE(std::filesystem::exists(dir + "/heyhi.jobid"));
  }
  EXPECT_THAT(client_.FindJobsByName(entry->job_name).value_or(std::vector<std::string>{"?"}),
              IsEmpty());
}

TEST_F(SlurmArrayTest, FailedSbatchNamesTheCommandWithSlurmsMessageAndLeavesMembersNotStarted) {
  const std::vector<std::string> dirs = PrepareMembers(4);
  launcher_.set_partition("nosuchpartition");
  absl::StatusOr<std::vector<ArraySubmission>> submitted = Submit(dirs, 2);
  ASSERT_FALSE(submitted.ok());
  EXPECT_THAT(submitted.status().message(),
              HasSubstr("cannot submit the Slurm array of members 0..2"));
  EXPECT_THAT(submitted.status().message(), HasSubstr("`sbatch --parsable " + journal_ + "/"));
  EXPECT_THAT(submitted.status().message(), HasSubstr("invalid partition"));
  for (const std::string& dir : dirs) {
    EXPECT_EQ(StatusOf(dir), XpStatus::kNotStarted);
    EXPECT_FALSE(std::filesystem::exists(dir + "/heyhi.jobid"));
  }
  EXPECT_THAT(Entries(journal_), IsEmpty());
}

TEST_F(SlurmArrayTest, FailedSbatchOfTheSecondArrayKeepsTheFirstSubmittedAndNamesIt) {
  const std::vector<std::string> dirs = PrepareMembers(4);  // arrays of 3 and 1
  const std::string once = tree_.Path("sbatch_ran_once");
  const std::string second_fails = FakeSbatch(
      "bin_second_fails",
      absl::StrCat("if [ -e ", once, " ]; then echo 'sbatch: error: invalid partition' >&2; ",
                   "exit 1; fi\ntouch ", once, "\nexec ", RealSbatch(), " \"$@\"\n"));
  absl::StatusOr<std::vector<ArraySubmission>> submitted;
  {
    ScopedEnv path("PATH", absl::StrCat(second_fails, ":", std::getenv("PATH")));
    submitted = Submit(dirs, 2);
  }
  ASSERT_FALSE(submitted.ok());
  const std::string first = JobIdIn(dirs[0]).substr(6, JobIdIn(dirs[0]).find('_') - 6);
  arrays_.push_back(first);
  EXPECT_THAT(submitted.status().message(),
              HasSubstr("cannot submit the Slurm array of members 3..3: `sbatch --parsable "));
  EXPECT_THAT(submitted.status().message(), HasSubstr("invalid partition"));
  EXPECT_THAT(submitted.status().message(),
              HasSubstr("(the array(s) before it were submitted: " + first + ")"));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(JobIdIn(dirs[i]), absl::StrCat("slurm:", first, "_", i));
  EXPECT_EQ(StatusOf(dirs[3]), XpStatus::kNotStarted);
  EXPECT_THAT(Entries(journal_), IsEmpty());
}

TEST_F(SlurmArrayTest, SbatchFailingAfterTheControllerTookTheArrayIsAdoptedByNameNotResubmitted) {
  const std::vector<std::string> dirs = PrepareMembers(2);
  // The array is submitted, but sbatch reports a failure (as on a timeout).
  const std::string failing = FakeSbatch(
      "bin_fail_after",
      absl::StrCat(RealSbatch(), " \"$@\"\n",
                   "echo 'sbatch: error: Socket timed out on send/recv' >&2\n", "exit 1\n"));
  absl::StatusOr<std::vector<ArraySubmission>> submitted;
  {
    ScopedEnv path("PATH", absl::StrCat(failing, ":", std::getenv("PATH")));
    submitted = Submit(dirs, 2);
  }
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  ASSERT_EQ(submitted->size(), 1u);
  const std::string array = (*submitted)[0].array_job_id;
  EXPECT_EQ(JobIdIn(dirs[0]), "slurm:" + array + "_0");
  EXPECT_EQ(JobIdIn(dirs[1]), "slurm:" + array + "_1");
  EXPECT_THAT(Entries(journal_), IsEmpty());
  const std::string name = JobField(array + "_0", "JobName");
  EXPECT_THAT(client_.FindJobsByName(name).value_or(std::vector<std::string>{}),
              ElementsAre(array));
  ASSERT_TRUE(WaitFor(
      [&] { return StatusOf(dirs[0]) == XpStatus::kDone && StatusOf(dirs[1]) == XpStatus::kDone; },
      120));
}

TEST_F(SlurmArrayTest, QueueStatesKeyEveryArrayTaskAsArrayUnderscoreTaskPendingOnesToo) {
  const std::vector<std::string> dirs = PrepareMembers(3, {"seconds=300"});
  absl::StatusOr<std::vector<ArraySubmission>> submitted = Submit(dirs, 1);  // one at a time
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  const std::string array = (*submitted)[0].array_job_id;
  ASSERT_EQ(WaitForState(array + "_0", "RUNNING"), "RUNNING");
  // squeue without -r folds the pending tasks into one row.
  absl::StatusOr<ProgramResult> folded =
      RunProgram({"squeue", "-h", "-j", array, "-o", "%i"}, std::chrono::seconds(30));
  ASSERT_TRUE(folded.ok());
  EXPECT_THAT(folded->out, HasSubstr(array + "_["));

  absl::StatusOr<std::map<std::string, std::string>> states = client_.QueueStates();
  ASSERT_TRUE(states.ok()) << states.status();
  EXPECT_EQ((*states)[array + "_0"], "RUNNING");
  EXPECT_EQ((*states)[array + "_1"], "PENDING");
  EXPECT_EQ((*states)[array + "_2"], "PENDING");
  for (const auto& [key, state] : *states) EXPECT_THAT(key, testing::Not(HasSubstr("["))) << key;

  // A pending task's id is alive; killing it stops that task alone.
  EXPECT_EQ(SlurmJobIsAlive("slurm:" + array + "_2").value_or(false), true);
  EXPECT_EQ(StatusOf(dirs[2]), XpStatus::kRunning);
  absl::Status killed = KillSlurmJob("slurm:" + array + "_2");
  ASSERT_TRUE(killed.ok()) << killed;
  // A pending task cancelled alone leaves no record at all.
  EXPECT_EQ(client_.QueryJob(array + "_2").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(SlurmJobIsAlive("slurm:" + array + "_2").value_or(true), false);
  EXPECT_EQ(StatusOf(dirs[2]), XpStatus::kDead);
  EXPECT_EQ(client_.QueryJob(array + "_1")->state, "PENDING");
  EXPECT_EQ(client_.QueryJob(array + "_0")->state, "RUNNING");
  EXPECT_EQ(StatusOf(dirs[0]), XpStatus::kRunning);
  EXPECT_EQ(StatusOf(dirs[1]), XpStatus::kRunning);
  // The array's own id stands for every task left: cancelling it waits for all.
  ASSERT_TRUE(client_.Cancel(array).ok());
  EXPECT_EQ(SlurmJobIsAlive("slurm:" + array + "_0").value_or(true), false);
  EXPECT_EQ(SlurmJobIsAlive("slurm:" + array + "_1").value_or(true), false);
}

}  // namespace
}  // namespace heyhi
