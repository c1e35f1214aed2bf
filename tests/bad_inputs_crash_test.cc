// The bad-input catalogue (tests/BAD_INPUTS.md), the machine's part: a full
// disk, `kill -9` at each step of a launch (the HH_TEST_KILL_AT test hook) and
// 16 runs of one command at once. After each, the status is what happened,
// no temporary or half-written file is left, and the next run finishes the
// experiment; nothing is lost.
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "bad_inputs_helpers.h"
#include "gtest/gtest.h"
#include "heyhi/exp_dir.h"
#include "heyhi/experiment/metrics.h"
#include "heyhi/experiment/xp_record.h"

namespace heyhi_test {
namespace {

namespace fs = std::filesystem;

std::string Trimmed(const std::string& text) {
  const size_t begin = text.find_first_not_of(' ');
  return begin == std::string::npos ? "" : text.substr(begin);
}

// The experiment of these tests: the test task, which appends a line to
// work/ran.txt each time it runs and logs `epochs` lines of metrics.
class Crash : public ::testing::Test {
 protected:
  std::string Ran() const { return box_.work + "/ran.txt"; }
  std::vector<std::string> Args(std::vector<std::string> more = {}) const {
    std::vector<std::string> args = {"-c", SleepConfig(), "write_file=" + Ran(),
                                     "metrics_epochs=" + std::to_string(epochs_)};
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }
  // The exp dir these Args() name (from a dryrun, which creates nothing).
  std::string ExpDirOf(const std::vector<std::string>& args) const {
    std::vector<std::string> look = args;
    look.insert(look.end(), {"--mode", "dryrun"});
    return Line(box_.Run(look).out, "exp dir");
  }
  Outcome RunKilledAt(const std::string& step, const std::vector<std::string>& args) const {
    Launch launch = heyhi_test::Args(args);
    launch.env = {"HH_TEST_KILL_AT=" + step};
    const Outcome killed = box_.Run(launch);
    EXPECT_EQ(killed.signal, SIGKILL) << step << ": " << killed.out << killed.err;
    return killed;
  }

  // The experiment is whole: DONE, every file heyhi writes in place and
  // readable, one line of metrics per epoch, no temporary file anywhere.
  void ExpectWholeAndDone(const std::string& dir, int job_ids) const {
    EXPECT_EQ(box_.StatusOf(Args()), "DONE");
    EXPECT_EQ(TempFilesUnder(box_.exp_root), std::vector<std::string>{});
    for (const char* file :
         {heyhi::kMarkerFile, heyhi::kDoneFile, heyhi::kJobIdFile, heyhi::kRootConfigFile,
          heyhi::kTaskConfigFile, heyhi::kOverridesFile, heyhi::kCommandFile, heyhi::kLaunchDirFile,
          heyhi::kSnapshotFile, heyhi::kXpRecordFile}) {
      EXPECT_TRUE(fs::is_regular_file(dir + "/" + file)) << file;
    }
    absl::StatusOr<heyhi::XpRecord> record = heyhi::ReadXpRecord(heyhi::ExpDir(dir, dir));
    ASSERT_TRUE(record.ok()) << record.status();
    EXPECT_EQ(dir.substr(dir.size() - 12), record->sig());
    EXPECT_EQ(record->job_ids_size(), job_ids);
    EXPECT_GT(record->ended(), 0);
    EXPECT_EQ(fs::read_symlink(box_.exp_root + "/.xps/" + record->sig()).string(), dir);
    std::vector<std::string> warnings;
    const std::vector<heyhi::MetricsLine> lines =
        heyhi::ReadMetrics(dir + "/" + heyhi::kMetricsFile, &warnings);
    EXPECT_EQ(warnings, std::vector<std::string>{});
    std::set<double> epochs;
    for (const heyhi::MetricsLine& line : lines) epochs.insert(line.values.at("epoch"));
    EXPECT_EQ(lines.size(), static_cast<size_t>(epochs_));
    EXPECT_EQ(epochs.size(), static_cast<size_t>(epochs_));
    const Outcome info = box_.Run({"info", dir});
    EXPECT_EQ(info.exit_code, 0) << info.err;
    EXPECT_EQ(Trimmed(Line(info.out, "status")), "DONE");
  }

