// The launch cost of `run`, whole process, on the test run binary (no
// LibTorch): a new experiment of a task that returns at once, the same
// command again once it is DONE (nothing to do), and --mode dryrun. Each
// starts from the repository's root (so the snapshot records its git state)
// with the binary's snapshot made and its hash known: the second run of the
// same binary, as a user's every run after the first.
#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "tests/bench/whole_process.h"

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
  static const ExpRoot root;  // destroyed, so removed, when the benchmark exits
  return root;
}

// The test run binary with `args`, from the source folder, its experiments
// under Root(), and no other HH_ variable (HH_CONF_ROOT and the like) of
// this process.
heyhi_bench::WholeProcess TestRun(const std::vector<std::string>& args) {
  heyhi_bench::WholeProcess run;
  run.argv = {std::string(HEYHI_BINARY_DIR) + "/tests/heyhi_test_run"};
  run.argv.insert(run.argv.end(), args.begin(), args.end());
  run.env = {"HH_EXP_DIR=" + Root().path()};
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string(*e).rfind("HH_", 0) != 0) run.env.push_back(*e);
  }
  run.cwd = HEYHI_SOURCE_DIR;
  run.discard_stderr = true;
  return run;
}

const std::vector<std::string> kNoOp = {"-c", "conf/c90_test/sleep.prototxt"};

// Times one run per iteration, with the arguments `args_of(i)` gives the
// i-th; the binary's snapshot is made and its hash recorded first.
void TimeRuns(benchmark::State& state,
              const std::function<std::vector<std::string>(int64_t)>& args_of) {
  static const bool primed = TestRun(kNoOp).Run();
  if (!primed) {
    state.SkipWithError("the test run binary failed");
    return;
  }
  double cpu_seconds = 0;
  int64_t i = 0;
  for (auto _ : state) {
    heyhi_bench::WholeProcess run = TestRun(args_of(i++));
    const bool ok = run.Run();
    cpu_seconds += run.cpu_seconds;
    if (!ok) {
      state.SkipWithError("run failed");
      break;
    }
  }
  state.counters["run_cpu_ms"] =
      benchmark::Counter(cpu_seconds * 1e3 / static_cast<double>(state.iterations()));
}

// A new experiment each time (its `lr` differs): compose, name, lock, exp
// dir and its files, snapshot link, git state, the task, the done marker.
void BM_RunNewXpOfANoOpTask(benchmark::State& state) {
  TimeRuns(state, [](int64_t i) {
    std::vector<std::string> args = kNoOp;
    args.push_back(absl::StrCat("lr=", 1 + i));
    return args;
  });
}
BENCHMARK(BM_RunNewXpOfANoOpTask)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2);

// The same command again: the experiment is DONE, nothing is launched.
void BM_RunOfADoneXp(benchmark::State& state) {
  TimeRuns(state, [](int64_t) { return kNoOp; });
}
BENCHMARK(BM_RunOfADoneXp)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2);

// --mode dryrun of a new experiment: what a run would do, nothing written.
void BM_RunDryrun(benchmark::State& state) {
  TimeRuns(state, [](int64_t) {
    std::vector<std::string> args = kNoOp;
    args.insert(args.end(), {"lr=0.5", "--mode", "dryrun"});
    return args;
  });
}
BENCHMARK(BM_RunDryrun)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2);

}  // namespace

BENCHMARK_MAIN();
