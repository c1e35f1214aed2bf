// The launch cost of `run`, whole process, on the test run binary (no
// LibTorch): a new experiment of a task that returns at once, the same
// command again once it is DONE (nothing to do), and --mode dryrun. Each
// starts from the repository's root (so the snapshot records its git state)
// with the binary's snapshot made and its hash known: the second run of the
// same binary, as a user's every run after the first.
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"

extern char** environ;

namespace {

// An HH_EXP_DIR of this process's own, removed at exit.
class ExpRoot {
 public:
  ExpRoot() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "heyhi_run_bench_XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~ExpRoot() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const ExpRoot& Root() {
  static const ExpRoot* root = new ExpRoot();
  return *root;
}

// Runs the test run binary with `args` from the source folder, output
// discarded; adds its CPU time (user + system) to `*cpu_seconds`. True if it
// exited 0.
bool RunOnce(const std::vector<std::string>& args, double* cpu_seconds) {
  const std::string binary = std::string(HEYHI_BINARY_DIR) + "/tests/heyhi_test_run";
  std::vector<std::string> words = {binary};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_words = {"HH_EXP_DIR=" + Root().path()};
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    if (entry.rfind("HH_", 0) != 0) env_words.push_back(entry);  // HH_CONF_ROOT and the like
  }
  std::vector<char*> envp;
  for (std::string& word : env_words) envp.push_back(word.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addchdir_np(&actions, HEYHI_SOURCE_DIR);
  pid_t pid;
  const bool spawned =
      posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), envp.data()) == 0;
  posix_spawn_file_actions_destroy(&actions);
  if (!spawned) return false;
  int status = 0;
  struct rusage usage {};
  ::wait4(pid, &status, 0, &usage);
  *cpu_seconds += static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                  static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

const std::vector<std::string> kNoOp = {"-c", "conf/c90_test/sleep.prototxt"};

// Makes the binary's snapshot and records its hash, once.
bool Primed() {
  static const bool primed = [] {
    double ignored = 0;
    return RunOnce(kNoOp, &ignored);
  }();
  return primed;
}

void SetCpuCounter(benchmark::State& state, double cpu_seconds) {
  state.counters["run_cpu_ms"] =
      benchmark::Counter(cpu_seconds * 1e3 / static_cast<double>(state.iterations()));
}

// A new experiment each time (its `lr` differs): compose, name, lock, exp
// dir and its files, snapshot link, git state, the task, the done marker.
void BM_RunNewXpOfANoOpTask(benchmark::State& state) {
  if (!Primed()) {
    state.SkipWithError("the test run binary failed");
    return;
  }
  double cpu_seconds = 0;
  int64_t n = 0;
  for (auto _ : state) {
    std::vector<std::string> args = kNoOp;
    args.push_back(absl::StrCat("lr=", 1 + n++));
    if (!RunOnce(args, &cpu_seconds)) {
      state.SkipWithError("run failed");
      break;
    }
  }
  SetCpuCounter(state, cpu_seconds);
}
BENCHMARK(BM_RunNewXpOfANoOpTask)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2);

// The same command again: the experiment is DONE, nothing is launched.
void BM_RunOfADoneXp(benchmark::State& state) {
  if (!Primed()) {
    state.SkipWithError("the test run binary failed");
    return;
  }
  double cpu_seconds = 0;
  for (auto _ : state) {
    if (!RunOnce(kNoOp, &cpu_seconds)) {
      state.SkipWithError("run failed");
      break;
    }
  }
  SetCpuCounter(state, cpu_seconds);
}
BENCHMARK(BM_RunOfADoneXp)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2);

// --mode dryrun of a new experiment: what a run would do, nothing written.
void BM_RunDryrun(benchmark::State& state) {
  if (!Primed()) {
    state.SkipWithError("the test run binary failed");
    return;
  }
  double cpu_seconds = 0;
  for (auto _ : state) {
    std::vector<std::string> args = kNoOp;
    args.insert(args.end(), {"lr=0.5", "--mode", "dryrun"});
    if (!RunOnce(args, &cpu_seconds)) {
      state.SkipWithError("run failed");
      break;
    }
  }
  SetCpuCounter(state, cpu_seconds);
}
BENCHMARK(BM_RunDryrun)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2);

}  // namespace

BENCHMARK_MAIN();