  // Kills a launch at `step`, expects `status` then, and runs it again: once
  // in the default mode (which runs it only if NOT_STARTED) and, when DEAD,
  // with start_continue. `runs_before` task runs happened before the kill.
  void KillRerunAndCheck(const std::string& step, const std::string& status, int runs_before,
                         const std::vector<std::string>& more = {}) {
    const std::vector<std::string> args = Args(more);
    const std::string dir = ExpDirOf(args);
    RunKilledAt(step, args);
    EXPECT_EQ(box_.StatusOf(args), status) << step;
    EXPECT_EQ(CountLines(Ran()), runs_before) << step;
    Outcome next = box_.Run(args);
    EXPECT_EQ(next.exit_code, 0) << next.err;
    EXPECT_EQ(Line(next.out, "status"), status);
    int job_ids = status == "NOT_STARTED" ? 1 : runs_before + (status == "DEAD" ? 1 : 0);
    if (status == "DEAD") {
      EXPECT_EQ(Line(next.out, "status after"), "DEAD");  // gentle_start leaves it
      std::vector<std::string> resume = args;
      resume.insert(resume.end(), {"--mode", "start_continue"});
      next = box_.Run(resume);
      EXPECT_EQ(next.exit_code, 0) << next.err;
      job_ids = 2;
    }
    EXPECT_EQ(Line(next.out, "status after"), "DONE") << next.out << next.err;
    EXPECT_EQ(CountLines(Ran()), status == "DONE" ? runs_before : runs_before + 1);
    ExpectWholeAndDone(dir, job_ids);
  }

