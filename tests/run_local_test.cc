// Local launch: the exp dir's files, failures, worker processes and the
// binary snapshot they run (SPEC §6, §7).
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "run_test_helpers.h"

namespace heyhi_test {
namespace {

const char kSleep[] = "conf/c90_test/sleep.prototxt";
const char kTwoProcs[] = "conf/c90_test/sleep_2procs.prototxt";

std::vector<std::vector<std::string>> ReadRows(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(path);
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

TEST(RunLocal, ExpDirRecordsConfigCommandAndSourcesAndTheTaskRunsInIt) {
  RunSandbox box;
  const std::string ran = box.scratch + "/ran.txt";
  const RunResult r = box.Run({"-c", kSleep, "lr=.5", "write_file=" + ran});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string dir = Line(r.out, "exp dir");
  for (const char* name : {".heyhi", "heyhi.done", "heyhi.jobid", "config_meta.prototxt",
                           "config.prototxt", "overrides.txt", "command.txt", "run.log",
                           "heyhi.launch_dir", "heyhi.snapshot", "git.txt", "workdir.diff"}) {
    EXPECT_TRUE(std::filesystem::exists(dir + "/" + name)) << name;
  }
  EXPECT_EQ(ReadAll(dir + "/overrides.txt"), "lr=.5\nwrite_file=" + ran + "\n");
  EXPECT_NE(ReadAll(dir + "/config.prototxt").find("lr: 0.5"), std::string::npos);
  EXPECT_NE(ReadAll(dir + "/config_meta.prototxt").find("test_sleep {"), std::string::npos);
  EXPECT_EQ(ReadAll(dir + "/command.txt"), "cd " + SourceDir() + " && " + RunBinaryPath() + " -c " +
                                               kSleep + " lr=.5 write_file=" + ran + "\n");
  EXPECT_EQ(ReadAll(dir + "/heyhi.launch_dir"), SourceDir() + "\n");
  EXPECT_NE(ReadAll(dir + "/run.log").find("task test_sleep done"), std::string::npos);
  EXPECT_EQ(ReadAll(dir + "/heyhi.jobid").rfind("local:", 0), 0u);
  const auto rows = ReadRows(ran);
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_EQ(rows[0].size(), 6u);
  EXPECT_EQ(rows[0][5], dir);  // working directory of the task
}

TEST(RunLocal, RepeatingCommandTxtFindsTheSameExperiment) {
  RunSandbox box;
  const RunResult r = box.Run({"-c", kSleep, "seconds=0.01"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string dir = Line(r.out, "exp dir");
  const RunResult again = heyhi_test::Run(box.exp_root, {"-c", "sh " + dir + "/command.txt"},
                                          box.scratch, "/", "/bin/sh");
  EXPECT_EQ(Line(again.out, "exp dir"), dir) << again.out << again.err;
  EXPECT_EQ(Line(again.out, "status"), "DONE");
}

TEST(RunLocal, FailingTaskIsDeadWithTheErrorLoggedAndExitsNonZero) {
  RunSandbox box;
  const RunResult r = box.Run({"-c", kSleep, "fail=true"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(Line(r.out, "status after"), "DEAD");
  const std::string dir = Line(r.out, "exp dir");
  EXPECT_FALSE(std::filesystem::exists(dir + "/heyhi.done"));
  EXPECT_NE(ReadAll(dir + "/run.log").find("test_sleep asked to fail"), std::string::npos);
  EXPECT_EQ(Line(box.Run({"-c", kSleep, "fail=true", "--mode", "dryrun"}).out, "status"), "DEAD");
}

TEST(RunLocal, TaskExitingTheProcessIsDead) {
  RunSandbox box;
  const RunResult r = box.Run({"-c", kSleep, "exit_code=3"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(Line(box.Run({"-c", kSleep, "exit_code=3", "--mode", "dryrun"}).out, "status"), "DEAD");
}

TEST(RunLocal, TwoProcsSeeRanksZeroAndOneOfWorldSizeTwo) {
  RunSandbox box;
  const std::string ran = box.scratch + "/ran.txt";
  const RunResult r = box.Run({"-c", kTwoProcs, "write_file=" + ran});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Line(r.out, "status after"), "DONE");
  const std::string dir = Line(r.out, "exp dir");
  std::set<std::string> ranks, ports;
  for (const auto& row : ReadRows(ran)) {
    ASSERT_EQ(row.size(), 6u);
    ranks.insert(row[0] + "/" + row[1] + "/" + row[2]);
    ports.insert(row[3]);
    EXPECT_EQ(row[5], dir);
  }
  EXPECT_EQ(ranks, (std::set<std::string>{"0/2/0", "1/2/1"}));
  ASSERT_EQ(ports.size(), 1u);
  EXPECT_NE(*ports.begin(), "0");
  EXPECT_TRUE(std::filesystem::exists(dir + "/worker_0.log"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/worker_1.log"));
}

TEST(RunLocal, AFailingWorkerStopsTheOthersMarksDeadAndExitsNonZero) {
  RunSandbox box;
  const std::string ran = box.scratch + "/ran.txt";
  // Rank 0 would sleep a minute; rank 1 fails at once.
  const RunResult r =
      box.Run({"-c", kTwoProcs, "fail=true", "fail_rank=1", "seconds=60", "write_file=" + ran});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(Line(r.out, "status after"), "DEAD");
  const std::string dir = Line(r.out, "exp dir");
  EXPECT_FALSE(std::filesystem::exists(dir + "/heyhi.done"));
  EXPECT_NE(ReadAll(dir + "/run.log").find("worker 1 failed"), std::string::npos);
}

TEST(RunLocal, WorkersRunTheSnapshotEvenWhenTheBuiltBinaryIsReplaced) {
  RunSandbox box;
  // A private copy of the built binary, replaced while the job starts.
  const std::string binary = box.tree.Path("bin/run");
  std::filesystem::create_directories(box.tree.Path("bin"));
  std::filesystem::copy_file(RunBinaryPath(), binary);
  const std::string ran = box.scratch + "/ran.txt";
  RunProcess p = StartRun(box.exp_root, {"-c", kTwoProcs, "seconds=1", "write_file=" + ran},
                          box.scratch, SourceDir(), binary);
  std::string snapshot_file;
  for (int i = 0; i < 6000 && snapshot_file.empty(); ++i) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(box.exp_root)) {
      if (entry.path().filename() == "heyhi.snapshot") snapshot_file = entry.path().string();
    }
    if (snapshot_file.empty()) usleep(5000);
  }
  ASSERT_FALSE(snapshot_file.empty());
  // Replace the built binary by one that fails, as a rebuild would (rename
  // over it: the running `run` keeps its own inode).
  const std::string broken = box.tree.Write("bin/broken", "#!/bin/sh\nexit 42\n");
  chmod(broken.c_str(), 0755);
  std::filesystem::rename(broken, binary);
  const RunResult r = Wait(p);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Line(r.out, "status after"), "DONE");
  std::string snapshot = ReadAll(snapshot_file);
  snapshot.pop_back();
  EXPECT_EQ(snapshot.rfind(box.exp_root + "/.bin/", 0), 0u) << snapshot;
  const auto rows = ReadRows(ran);
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& row : rows) EXPECT_EQ(row[4], snapshot);  // /proc/self/exe of each rank
  // A run started from the replaced binary fails: the workers above did not use it.
  EXPECT_EQ(heyhi_test::Run(box.exp_root, {}, box.scratch, SourceDir(), binary).exit_code, 42);
}

TEST(RunLocal, EmptyCheckpointRunsTheBuildBinary) {
  RunSandbox box;
  const std::string ran = box.scratch + "/ran.txt";
  const RunResult r = box.Run({"-c", kTwoProcs, "--checkpoint", "", "write_file=" + ran});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(std::filesystem::exists(box.exp_root + "/.bin"));
  for (const auto& row : ReadRows(ran)) EXPECT_EQ(row[4], RunBinaryPath());
}

TEST(RunLocal, WorkerModeRunsTheFrozenConfigWithoutComposing) {
  RunSandbox box;
  const std::string ran = box.scratch + "/ran.txt";
  const RunResult r = box.Run({"-c", kSleep, "write_file=" + ran});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string dir = Line(r.out, "exp dir");
  // The config file may change after launch: the worker reads the exp dir.
  const RunResult w = heyhi_test::Run(box.exp_root, {"--worker", dir}, box.scratch, "/");
  EXPECT_EQ(w.exit_code, 0) << w.err;
  EXPECT_EQ(CountLines(ran), 2);
}

}  // namespace
}  // namespace heyhi_test
