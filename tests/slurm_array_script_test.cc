// Unit tests of Slurm job arrays without a Slurm (SPEC §12 "Slurm"): how
// members split into arrays, the array's script (run by bash with a stand-in
// srun), the journal entry, and "slurm:<array>_<task>" ids.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "heyhi/base/shell_quote.h"
#include "heyhi/base/subprocess.h"
#include "heyhi/exp_dir.h"
#include "heyhi/launch/slurm/array.h"
#include "heyhi/launch/slurm/client.h"
#include "heyhi/launch/slurm/launcher.h"
#include "heyhi/launch/slurm/preemption.h"
#include "heyhi/launch/slurm/script.h"
#include "tests/scoped_env.h"
#include "tests/temp_tree.h"

namespace heyhi {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The #SBATCH lines of a script, in order.
std::vector<std::string> SbatchLines(const std::string& script) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(script, '\n')) {
    if (absl::StartsWith(line, "#SBATCH ")) lines.emplace_back(line.substr(8));
  }
  return lines;
}

SlurmLauncher FullLauncher() {
  SlurmLauncher slurm;
  slurm.set_num_gpus(16);
  slurm.set_partition("learn");
  slurm.set_hours(2.5f);
  slurm.set_constraint("volta32gb");
  slurm.set_comment("deadline friday");
  slurm.set_signal("USR1@120");
  return slurm;
}

TEST(SlurmArrayScript, ArraysHoldAtMostMaxArraySizeTasksEachInOrder) {
  EXPECT_THAT(ArraySizes(5, 3), ElementsAre(3, 2));
  EXPECT_THAT(ArraySizes(3, 3), ElementsAre(3));
  EXPECT_THAT(ArraySizes(1, 1001), ElementsAre(1));
  EXPECT_THAT(ArraySizes(0, 3), ElementsAre());
  const std::vector<int> sizes = ArraySizes(10000, 1001);
  ASSERT_EQ(sizes.size(), 10u);
  EXPECT_EQ(sizes.front(), 1001);
  EXPECT_EQ(sizes.back(), 10000 - 9 * 1001);
}

TEST(SlurmArrayScript, ArrayRangeIsZeroToNMinusOneWithTheParallelism) {
  EXPECT_EQ(ArrayRange(5, 2), "0-4%2");
  EXPECT_EQ(ArrayRange(1, 256), "0-0%256");
}

TEST(SlurmArrayScript, ArrayHasTheSbatchLinesOfOneJobBesidesItsNameArrayAndLogs) {
  const SlurmLauncher slurm = FullLauncher();
  absl::StatusOr<std::string> one = MakeSbatchScript(slurm, "/exp/x", "/bin/run");
  absl::StatusOr<std::string> array =
      MakeArraySbatchScript(slurm, "heyhi-array-1", "0-4%2", "/j/heyhi-array-1", "/bin/run");
  ASSERT_TRUE(one.ok()) << one.status();
  ASSERT_TRUE(array.ok()) << array.status();
  std::vector<std::string> one_lines = SbatchLines(*one);
  std::vector<std::string> array_lines = SbatchLines(*array);
  ASSERT_EQ(one_lines.size() + 1, array_lines.size());
  EXPECT_EQ(one_lines.front(), "--job-name=heyhi");
  EXPECT_EQ(array_lines[0], "--job-name=heyhi-array-1");
  EXPECT_EQ(array_lines[1], "--array=0-4%2");
  // The same resources, time, signal and requeue lines, in the same order.
  EXPECT_EQ(std::vector<std::string>(one_lines.begin() + 1, one_lines.end() - 2),
            std::vector<std::string>(array_lines.begin() + 2, array_lines.end() - 2));
  EXPECT_THAT(array_lines, testing::Contains("--gres=gpu:8"));
  EXPECT_EQ(array_lines[array_lines.size() - 2], "--output=\"/j/heyhi-array-1/%A_%a.out\"");
  EXPECT_EQ(array_lines.back(), "--error=\"/j/heyhi-array-1/%A_%a.err\"");
}

