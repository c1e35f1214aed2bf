// `run ls` over a generated exp root of 10,000 experiments, whole process:
// the figure SPEC §11 asks for (target under 1 s).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/text_format.h"
#include "heyhi/base/files.h"
#include "heyhi/base/subprocess.h"
#include "heyhi/experiment/xp_index.h"
#include "heyhi/heyhi.pb.h"

namespace {

constexpr int kXps = 10000;

// An exp root with kXps finished experiments, each with a record, a job id,
// a done marker and three lines of metrics, all in the XP index. Made once.
const std::string& ExpRoot() {
  static const std::string root = [] {
    const std::string dir = "/tmp/heyhi_ls_bench_" + std::to_string(kXps);
    if (std::filesystem::exists(dir + "/.complete")) return dir;
    std::filesystem::remove_all(dir);
    for (int i = 0; i < kXps; ++i) {
      const std::string sig = absl::StrFormat("%012x", 0xabc000000000ull + i * 7919ull);
      const std::string exp = absl::StrCat(dir, "/p/c02_sup_train/sl/lr@", i, "_", sig);
      heyhi::XpRecord record;
      record.set_sig(sig);
      record.set_config("conf/c02_sup_train/sl.prototxt");
      record.add_overrides(absl::StrCat("lr=", i));
      record.set_tag(absl::StrCat("lr@", i));
      record.set_task("train");
      record.set_created(1764600000 + i);
      record.add_job_ids("local:999999@nowhere");
      std::string text;
      google::protobuf::TextFormat::PrintToString(record, &text);
      std::string metrics;
      for (int epoch = 1; epoch <= 3; ++epoch) {
        absl::StrAppendFormat(&metrics,
                              "{\"epoch\":%d,\"step\":%d,\"test_accuracy\":0.%d,\"time\":1.0}\n",
                              epoch, epoch * 100, 80 + epoch);
      }
      if (!heyhi::MakeDirs(exp).ok() || !heyhi::WriteFileAtomically(exp + "/.heyhi", "").ok() ||
          !heyhi::WriteFileAtomically(exp + "/heyhi.xp.prototxt", text).ok() ||
          !heyhi::WriteFileAtomically(exp + "/heyhi.jobid", "local:999999@nowhere\n").ok() ||
          !heyhi::WriteFileAtomically(exp + "/heyhi.done", "done\n").ok() ||
          !heyhi::WriteFileAtomically(exp + "/metrics.jsonl", metrics).ok() ||
          !heyhi::IndexXp(dir, sig, exp).ok()) {
        return std::string();
      }
    }
    heyhi::WriteFileAtomically(dir + "/.complete", "").IgnoreError();
    return dir;
  }();
  return root;
}

void LsWholeProcess(benchmark::State& state, bool json) {
  if (ExpRoot().empty()) {
    state.SkipWithError("cannot generate the exp root");
    return;
  }
  heyhi::ProgramOptions options;
  options.env = {"HH_EXP_DIR=" + ExpRoot()};
  std::vector<std::string> argv = {std::string(HEYHI_BINARY_DIR) + "/tests/heyhi_test_run", "ls"};
  if (json) argv.push_back("--json");
  for (auto _ : state) {
    absl::StatusOr<heyhi::ProgramResult> result = heyhi::RunProgram(argv, options);
    const bool listed_all =
        json || (result.ok() && result->out.find("10000 experiment(s)") != std::string::npos);
    if (!result.ok() || result->exit_code != 0 || !listed_all) {
      state.SkipWithError("run ls failed");
      break;
    }
  }
  state.counters["xps"] = kXps;
}

void BM_LsOf10000XpsWholeProcess(benchmark::State& state) { LsWholeProcess(state, false); }
BENCHMARK(BM_LsOf10000XpsWholeProcess)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

void BM_LsJsonOf10000XpsWholeProcess(benchmark::State& state) { LsWholeProcess(state, true); }
BENCHMARK(BM_LsJsonOf10000XpsWholeProcess)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(5);

}  // namespace

BENCHMARK_MAIN();
