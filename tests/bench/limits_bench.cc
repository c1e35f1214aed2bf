// Inputs at and past the stated limits (README "limits"): a 1,000-deep
// include chain composes (target under 0.5 s); a 5,000-deep chain and a
// message nested 100,000 deep are clear errors (target under 1 s each).
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "conf.pb.h"
#include "heyhi/base/files.h"
#include "heyhi/config.h"

namespace {

// <root>/conf/top.prototxt includes c0 at `agent`, c0 includes c1 ... down to
// c<depth-1>; made once per depth.
std::string IncludeChain(int depth) {
  const std::string root = absl::StrCat("/tmp/heyhi_limits_bench_chain_", depth);
  const std::string top = root + "/conf/top.prototxt";
  if (std::filesystem::exists(top)) return top;
  std::filesystem::create_directories(root + "/conf/common");
  for (int i = 0; i < depth; ++i) {
    const std::string next =
        i + 1 < depth ? absl::StrCat("includes { path: \"c", i + 1, "\" mount: \"\" }\n") : "";
    if (!heyhi::WriteFileAtomically(absl::StrCat(root, "/conf/common/c", i, ".prototxt"),
                                    absl::StrCat(next, "rollouts: ", i, "\n"))
             .ok()) {
      std::abort();
    }
  }
  if (!heyhi::WriteFileAtomically(
           top, "includes { path: \"c0\" mount: \"agent\" }\ntest_all_kinds { }\n")
           .ok()) {
    std::abort();
  }
  return top;
}

absl::StatusOr<heyhi::Composed> Load(const std::string& path) {
  heyhi::LoadOptions options;
  options.root_type = MetaCfg::descriptor();
  return heyhi::LoadConfig(path, {}, options);
}

void BM_IncludeChain1000Composes(benchmark::State& state) {
  const std::string top = IncludeChain(1000);
  for (auto _ : state) {
    if (!Load(top).ok()) state.SkipWithError("the 1,000-deep chain does not compose");
  }
}
BENCHMARK(BM_IncludeChain1000Composes)->Unit(benchmark::kMillisecond);

void BM_IncludeChain5000IsAnError(benchmark::State& state) {
  const std::string top = IncludeChain(5000);
  for (auto _ : state) {
    if (Load(top).ok()) state.SkipWithError("the 5,000-deep chain composed");
  }
}
BENCHMARK(BM_IncludeChain5000IsAnError)->Unit(benchmark::kMillisecond);

void BM_Message100000DeepIsAnError(benchmark::State& state) {
  const std::string path = "/tmp/heyhi_limits_bench_deep/conf/deep.prototxt";
  if (!std::filesystem::exists(path)) {
    std::filesystem::create_directories("/tmp/heyhi_limits_bench_deep/conf");
    std::string text = "test_all_kinds { agent {\n";
    for (int i = 0; i < 100000; ++i) text += "backup { ";
    text += "\n";
    for (int i = 0; i < 100000; ++i) text += "} ";
    text += "} }\n";
    if (!heyhi::WriteFileAtomically(path, text).ok()) std::abort();
  }
  for (auto _ : state) {
    if (Load(path).ok()) state.SkipWithError("the 100,000-deep message parsed");
  }
}
BENCHMARK(BM_Message100000DeepIsAnError)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
