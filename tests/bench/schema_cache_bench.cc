// The descriptor cache of run-time schemas: a generated project of 24 .proto
// files (over 2,500 lines, with imports) and configs with 4-deep includes,
// imported parsed and from the cache, and whole `pp --schema` processes cold
// (HH_NO_CACHE=1) and warm (cache primed).

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "heyhi/base/files.h"
#include "heyhi/config.h"
#include "heyhi/config/dynamic_schema.h"
#include "tests/bench/whole_process.h"
#include "tests/scoped_env.h"

namespace heyhi {
namespace {

constexpr int kLeafFiles = 20, kMessagesPerLeafFile = 3, kFieldsPerMessage = 18;
constexpr int kGroups = 10, kMids = 5, kUppers = 3;
constexpr int kLeafTypes = kLeafFiles * kMessagesPerLeafFile;

// The project under /tmp, made once (kept between runs, like xp_ls_bench's):
//   proto/big/common.proto      enum Mode, message Range
//   proto/big/leaf_NN.proto     3 messages of 18 documented fields, import common
//   proto/big/groups.proto      G0..G9: includes + 3 leaf messages, import leaves
//   proto/big/mids.proto        M0..M4: includes + 2 G
//   proto/big/root.proto        U0..U2, BigTask, MetaCfg; imports heyhi.proto
//   conf/exp/big.prototxt -> u/uN -> m/mN -> g/gN -> leaf/lN (4 levels of includes)
const std::string& ProjectDir() {
  static const std::string dir = [] {
    const std::string root = "/tmp/heyhi_schema_cache_bench_v1";
    if (std::filesystem::exists(root + "/.complete")) return root;
    std::filesystem::remove_all(root);
    bool ok = true;
    auto write = [&root, &ok](const std::string& relative, const std::string& text) {
      const std::string path = root + "/" + relative;
      ok = ok && MakeDirs(std::filesystem::path(path).parent_path().string()).ok() &&
           WriteFileAtomically(path, text).ok();
    };
    const std::string header = "syntax = \"proto2\";\npackage big;\n";
    write("proto/big/common.proto",
          absl::StrCat(header,
                       "// How a feature is switched.\nenum Mode {\n  OFF = 0;\n  ON = 1;\n"
                       "  AUTO = 2;\n}\n// A closed interval.\nmessage Range {\n"
                       "  // Lower end.\n  optional double lo = 1;\n"
                       "  // Upper end.\n  optional double hi = 2 [default = 1];\n}\n"));
    auto leaf_type = [](int index) { return absl::StrCat("L", index); };
    for (int file = 0; file < kLeafFiles; ++file) {
      std::string proto = absl::StrCat(header, "import \"big/common.proto\";\n");
      for (int m = 0; m < kMessagesPerLeafFile; ++m) {
        const int index = file * kMessagesPerLeafFile + m;
        absl::StrAppend(&proto, "// Leaf settings number ", index, ".\nmessage ", leaf_type(index),
                        " {\n");
        for (int f = 0; f < kFieldsPerMessage; ++f) {
          const int number = f + 1;
          switch (f % 6) {
            case 0:
              absl::StrAppend(&proto, "  // Count ", f, " of leaf ", index, ".\n  optional int32 i",
                              f, " = ", number, ";\n");
              break;
            case 1:
              absl::StrAppend(&proto, "  // Scale ", f, ", in units of the base scale.\n",
                              "  optional float x", f, " = ", number, " [default = 0.5];\n");
              break;
            case 2:
              absl::StrAppend(&proto, "  // Name ", f, ".\n  optional string s", f, " = ", number,
                              ";\n");
              break;
            case 3:
              absl::StrAppend(&proto, "  // Mode ", f, ".\n  optional Mode m", f, " = ", number,
                              " [default = AUTO];\n");
              break;
            case 4:
              absl::StrAppend(&proto, "  // Range ", f, ".\n  optional Range r", f, " = ", number,
                              ";\n");
              break;
            default:
              absl::StrAppend(&proto, "  // Whether ", f, " is on.\n  optional bool b", f, " = ",
                              number, ";\n");
          }
        }
        absl::StrAppend(&proto, "}\n");
      }
      write(absl::StrCat("proto/big/leaf_", file, ".proto"), proto);
    }
    auto holder = [](std::string* proto, const std::string& name, const std::string& child,
                     int first, int count, int modulo) {
      absl::StrAppend(proto, "// Holds ", count, " ", child, " messages.\nmessage ", name,
                      " {\n  repeated heyhi.Include includes = 1;\n");
      for (int c = 0; c < count; ++c) {
        absl::StrAppend(proto, "  // Child ", c, ".\n  optional ", child, (first + c) % modulo,
                        " c", c, " = ", 2 + c, ";\n");
      }
      for (int s = 0; s < 4; ++s) {
        absl::StrAppend(proto, "  // Value ", s, ".\n  optional int64 v", s, " = ", 10 + s, ";\n");
      }
      absl::StrAppend(proto, "}\n");
    };
    std::string groups = absl::StrCat(header, "import \"heyhi/heyhi.proto\";\n");
    for (int file = 0; file < kLeafFiles; ++file) {
      absl::StrAppend(&groups, "import \"big/leaf_", file, ".proto\";\n");
    }
    for (int g = 0; g < kGroups; ++g)
      holder(&groups, absl::StrCat("G", g), "L", 6 * g, 3, kLeafTypes);
    write("proto/big/groups.proto", groups);
    std::string mids =
        absl::StrCat(header, "import \"heyhi/heyhi.proto\";\n", "import \"big/groups.proto\";\n");
    for (int m = 0; m < kMids; ++m) holder(&mids, absl::StrCat("M", m), "G", 2 * m, 2, kGroups);
    write("proto/big/mids.proto", mids);
    std::string root_proto =
        absl::StrCat(header, "import \"heyhi/heyhi.proto\";\n", "import \"big/mids.proto\";\n");
    for (int u = 0; u < kUppers; ++u) {
      holder(&root_proto, absl::StrCat("U", u), "M", 2 * u, 2, kMids);
    }
    absl::StrAppend(&root_proto, "// The task.\nmessage BigTask {\n");
    for (int u = 0; u < kUppers; ++u) {
      absl::StrAppend(&root_proto, "  // Part ", u, ".\n  optional U", u, " u", u, " = ", 1 + u,
                      ";\n");
    }
    for (int s = 0; s < 10; ++s) {
      absl::StrAppend(&root_proto, "  // Parameter ", s, ".\n  optional double p", s, " = ", 10 + s,
                      ";\n");
    }
    absl::StrAppend(&root_proto,
                    "}\nmessage MetaCfg {\n  repeated heyhi.Include includes = 1;\n"
                    "  oneof task { BigTask big = 100; }\n}\n");
    write("proto/big/root.proto", root_proto);

    for (int i = 0; i < kLeafTypes; ++i) {
      write(absl::StrCat("conf/common/leaf/l", i, ".prototxt"),
            absl::StrCat("i0: ", i, "\nx1: ", i, ".25\ns2: \"leaf ", i,
                         "\"\nm3: ON\nr4 { lo: 1 hi: 2 }\nb5: true\ni6: 7\n"));
    }
    auto holder_config = [&write](const std::string& folder, const std::string& child_folder,
                                  int index, int first, int count, int modulo) {
      std::string text;
      for (int c = 0; c < count; ++c) {
        absl::StrAppend(&text, "includes { path: \"", child_folder, "/", child_folder.substr(0, 1),
                        (first + c) % modulo, "\" mount: \"c", c, "\" }\n");
      }
      absl::StrAppend(&text, "v0: ", index, "\nv1: 7\n");
      write(absl::StrCat("conf/common/", folder, "/", folder, index, ".prototxt"), text);
    };
    for (int g = 0; g < kGroups; ++g) holder_config("g", "leaf", g, 6 * g, 3, kLeafTypes);
    for (int m = 0; m < kMids; ++m) holder_config("m", "g", m, 2 * m, 2, kGroups);
    for (int u = 0; u < kUppers; ++u) holder_config("u", "m", u, 2 * u, 2, kMids);
    std::string config;
    for (int u = 0; u < kUppers; ++u) {
      absl::StrAppend(&config, "includes { path: \"u/u", u, "\" mount: \"u", u, "\" }\n");
    }
    absl::StrAppend(&config, "big {\n  p0: 1.5\n  u0 { v2: 3 }\n}\n");
    write("conf/exp/big.prototxt", config);
    if (ok) ok = WriteFileAtomically(root + "/.complete", "").ok();
    return ok ? root : std::string();
  }();
  return dir;
}

std::string ProtoDir() { return ProjectDir() + "/proto"; }
std::string Config() { return ProjectDir() + "/conf/exp/big.prototxt"; }
constexpr char kSchema[] = "big/root.proto";

// Lines and files of the generated schema, as counters.
void CountSchema(benchmark::State& state) {
  int files = 0, lines = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(ProtoDir())) {
    if (entry.path().extension() != ".proto") continue;
    ++files;
    std::ifstream in(entry.path());
    lines += static_cast<int>(
        std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n'));
  }
  state.counters["proto_files"] = files;
  state.counters["proto_lines"] = lines;
}

// A fresh cache folder for one benchmark, removed after it.
class CacheFolder {
 public:
  CacheFolder()
      : path_(absl::StrCat(ProjectDir(), "/cache_", ::getpid())), env_("XDG_CACHE_HOME", path_) {
    std::filesystem::remove_all(path_);
  }
  ~CacheFolder() { std::filesystem::remove_all(path_); }

