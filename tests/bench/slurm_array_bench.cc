// 10,000 prepared experiments submitted to the test Slurm as job arrays, then
// cancelled: the figure SPEC §12 "Slurm" asks for (target: 10 s for both).
// Runs its own one-node Slurm (tools/slurm/start.sh, as root) with
// MaxArraySize 10001, so the 10,000 members fit one array, and again with
// Slurm's default 1001 (ten arrays); MaxJobCount 100000 in both.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "conf.pb.h"
#include "heyhi/base/subprocess.h"
#include "heyhi/config.h"
#include "heyhi/exp_dir.h"
#include "heyhi/launch/slurm/array.h"
#include "heyhi/launch/slurm/client.h"
#include "heyhi/print.h"

namespace {

constexpr int kMembers = 10000;

std::string Source() { return HEYHI_SOURCE_DIR; }

// A one-node Slurm for the bench: started with `max_array_size`, stopped
// (and its folder removed) when destroyed.
class BenchSlurm {
 public:
  explicit BenchSlurm(int max_array_size) {
    char dir_template[] = "/tmp/heyhi-slurm-bench.XXXXXX";
    if (mkdtemp(dir_template) == nullptr) return;
    dir_ = dir_template;
    heyhi::ProgramOptions options;
    // Slurm counts each task of an array as a job, and its default MaxJobCount
    // (10000) leaves no room for 10,000 tasks beside the cancelled ones it keeps.
    options.env = {absl::StrCat("HH_SLURM_MAX_ARRAY_SIZE=", max_array_size),
                   "HH_SLURM_MAX_JOB_COUNT=100000"};
    options.timeout = std::chrono::seconds(60);
    absl::StatusOr<heyhi::ProgramResult> started =
        heyhi::RunProgram({"bash", Source() + "/tools/slurm/start.sh", dir_}, options);
    if (!started.ok() || started->exit_code != 0) {
      error_ = started.ok() ? started->err : std::string(started.status().message());
      return;
    }
    absl::string_view line = absl::StripAsciiWhitespace(started->out);
    absl::ConsumePrefix(&line, "export SLURM_CONF=");
    setenv("SLURM_CONF", std::string(line).c_str(), 1);
  }
  ~BenchSlurm() {
    if (dir_.empty()) return;
    heyhi::RunProgram({"bash", Source() + "/tools/slurm/stop.sh", dir_}, std::chrono::seconds(60))
        .IgnoreError();
    std::filesystem::remove_all(dir_);
    unsetenv("SLURM_CONF");
  }
  const std::string& error() const { return error_; }

 private:
  std::string dir_;
  std::string error_;
};

// kMembers exp dirs as `run` prepares them (marker, configs, launch dir), of
// the test_sleep task on Slurm sleeping 600 s. Made once and kept (like
// xp_ls_bench's exp root): writing and deleting 40,000 files takes longer
// than what is measured. Written without fsync: making them is not measured.
const std::vector<std::string>& Members() {
  static const std::vector<std::string> members = [] {
    const std::string root = absl::StrCat("/tmp/heyhi_slurm_array_bench_", kMembers);
    const bool complete = std::filesystem::exists(root + "/.complete");
    if (!complete) std::filesystem::remove_all(root);
    heyhi::LoadOptions options;
    options.root_type = MetaCfg::descriptor();
    absl::StatusOr<heyhi::Composed> composed = heyhi::LoadConfig(
        Source() + "/conf/c90_test/sleep_slurm.prototxt", {"seconds=600"}, options);
    if (!composed.ok()) return std::vector<std::string>();
    const std::string root_text = heyhi::PrintText(*composed->root);
    const std::string task_text = heyhi::PrintText(*composed->task);
    std::vector<std::string> dirs;
    for (int i = 0; i < kMembers; ++i) {
      const std::string dir = absl::StrCat(root, "/exp/p/c90_test/sleep_slurm/lr@", i, "_member");
      dirs.push_back(dir);
      if (complete) continue;
      std::filesystem::create_directories(dir);
      std::ofstream(dir + "/" + heyhi::kMarkerFile) << "bench\n";
      std::ofstream(dir + "/" + heyhi::kRootConfigFile) << root_text;
      std::ofstream(dir + "/" + heyhi::kTaskConfigFile) << task_text;
      std::ofstream(dir + "/" + heyhi::kLaunchDirFile) << Source() << "\n";
    }
    std::ofstream(root + "/.complete").close();
    return dirs;
  }();
  return members;
}

void SubmitAndCancel(benchmark::State& state, int max_array_size) {
  if (geteuid() != 0) {
    state.SkipWithError("the test Slurm runs its daemons as root; not root here");
    return;
  }
  BenchSlurm slurm(max_array_size);
  if (!slurm.error().empty()) {
    state.SkipWithError(("tools/slurm/start.sh failed: " + slurm.error()).c_str());
    return;
  }
  const std::vector<std::string>& dirs = Members();
  if (dirs.size() != kMembers) {
    state.SkipWithError("cannot prepare the exp dirs");
    return;
  }
  heyhi::SlurmLauncher launcher;
  launcher.set_num_gpus(0);
  const std::string snapshot = std::string(HEYHI_BINARY_DIR) + "/tests/heyhi_test_run";
  const heyhi::SlurmClient client;
  double submit_s = 0, cancel_s = 0;
  size_t arrays = 0;
  const std::string journal = "/tmp/heyhi_slurm_array_bench_journal";
  for (auto _ : state) {
    std::filesystem::remove_all(journal);
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<std::vector<heyhi::ArraySubmission>> submitted =
        heyhi::SubmitSlurmArrays(launcher, dirs, snapshot, journal, 256);
    const auto submitted_at = std::chrono::steady_clock::now();
    if (!submitted.ok()) {
      state.SkipWithError(std::string(submitted.status().message()).c_str());
      break;
    }
    arrays = submitted->size();
    // scancel of every array, then until squeue shows none of them alive.
    for (const heyhi::ArraySubmission& array : *submitted) {
      absl::Status cancelled = client.Cancel(array.array_job_id);
      if (!cancelled.ok()) {
        state.SkipWithError(std::string(cancelled.message()).c_str());
        break;
      }
    }
    const auto end = std::chrono::steady_clock::now();
    submit_s += std::chrono::duration<double>(submitted_at - start).count();
    cancel_s += std::chrono::duration<double>(end - submitted_at).count();
    state.SetIterationTime(std::chrono::duration<double>(end - start).count());
  }
  state.counters["members"] = kMembers;
  state.counters["arrays"] = static_cast<double>(arrays);
  state.counters["submit_s"] = benchmark::Counter(submit_s, benchmark::Counter::kAvgIterations);
  state.counters["cancel_s"] = benchmark::Counter(cancel_s, benchmark::Counter::kAvgIterations);
}

void BM_Submit10000MembersAsOneArrayThenCancel(benchmark::State& state) {
  SubmitAndCancel(state, kMembers + 1);
}
BENCHMARK(BM_Submit10000MembersAsOneArrayThenCancel)
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()
    ->Iterations(1);

void BM_Submit10000MembersAsTenArraysThenCancel(benchmark::State& state) {
  SubmitAndCancel(state, heyhi::kSlurmDefaultMaxArraySize);
}
BENCHMARK(BM_Submit10000MembersAsTenArraysThenCancel)
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()
    ->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