TEST(SlurmArrayScript, ArrayScriptRejectsWhatOneJobsScriptRejects) {
  SlurmLauncher slurm;
  slurm.set_num_gpus(12);
  EXPECT_THAT(MakeArraySbatchScript(slurm, "n", "0-1%1", "/j/n", "/bin/run").status().message(),
              HasSubstr("launcher.slurm.num_gpus"));
  slurm.set_num_gpus(0);
  slurm.set_comment("say \"hi\"");
  EXPECT_FALSE(MakeArraySbatchScript(slurm, "n", "0-1%1", "/j/n", "/bin/run").ok());
  slurm.clear_comment();
  EXPECT_THAT(MakeArraySbatchScript(slurm, "n", "0-1%1", "j/n", "/bin/run").status().message(),
              HasSubstr("absolute"));
}

// Runs `script` with bash as array task `task` of array 77 would, with an
// srun in PATH that prints its arguments.
ProgramResult RunAsArrayTask(TempTree& tree, const std::string& script, int task) {
  const std::string bin = tree.Path("bin");
  std::filesystem::create_directories(bin);
  std::ofstream(bin + "/srun") << "#!/bin/bash\necho \"srun $*\"\necho \"stderr of task\" >&2\n";
  chmod((bin + "/srun").c_str(), 0755);
  std::ofstream(tree.Path("job.sbatch")) << script;
  ProgramOptions options;
  options.env = {absl::StrCat("PATH=", bin, ":/usr/bin:/bin"), "SLURM_ARRAY_JOB_ID=77",
                 absl::StrCat("SLURM_ARRAY_TASK_ID=", task), "SLURM_JOB_ID=91"};
  absl::StatusOr<ProgramResult> ran = RunProgram({"bash", tree.Path("job.sbatch")}, options);
  EXPECT_TRUE(ran.ok()) << ran.status();
  return ran.value_or(ProgramResult());
}

TEST(SlurmArrayScript, TaskRunsTheWorkerOnItsLineOfTheMembersFileAndLogsIntoThatExpDir) {
  TempTree tree;
  const std::vector<std::string> members = {tree.Path("exp/a"), tree.Path("exp/it's b"),
                                            tree.Path("exp/c $HOME")};
  std::string lines;
  for (const std::string& member : members) {
    std::filesystem::create_directories(member + "/slurm");
    absl::StrAppend(&lines, member, "\n");
  }
  const std::string folder = tree.Path("journal/heyhi-array-1");
  std::filesystem::create_directories(folder);
  std::ofstream(folder + "/members.txt") << lines;
  absl::StatusOr<std::string> script =
      MakeArraySbatchScript(SlurmLauncher(), "heyhi-array-1", "0-2%3", folder, "/snap/run");
  ASSERT_TRUE(script.ok()) << script.status();
  for (int task = 0; task < 3; ++task) {
    const ProgramResult ran = RunAsArrayTask(tree, *script, task);
    EXPECT_EQ(ran.exit_code, 0) << ran.err;
    // Nothing on Slurm's own output: the task's goes to its exp dir.
    EXPECT_EQ(ran.out, "");
    const std::string log = absl::StrCat(members[task], "/slurm/77_", task);
    EXPECT_EQ(ReadAll(log + ".out"), absl::StrCat("srun --unbuffered --kill-on-bad-exit=1 "
                                                  "/snap/run --worker ",
                                                  members[task], "\n"));
    EXPECT_EQ(ReadAll(log + ".err"), "stderr of task\n");
  }
  // A second run (a requeue) appends.
  const std::string first = ReadAll(members[1] + "/slurm/77_1.out");
  RunAsArrayTask(tree, *script, 1);
  EXPECT_EQ(ReadAll(members[1] + "/slurm/77_1.out"), first + first);
  EXPECT_EQ(ReadAll(members[1] + "/slurm/77_1.err"), "stderr of task\nstderr of task\n");
}