  int epochs_ = 3;
  Sandbox box_;
};

using KillNine = Crash;

TEST_F(KillNine, AfterTheSnapshotBeforeAnyExpDirFile) {
  const std::string dir = ExpDirOf(Args());
  RunKilledAt("after_snapshot", Args());
  EXPECT_FALSE(fs::exists(dir));
  KillRerunAndCheck("after_snapshot", "NOT_STARTED", 0);
}

TEST_F(KillNine, AfterTheLock) { KillRerunAndCheck("after_lock", "NOT_STARTED", 0); }

TEST_F(KillNine, AfterTheConfigFiles) { KillRerunAndCheck("after_config", "NOT_STARTED", 0); }

TEST_F(KillNine, AfterTheRecord) { KillRerunAndCheck("after_record", "NOT_STARTED", 0); }

TEST_F(KillNine, AfterTheIndexLink) { KillRerunAndCheck("after_index", "NOT_STARTED", 0); }

TEST_F(KillNine, AfterTheJobIdIsDeadAndResumes) { KillRerunAndCheck("after_jobid", "DEAD", 0); }

TEST_F(KillNine, AfterTheTaskReturnedBeforeTheDoneMarkerIsDead) {
  KillRerunAndCheck("after_task", "DEAD", 1);
}

TEST_F(KillNine, AfterTheDoneMarkerIsDone) { KillRerunAndCheck("after_done", "DONE", 1); }

TEST_F(KillNine, WhileWritingTheMarker) { KillRerunAndCheck("writing:.heyhi", "NOT_STARTED", 0); }

TEST_F(KillNine, WhileWritingTheConfig) {
  KillRerunAndCheck("writing:config_meta.prototxt", "NOT_STARTED", 0);
}

TEST_F(KillNine, WhileWritingTheRecord) {
  KillRerunAndCheck("writing:heyhi.xp.prototxt", "NOT_STARTED", 0);
}

TEST_F(KillNine, WhileWritingTheJobId) {
  KillRerunAndCheck("writing:heyhi.jobid", "NOT_STARTED", 0);
}

TEST_F(KillNine, WhileWritingTheDoneMarker) { KillRerunAndCheck("writing:heyhi.done", "DEAD", 1); }

TEST_F(KillNine, WhileCopyingTheBinaryIntoTheSnapshotCache) {
  const std::string dir = ExpDirOf(Args());
  RunKilledAt("writing:run", Args());
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_EQ(TempFilesUnder(box_.exp_root).size(), 1u);  // the half-made copy
  KillRerunAndCheck("writing:run", "NOT_STARTED", 0);
}

TEST_F(KillNine, AfterTheWipeOfARestart) {
  const std::string dir = ExpDirOf(Args());
  ASSERT_EQ(box_.Run(Args()).exit_code, 0);
  box_.Write(dir.substr(box_.tree.root().size() + 1) + "/left_by_the_task.txt", "x");
  std::vector<std::string> restart = Args({"--mode", "restart", "--force"});
  RunKilledAt("after_config", restart);
  EXPECT_FALSE(fs::exists(dir + "/left_by_the_task.txt"));
  EXPECT_EQ(box_.StatusOf(Args()), "NOT_STARTED");
  const Outcome next = box_.Run(Args());
  EXPECT_EQ(Line(next.out, "status after"), "DONE") << next.err;
  EXPECT_EQ(CountLines(Ran()), 2);
  ExpectWholeAndDone(dir, 1);
}

TEST_F(KillNine, AfterTheWorkersStartedTheyAreGoneAndTheXpIsDead) {
  std::vector<std::string> args = Args({"launcher.local.num_procs=2", "--checkpoint="});
  const std::string dir = ExpDirOf(args);
  RunKilledAt("after_workers", args);
  // The workers die with the run that started them (PR_SET_PDEATHSIG).
  std::vector<pid_t> workers;
  std::ifstream log(dir + "/run.log");
  for (std::string line; std::getline(log, line);) {
    const size_t at = line.find(" started, pid ");
    if (at != std::string::npos) workers.push_back(std::stoi(line.substr(at + 14)));
  }
  ASSERT_EQ(workers.size(), 2u);
  for (pid_t worker : workers) {
    for (int i = 0; i < 6000 && kill(worker, 0) == 0; ++i) usleep(10000);
    EXPECT_NE(kill(worker, 0), 0) << "worker " << worker << " outlived its run";
  }
  EXPECT_EQ(box_.StatusOf(args), "DEAD");
  args.insert(args.end(), {"--mode", "start_continue"});
  const Outcome next = box_.Run(args);
  EXPECT_EQ(Line(next.out, "status after"), "DONE") << next.err;
  EXPECT_EQ(TempFilesUnder(box_.exp_root), std::vector<std::string>{});
}

class DiskFull : public Crash {
 protected:
  // Runs Args(more) with files limited to `bytes`: a write past it fails as
  // on a full disk.
  Outcome RunWithFilesLimitedTo(rlim_t bytes, const std::vector<std::string>& more) const {
    Launch launch = heyhi_test::Args(Args(more));
    launch.max_file_bytes = bytes;
    return box_.Run(launch);
  }
};

TEST_F(DiskFull, TheSnapshotDoesNotFit) {
  const std::string dir = ExpDirOf(Args());
  const Outcome full = RunWithFilesLimitedTo(64 << 10, {});
  EXPECT_EQ(full.exit_code, 1);
  EXPECT_TRUE(Contains(full.err, "run: cannot write " + box_.exp_root + "/.bin/")) << full.err;
  EXPECT_TRUE(Contains(full.err, "File too large")) << full.err;
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_EQ(TempFilesUnder(box_.exp_root), std::vector<std::string>{});
  EXPECT_EQ(box_.StatusOf(Args()), "NOT_STARTED");
  const Outcome next = box_.Run(Args());
  EXPECT_EQ(Line(next.out, "status after"), "DONE") << next.err;
  ExpectWholeAndDone(dir, 1);
}

TEST_F(DiskFull, TheConfigDoesNotFit) {
  // 20 kB of tags, in a config whose files may hold 8 kB each.
  std::string tags = "tags=[";
  for (int i = 0; i < 2000; ++i) tags += (i > 0 ? ", t" : "t") + std::to_string(i);
  tags += "]";
  const std::string dir = ExpDirOf(Args({tags}));
  const Outcome full = RunWithFilesLimitedTo(8 << 10, {tags, "--checkpoint="});
  EXPECT_EQ(full.exit_code, 1);
  EXPECT_TRUE(Contains(full.err, "run: cannot write " + dir + "/config_meta.prototxt.tmp."))
      << full.err;
  EXPECT_TRUE(Contains(full.err, "File too large")) << full.err;
  EXPECT_FALSE(fs::exists(dir));  // the launch took back the exp dir it made
  EXPECT_EQ(TempFilesUnder(box_.exp_root), std::vector<std::string>{});
  EXPECT_EQ(box_.StatusOf(Args({tags})), "NOT_STARTED");
  const Outcome next = box_.Run(Args({tags, "--checkpoint="}));
  EXPECT_EQ(Line(next.out, "status after"), "DONE") << next.err;
  EXPECT_EQ(CountLines(Ran()), 1);
}

TEST_F(DiskFull, TheMetricsDoNotFit) {
  epochs_ = 100;  // about 10 kB of metrics, in files that may hold 4 kB each
  const std::string dir = ExpDirOf(Args());
  const Outcome full = RunWithFilesLimitedTo(4 << 10, {"--checkpoint="});
  EXPECT_EQ(full.exit_code, 1);
  EXPECT_TRUE(Contains(full.err, "cannot append to " + dir + "/metrics.jsonl: File too large"))
      << full.err;
  EXPECT_EQ(Line(full.out, "status after"), "DEAD");
  EXPECT_EQ(box_.StatusOf(Args()), "DEAD");
  // Only whole lines: every one parses.
  std::vector<std::string> warnings;
  EXPECT_GT(heyhi::ReadMetrics(dir + "/metrics.jsonl", &warnings).size(), 0u);
  EXPECT_EQ(warnings, std::vector<std::string>{});
  EXPECT_EQ(ReadAll(dir + "/metrics.jsonl").back(), '\n');
  EXPECT_EQ(TempFilesUnder(box_.exp_root), std::vector<std::string>{});
  std::vector<std::string> resume = Args({"--checkpoint=", "--mode", "start_continue"});
  const Outcome next = box_.Run(resume);
  EXPECT_EQ(Line(next.out, "status after"), "DONE") << next.err;
  ExpectWholeAndDone(dir, 2);
}

// A real full file system: a 128 KiB tmpfs as the exp root, mounted in a
// mount namespace of this test process alone (gone when it exits), filled
// but for `free_pages` pages of 4 KiB.
class FullTmpfs : public DiskFull {
 protected:
  void FillAllBut(int free_pages) {
    if (unshare(CLONE_NEWNS) != 0) {
      GTEST_SKIP() << "no mount namespace here (unshare: " << std::strerror(errno)
                   << "); CI runs as root, where it works";
    }
    ASSERT_EQ(mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0)
        << std::strerror(errno);
    if (mount("tmpfs", box_.exp_root.c_str(), "tmpfs", 0, "size=128k") != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs here (" << std::strerror(errno)
                   << "); CI runs as root, where it works";
    }
    mounted_ = true;
    const int fd = open(Filler().c_str(), O_WRONLY | O_CREAT, 0644);
    ASSERT_GE(fd, 0);
    const std::string page(4096, 'x');
    while (write(fd, page.data(), page.size()) > 0) {
    }
    EXPECT_EQ(errno, ENOSPC);
    ASSERT_EQ(ftruncate(fd, static_cast<off_t>(fs::file_size(Filler())) - free_pages * 4096), 0);
    close(fd);
  }
  std::string Filler() const { return box_.exp_root + "/filler"; }
  void TearDown() override {
    if (mounted_) umount2(box_.exp_root.c_str(), MNT_DETACH);  // before the sandbox goes
  }

  // Runs the experiment on the full file system: refused, and nothing left
  // but the filler; then with room, DONE.
  void ExpectRefusedThenDoneWithRoom() {
    const std::vector<std::string> args = Args({"--checkpoint="});
    const std::string dir = ExpDirOf(args);
    const Outcome full = box_.Run(args);
    EXPECT_EQ(full.exit_code, 1);
    EXPECT_TRUE(Contains(full.err, "run: cannot write " + dir + "/")) << full.err;
    EXPECT_TRUE(Contains(full.err, "No space left on device")) << full.err;
    std::vector<std::string> left;
    for (const auto& entry : fs::directory_iterator(box_.exp_root)) {
      left.push_back(entry.path().filename().string());
    }
    EXPECT_EQ(left, std::vector<std::string>{"filler"});
    EXPECT_EQ(box_.StatusOf(args), "NOT_STARTED");
    fs::remove(Filler());
    const Outcome next = box_.Run(args);
    EXPECT_EQ(Line(next.out, "status after"), "DONE") << next.err;
    ExpectWholeAndDone(dir, 1);
  }

  bool mounted_ = false;
};

TEST_F(FullTmpfs, NoRoomForTheMarker) {
  FillAllBut(0);
  if (IsSkipped()) return;
  ExpectRefusedThenDoneWithRoom();
}

TEST_F(FullTmpfs, RoomForTwoFilesOfTheExpDir) {
  FillAllBut(2);
  if (IsSkipped()) return;
  ExpectRefusedThenDoneWithRoom();
}

class Racing : public Crash {
 protected:
  // Starts 16 runs of `args` at once. The one that launches runs its task
  // until may_end exists, so the others can only find it launching or
  // RUNNING, however late they come; expects that of them, then lets the
  // task end and expects it DONE, having run once.
  void SixteenAtOnce(const std::vector<std::string>& args) {
    const std::string may_end = box_.work + "/may_end";
    std::vector<std::string> racing = args;
    racing.insert(racing.end(), {"wait_file=" + may_end});
    const std::string dir = ExpDirOf(racing);
    const int runs_before = CountLines(Ran());
    std::vector<Started> runs;
    for (int i = 0; i < 16; ++i) runs.push_back(box_.Start(heyhi_test::Args(racing)));
    // The task has started: the launching run is known by its job id.
    for (int i = 0; i < 6000 && CountLines(Ran()) == runs_before; ++i) usleep(10000);
    ASSERT_EQ(CountLines(Ran()), runs_before + 1);
    const std::string job_id = ReadAll(dir + "/heyhi.jobid");
    const pid_t launcher = std::stoi(job_id.substr(job_id.find(':') + 1));
    int others = 0;
    for (const Started& run : runs) {
      if (run.pid == launcher) continue;
      const Outcome outcome = WaitFor(run);
      EXPECT_EQ(outcome.exit_code, 0) << outcome.out << outcome.err;
      EXPECT_EQ(Line(outcome.out, "status after"), "RUNNING") << outcome.out;
      EXPECT_TRUE(Contains(outcome.out, "another run is launching this experiment") ||
                  Line(outcome.out, "status") == "RUNNING")
          << outcome.out;
      ++others;
    }
    EXPECT_EQ(others, 15);
    std::ofstream(may_end).close();
    for (const Started& run : runs) {
      if (run.pid != launcher) continue;
      const Outcome outcome = WaitFor(run);
      EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
      EXPECT_EQ(Line(outcome.out, "status after"), "DONE") << outcome.out;
    }
    EXPECT_EQ(CountLines(Ran()), runs_before + 1);
    EXPECT_EQ(TempFilesUnder(box_.exp_root), std::vector<std::string>{});
    absl::StatusOr<heyhi::XpRecord> record = heyhi::ReadXpRecord(heyhi::ExpDir(dir, dir));
    ASSERT_TRUE(record.ok()) << record.status();
    EXPECT_EQ(record->job_ids(record->job_ids_size() - 1), job_id.substr(0, job_id.size() - 1));
    const Outcome info = box_.Run({"info", dir});
    EXPECT_EQ(info.exit_code, 0) << info.err;
    EXPECT_EQ(Trimmed(Line(info.out, "status")), "DONE");
  }
};

TEST_F(Racing, SixteenRunsOfANewXpLaunchItOnce) {
  SixteenAtOnce(Args());
  // One snapshot of the binary, whole, however many made it at once.
  int snapshots = 0;
  for (const auto& entry : fs::directory_iterator(box_.exp_root + "/.bin")) {
    if (entry.path().filename() == "known") continue;
    ++snapshots;
    EXPECT_EQ(fs::file_size(entry.path() / "run"), fs::file_size(RunBinaryPath()));
  }
  EXPECT_EQ(snapshots, 1);
}

TEST_F(Racing, SixteenStartRestartsOfADeadXpWipeAndRunItOnce) {
  const std::vector<std::string> args = Args({"wait_file=" + box_.work + "/may_end"});
  RunKilledAt("after_jobid", args);
  ASSERT_EQ(box_.StatusOf(args), "DEAD");
  SixteenAtOnce(Args({"--mode", "start_restart", "--force"}));
}

}  // namespace
}  // namespace heyhi_test
