// Grids of 10,000 members of sl.prototxt (SPEC §12 speed figures): expand,
// compose and sign them all (target under 1 s); their status table, in
// process and as `run grid --json` whole process (target under 1 s).
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "conf.pb.h"
#include "heyhi/base/files.h"
#include "heyhi/base/subprocess.h"
#include "heyhi/cli/grid_members.h"
#include "heyhi/config/grid_spec.h"

namespace {

// The built-in environment with its exp dir at `exp_root`.
heyhi::ActiveEnv EnvAt(const std::string& exp_root) {
  heyhi::ActiveEnv env;
  env.mutable_active_cluster()->set_name("default");
  env.mutable_active_cluster()->set_exp_dir(exp_root);
  return env;
}

// 100 learning rates x 100 batch sizes, with the demo's two overrides.
heyhi::GridSpec TenThousand() {
  absl::StatusOr<heyhi::GridSpec> spec = heyhi::SweepGrid(
      std::string(HEYHI_SOURCE_DIR) + "/conf/c02_sup_train/sl.prototxt",
      {"lr=range(0.001,0.1005,0.001)", "batch_size=range(1,101)", "data.max_train_samples=1000"});
  if (!spec.ok() || spec->members.size() != 10000) std::abort();
  return *spec;
}

void BM_ExpandComposeSign10000(benchmark::State& state) {
  for (auto _ : state) {
    heyhi::GridSpec spec = TenThousand();
    heyhi::ComposedGrid grid =
        heyhi::ComposeGrid(spec, MetaCfg::descriptor(), EnvAt("/tmp/unused"));
    if (grid.xps.size() != 10000 || !grid.errors.empty()) {
      state.SkipWithError("the grid does not compose to 10,000 XPs");
    }
    benchmark::DoNotOptimize(grid);
  }
}
BENCHMARK(BM_ExpandComposeSign10000)->Unit(benchmark::kMillisecond)->MinTime(3);

// An exp root where every member of the grid is DONE with metrics (made once).
struct DoneGrid {
  std::string root = "/tmp/heyhi_grid_bench_10000";
  heyhi::GridSpec spec = TenThousand();
  heyhi::ComposedGrid grid;
  DoneGrid() {
    spec.metrics = {"train_loss", "test_accuracy"};
    grid = heyhi::ComposeGrid(spec, MetaCfg::descriptor(), EnvAt(root));
    if (std::filesystem::exists(root + "/.complete")) return;
    std::filesystem::remove_all(root);
    for (const heyhi::GridXpInfo& xp : grid.xps) {
      std::filesystem::create_directories(xp.exp_dir);
      for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
               {".heyhi", ""},
               {"heyhi.jobid", "local:999999@nowhere\n"},
               {"heyhi.done", "done\n"},
               {"run.log", "ran\n"},
               {"metrics.jsonl", "{\"epoch\":1,\"train_loss\":0.5,\"test_accuracy\":0.8}\n"}}) {
        if (!heyhi::WriteFileAtomically(xp.exp_dir + "/" + name, text).ok()) std::abort();
      }
    }
    heyhi::WriteFileAtomically(root + "/.complete", "").IgnoreError();
  }
};

const DoneGrid& Done() {
  static const DoneGrid done;
  return done;
}

void BM_GridTableOf10000(benchmark::State& state) {
  const DoneGrid& done = Done();
  for (auto _ : state) {
    heyhi::BatchedJobProbe probe("bench");
    heyhi::GridTable table =
        heyhi::BuildGridTable(done.spec, done.grid, {}, done.root + "/grids/x", probe);
    if (table.rows.size() != 10000 || table.rows.back().status != "DONE") {
      state.SkipWithError("the table is not of 10,000 DONE rows");
    }
    benchmark::DoNotOptimize(table);
  }
}
BENCHMARK(BM_GridTableOf10000)->Unit(benchmark::kMillisecond)->MinTime(2);

// `run grid FILE --json` on the test binary: compose, sign, read every
// member's state, print the table. Nothing to launch.
void BM_GridCommandOf10000WholeProcess(benchmark::State& state) {
  const DoneGrid& done = Done();
  const std::string grid_file = done.root + "/../heyhi_grid_bench_10000.prototxt";
  std::string text = absl::StrCat("config: '", HEYHI_SOURCE_DIR,
                                  "/conf/c02_sup_train/sl.prototxt'\n"
                                  "axis { key: 'lr' sweep: 'range(0.001,0.1005,0.001)' }\n"
                                  "axis { key: 'batch_size' sweep: 'range(1,101)' }\n"
                                  "overrides: 'data.max_train_samples=1000'\n");
  if (!heyhi::WriteFileAtomically(grid_file, text).ok()) std::abort();
  heyhi::ProgramOptions options;
  options.env = {"HH_EXP_DIR=" + done.root};
  for (auto _ : state) {
    absl::StatusOr<heyhi::ProgramResult> run = heyhi::RunProgram(
        {std::string(HEYHI_BINARY_DIR) + "/tests/heyhi_test_run", "grid", grid_file, "--json"},
        options);
    if (!run.ok() || run->exit_code != 0) state.SkipWithError("run grid failed");
  }
}
BENCHMARK(BM_GridCommandOf10000WholeProcess)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(3);

}  // namespace

BENCHMARK_MAIN();