TEST(SlurmArrayScript, TaskWithoutALineInTheMembersFileFailsSayingSo) {
  TempTree tree;
  const std::string folder = tree.Path("journal/n");
  std::filesystem::create_directories(tree.Path("exp/a/slurm"));
  std::filesystem::create_directories(folder);
  std::ofstream(folder + "/members.txt") << tree.Path("exp/a") << "\n";
  absl::StatusOr<std::string> script =
      MakeArraySbatchScript(SlurmLauncher(), "n", "0-0%1", folder, "/snap/run");
  ASSERT_TRUE(script.ok()) << script.status();
  const ProgramResult ran = RunAsArrayTask(tree, *script, 1);
  EXPECT_EQ(ran.exit_code, 1);
  EXPECT_THAT(ran.err, HasSubstr("heyhi: array task 1 has no exp dir"));
  EXPECT_THAT(ran.err, HasSubstr(folder + "/members.txt"));
}

TEST(SlurmArrayScript, MasterPortOfAnArrayTaskComesFromItsOwnJobId) {
  absl::StatusOr<std::string> script =
      MakeArraySbatchScript(SlurmLauncher(), "n", "0-0%1", "/j/n", "/snap/run");
  ASSERT_TRUE(script.ok()) << script.status();
  EXPECT_THAT(*script, HasSubstr("\nexport MASTER_PORT=$((10000 + SLURM_JOB_ID % 20000))\n"));
  EXPECT_THAT(*script, StartsWith("#!/bin/bash\n"));
}

TEST(SlurmArrayJournal, EntryReadsBackAsWritten) {
  SubmissionEntry entry;
  entry.job_name = "heyhi-array-0123456789abcdef";
  entry.script = "/g/j/heyhi-array-0123456789abcdef/job.sbatch";
  entry.members_file = "/g/j/heyhi-array-0123456789abcdef/members.txt";
  entry.members = {"/e/p/a_123456789abc", "/e/p/with space: and colon"};
  std::string text = FormatSubmissionEntry(entry);
  EXPECT_THAT(text, StartsWith("# "));
  EXPECT_THAT(text, HasSubstr("\njob_name: heyhi-array-0123456789abcdef\n"));
  EXPECT_THAT(text, HasSubstr("\nmember: /e/p/with space: and colon\n"));
  absl::StatusOr<SubmissionEntry> read = ParseSubmissionEntry(text, "x.submission");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->job_name, entry.job_name);
  EXPECT_EQ(read->script, entry.script);
  EXPECT_EQ(read->members_file, entry.members_file);
  EXPECT_EQ(read->array_job_id, "");
  EXPECT_EQ(read->members, entry.members);
  entry.array_job_id = "4242";
  read = ParseSubmissionEntry(FormatSubmissionEntry(entry), "x.submission");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->array_job_id, "4242");
}

TEST(SlurmArrayJournal, BrokenEntryIsAnErrorNamingFileAndLine) {
  EXPECT_THAT(
      ParseSubmissionEntry("# c\njob_name: n\nmember /a\n", "/j/n.submission").status().message(),
      HasSubstr("/j/n.submission:3: not a 'key: value' line"));
  EXPECT_THAT(
      ParseSubmissionEntry("job_name: n\ncolour: red\n", "/j/n.submission").status().message(),
      HasSubstr("/j/n.submission:2: unknown key 'colour'"));
  EXPECT_THAT(ParseSubmissionEntry("job_name: n\n", "/j/n.submission").status().message(),
              HasSubstr("no member"));
}