 private:
  std::string path_;
  ScopedEnv env_;
};

void Import(benchmark::State& state, bool use_cache, bool keep_comments) {
  if (ProjectDir().empty()) {
    state.SkipWithError("cannot write the generated project under /tmp");
    return;
  }
  CountSchema(state);
  ScopedEnv cache_on("HH_NO_CACHE", std::nullopt);
  CacheFolder cache;
  DynamicSchema::ImportOptions options;
  options.use_cache = use_cache;
  options.keep_comments = keep_comments;
  if (!DynamicSchema::Import({ProtoDir()}, kSchema, options).ok()) {  // primes the cache
    state.SkipWithError("the generated schema does not import");
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<std::unique_ptr<DynamicSchema>> schema =
        DynamicSchema::Import({ProtoDir()}, kSchema, options);
    if (!schema.ok() || (*schema)->from_cache() != use_cache) {
      state.SkipWithError(schema.ok() ? "unexpected cache use" : "import failed");
      break;
    }
    benchmark::DoNotOptimize(schema);
  }
}

void BM_ImportGeneratedSchemaParsed(benchmark::State& state) { Import(state, false, true); }
BENCHMARK(BM_ImportGeneratedSchemaParsed)->Unit(benchmark::kMillisecond);

// With the doc comments (what pp --describe asks for).
void BM_ImportGeneratedSchemaFromCacheWithComments(benchmark::State& state) {
  Import(state, true, true);
}
BENCHMARK(BM_ImportGeneratedSchemaFromCacheWithComments)->Unit(benchmark::kMillisecond);

// Without them (every other pp mode).
void BM_ImportGeneratedSchemaFromCache(benchmark::State& state) { Import(state, true, false); }
BENCHMARK(BM_ImportGeneratedSchemaFromCache)->Unit(benchmark::kMillisecond);

// The composition alone, on the imported schema (the same with or without cache).
void BM_ComposeGeneratedConfig(benchmark::State& state) {
  if (ProjectDir().empty()) {
    state.SkipWithError("cannot write the generated project under /tmp");
    return;
  }
  ScopedEnv no_conf_root("HH_CONF_ROOT", std::nullopt);
  DynamicSchema::ImportOptions no_cache;
  no_cache.use_cache = false;
  absl::StatusOr<std::unique_ptr<DynamicSchema>> schema =
      DynamicSchema::Import({ProtoDir()}, kSchema, no_cache);
  if (!schema.ok()) {
    state.SkipWithError(std::string(schema.status().message()).c_str());
    return;
  }
  LoadOptions options;
  options.root_type = (*schema)->FindMessage("big.MetaCfg");
  options.factory = (*schema)->factory();
  options.with_provenance = state.range(0) != 0;  // 0: as pp composes
  const std::vector<std::string> overrides = {"p1=2", "u1.c0.c1.c2.i0=5", "Iu2.c1=m/m0"};
  for (auto _ : state) {
    absl::StatusOr<Composed> composed = LoadConfig(Config(), overrides, options);
    if (!composed.ok()) {
      state.SkipWithError(std::string(composed.status().message()).c_str());
      break;
    }
    benchmark::DoNotOptimize(composed->task);
  }
}
BENCHMARK(BM_ComposeGeneratedConfig)
    ->ArgName("with_provenance")
    ->Arg(1)
    ->Arg(0)
    ->Unit(benchmark::kMicrosecond);

enum class Pp { kCold, kWarm, kHelp };

// `pp --proto_path <proto> --schema big/root.proto big.prototxt p1=2`, whole
// process, output discarded; kHelp: `pp --help`, what starting and ending the
// process costs, the floor of the others.
void PpWholeProcess(benchmark::State& state, Pp which) {
  const bool warm = which != Pp::kCold;
  if (ProjectDir().empty()) {
    state.SkipWithError("cannot write the generated project under /tmp");
    return;
  }
  ScopedEnv no_conf_root("HH_CONF_ROOT", std::nullopt);  // pp gets this environment
  ScopedEnv cache_switch("HH_NO_CACHE", warm ? std::nullopt : std::optional<std::string>("1"));
  CacheFolder cache;
  const std::string pp = std::string(HEYHI_BINARY_DIR) + "/pp";
  heyhi_bench::WholeProcess run;
  run.argv = {pp, "--proto_path", ProtoDir(), "--schema", kSchema, Config(), "p1=2"};
  if (which == Pp::kHelp) run.argv = {pp, "--help"};
  if (!run.Run()) state.SkipWithError("pp failed");  // primes the cache when warm
  run.cpu_seconds = 0;
  for (auto _ : state) {
    if (!run.Run()) {
      state.SkipWithError("pp failed");
      break;
    }
  }
  state.counters["pp_cpu_ms"] = benchmark::Counter(run.CpuMsPer(state.iterations()));
  CountSchema(state);
}

void BM_PpGeneratedSchemaColdNoCache(benchmark::State& state) { PpWholeProcess(state, Pp::kCold); }
BENCHMARK(BM_PpGeneratedSchemaColdNoCache)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(20)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);

void BM_PpGeneratedSchemaWarmCache(benchmark::State& state) { PpWholeProcess(state, Pp::kWarm); }
BENCHMARK(BM_PpGeneratedSchemaWarmCache)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(20)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);

void BM_PpHelpProcessStartFloor(benchmark::State& state) { PpWholeProcess(state, Pp::kHelp); }
BENCHMARK(BM_PpHelpProcessStartFloor)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(20)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);

}  // namespace
}  // namespace heyhi

BENCHMARK_MAIN();
