// Snapshot hashing: SHA-256 of a binary-sized file, the cost `run` pays per launch.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "heyhi/base/hash.h"

namespace {

// A file of `bytes` pseudo-random bytes, written once per size.
std::string MakeFile(size_t bytes) {
  std::string path = "/tmp/heyhi_snapshot_bench_" + std::to_string(bytes);
  std::ifstream probe(path, std::ios::binary | std::ios::ate);
  if (probe && static_cast<size_t>(probe.tellg()) == bytes) return path;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  uint64_t x = 88172645463325252ull;
  std::string chunk(1 << 16, '\0');
  for (size_t written = 0; written < bytes; written += chunk.size()) {
    for (char& c : chunk) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      c = static_cast<char>(x);
    }
    out.write(chunk.data(), std::min(chunk.size(), bytes - written));
  }
  return path;
}

void BM_Sha256OfBinarySizedFile(benchmark::State& state) {
  const std::string path = MakeFile(static_cast<size_t>(state.range(0)) << 20);
  for (auto _ : state) benchmark::DoNotOptimize(heyhi::Sha256FileHex(path));
  state.SetBytesProcessed(state.iterations() * (state.range(0) << 20));
}
BENCHMARK(BM_Sha256OfBinarySizedFile)->Arg(16)->Arg(64)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