TEST(SlurmArrayJournal, SubmissionOfNothingOrOfRelativeDirsIsRefusedBeforeSlurmIsAsked) {
  SlurmLauncher slurm;
  EXPECT_EQ(SubmitSlurmArrays(slurm, {}, "/bin/run", "/j", 2).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(SubmitSlurmArrays(slurm, {"exp/a"}, "/bin/run", "/j", 2).status().message(),
              HasSubstr("absolute"));
  EXPECT_THAT(SubmitSlurmArrays(slurm, {"/e/a", "/e/a"}, "/bin/run", "/j", 2).status().message(),
              HasSubstr("given twice"));
  EXPECT_THAT(SubmitSlurmArrays(slurm, {"/e/a"}, "/bin/run", "/j", 0).status().message(),
              HasSubstr("parallelism 0"));
  EXPECT_THAT(SubmitSlurmArrays(slurm, {"/e/a\nb"}, "/bin/run", "/j", 1).status().message(),
              HasSubstr("line break"));
}

TEST(SlurmArrayJournal, RecoveringAnEmptyOrMissingJournalAdoptsNothing) {
  TempTree tree;
  EXPECT_EQ(RecoverSlurmSubmissions(tree.Path("none")).value_or(-1), 0);
  std::filesystem::create_directories(tree.Path("journal"));
  // A temp file of an atomic write is not an entry.
  std::ofstream(tree.Path("journal/x.submission.tmp.1.0")) << "job_name: x\n";
  EXPECT_EQ(RecoverSlurmSubmissions(tree.Path("journal")).value_or(-1), 0);
}

// A Slurm of stand-in programs: squeue lists no job, scontrol shows a config
// with MaxArraySize 3 and jobcomp/filetxt records in `records`, and no job.
class FakeSlurm {
 public:
  explicit FakeSlurm(const std::string& records) {
    const std::string bin = tree_.Path("bin");
    std::filesystem::create_directories(bin);
    std::ofstream(tree_.Path("jobcomp.txt")) << records;
    std::ofstream(bin + "/squeue") << "#!/bin/bash\nexit 0\n";
    std::ofstream(bin + "/scontrol")
        << "#!/bin/bash\n"
        << "if [[ $1 == show && $2 == config ]]; then\n"
        << "  echo 'JobCompType             = jobcomp/filetxt'\n"
        << "  echo 'JobCompLoc              = " << tree_.Path("jobcomp.txt") << "'\n"
        << "  echo 'MaxArraySize            = 3'\n"
        << "  exit 0\n"
        << "fi\n"
        << "echo 'slurm_load_jobs error: Invalid job id specified' >&2\nexit 1\n";
    chmod((bin + "/squeue").c_str(), 0755);
    chmod((bin + "/scontrol").c_str(), 0755);
    path_.emplace("PATH", absl::StrCat(bin, ":/usr/bin:/bin"));
  }
  TempTree& tree() { return tree_; }

 private:
  TempTree tree_;
  std::optional<ScopedEnv> path_;
};

// Records as jobcomp/filetxt writes them for tasks 0 and 1 of array 7 named `name`.
std::string ArrayRecords(const std::string& name) {
  std::string records;
  for (const auto& [job, task, state] :
       {std::tuple<int, int, const char*>{8, 0, "COMPLETED"}, {7, 1, "FAILED"}}) {
    absl::StrAppend(&records, "JobId=", job, " UserId=root(0) GroupId=root(0) Name=", name,
                    " JobState=", state,
                    " Partition=debug TimeLimit=60 NodeList=localhost NodeCnt=1 ProcCnt=1 "
                    "WorkDir=/tmp ReservationName= Tres=cpu=1 Account= QOS= WcKey= "
                    "Cluster=unknown ArrayJobId=7 ArrayTaskId=",
                    task, " DerivedExitCode=0:0 ExitCode=0:0 \n");
  }
  return records;
}

TEST(SlurmArrayJobcomp, ArrayTaskThatLeftSqueueIsFoundInTheJobcompRecordsByArrayAndTask) {
  FakeSlurm slurm(ArrayRecords("heyhi-array-x"));
  SlurmClient client;
  EXPECT_EQ(client.QueryJob("7_0").value_or(SlurmJobState{}).state, "COMPLETED");
  EXPECT_EQ(client.QueryJob("7_1").value_or(SlurmJobState{}).state, "FAILED");
  EXPECT_EQ(client.QueryJob("7_1").value_or(SlurmJobState{}).source, "jobcomp");
  EXPECT_EQ(client.QueryJob("7_2").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(client.MaxArraySize().value_or(0), 3);
  EXPECT_THAT(client.FindJobsByName("heyhi-array-x").value_or(std::vector<std::string>{}),
              ElementsAre("7"));
  EXPECT_THAT(client.FindJobsByName("heyhi-array-y").value_or(std::vector<std::string>{"?"}),
              ElementsAre());
}

TEST(SlurmArrayJobcomp, RecoveryAdoptsAnArrayThatLeftSqueueFoundByNameInTheJobcompRecords) {
  FakeSlurm slurm(ArrayRecords("heyhi-array-x"));
  const std::string journal = slurm.tree().Path("journal");
  SubmissionEntry entry;
  entry.job_name = "heyhi-array-x";
  entry.script = journal + "/heyhi-array-x/job.sbatch";
  entry.members_file = journal + "/heyhi-array-x/members.txt";
  for (const char* name : {"a", "b"}) {
    ExpDir dir(slurm.tree().Path(absl::StrCat("exp/", name)), slurm.tree().root());
    ASSERT_TRUE(dir.Create().ok());
    entry.members.push_back(dir.path());
  }
  // The second member records a job of its own since: it is left alone.
  ASSERT_TRUE(ExpDir(entry.members[1], entry.members[1]).RecordJobId("slurm:99").ok());
  slurm.tree().Write("journal/heyhi-array-x.submission", FormatSubmissionEntry(entry));
  absl::StatusOr<int> adopted = RecoverSlurmSubmissions(journal);
  ASSERT_TRUE(adopted.ok()) << adopted.status();
  EXPECT_EQ(*adopted, 1);
  EXPECT_EQ(ExpDir(entry.members[0], entry.members[0]).JobId().value_or(""), "slurm:7_0");
  EXPECT_EQ(ExpDir(entry.members[1], entry.members[1]).JobId().value_or(""), "slurm:99");
  EXPECT_FALSE(std::filesystem::exists(journal + "/heyhi-array-x.submission"));
}

TEST(SlurmArrayJobcomp, EntryThatKnowsItsArrayIsAdoptedWithoutAskingByName) {
  FakeSlurm slurm("");
  const std::string journal = slurm.tree().Path("journal");
  SubmissionEntry entry;
  entry.job_name = "heyhi-array-z";
  entry.script = journal + "/heyhi-array-z/job.sbatch";
  entry.members_file = journal + "/heyhi-array-z/members.txt";
  entry.array_job_id = "41";
  ExpDir dir(slurm.tree().Path("exp/a"), slurm.tree().root());
  ASSERT_TRUE(dir.Create().ok());
  entry.members.push_back(dir.path());
  slurm.tree().Write("journal/heyhi-array-z.submission", FormatSubmissionEntry(entry));
  EXPECT_EQ(RecoverSlurmSubmissions(journal).value_or(-1), 1);
  EXPECT_EQ(dir.JobId().value_or(""), "slurm:41_0");
}

TEST(SlurmArrayIds, ArrayTaskIdsAreSlurmIdsAndMalformedOnesAreRefused) {
  for (const char* bad : {"slurm:12_", "slurm:_3", "slurm:12_x", "slurm:1_2_3", "12_3"}) {
    absl::StatusOr<bool> alive = SlurmJobIsAlive(bad);
    ASSERT_FALSE(alive.ok()) << bad;
    EXPECT_THAT(alive.status().message(), HasSubstr("slurm:<array>_<task>")) << bad;
    EXPECT_FALSE(KillSlurmJob(bad).ok()) << bad;
  }
}

TEST(SlurmArrayIds, ArrayTaskRequeuesItsArrayAndTaskIdNotItsOwnJobId) {
  // Task 2 of array 7 may have job id 7 itself: requeueing "7" would requeue every task.
  EXPECT_EQ(OwnSlurmJobId("7", "7", "2"), "7_2");
  EXPECT_EQ(OwnSlurmJobId("9", "7", "1"), "7_1");
  EXPECT_EQ(OwnSlurmJobId("12", "", ""), "12");
}

}  // namespace
}  // namespace heyhi
