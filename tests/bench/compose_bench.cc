// Cost of composing: this repository's sl.prototxt with overrides, a generated
// large schema and config set loaded at run time, and the whole `pp` process.
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "conf.pb.h"
#include "heyhi/config.h"
#include "heyhi/config/dynamic_schema.h"
#include "tests/bench/whole_process.h"
#include "tests/scoped_env.h"

namespace heyhi {
namespace {

std::string Source(const std::string& relative) {
  return std::string(HEYHI_SOURCE_DIR) + "/" + relative;
}

// Argument with_provenance: 1 as LoadConfig does by default (what --explain
// needs), 0 as run, grid and pp compose.
void BM_ComposeSlWithThreeOverrides(benchmark::State& state) {
  ScopedEnv no_conf_root("HH_CONF_ROOT", std::nullopt);
  LoadOptions options;
  options.root_type = MetaCfg::descriptor();
  options.with_provenance = state.range(0) != 0;
  const std::string config = Source("conf/c02_sup_train/sl.prototxt");
  const std::vector<std::string> overrides = {"batch_size=200", "lr=0.01", "Ilauncher=slurm"};
  for (auto _ : state) {
    absl::StatusOr<Composed> composed = LoadConfig(config, overrides, options);
    if (!composed.ok()) {
      state.SkipWithError(std::string(composed.status().message()).c_str());
      break;
    }
    benchmark::DoNotOptimize(composed->task);
  }
}
BENCHMARK(BM_ComposeSlWithThreeOverrides)
    ->ArgName("with_provenance")
    ->Arg(1)
    ->Arg(0)
    ->Unit(benchmark::kMicrosecond);

// A generated project: 30 leaf types of 12 scalar fields, and four levels of
// types that hold includes (G -> leaves, M -> G, U -> M, root -> U), 50
// message types and 519 fields in all; every leaf config sets every field.
class LargeProject {
 public:
  static constexpr int kLeaves = 30, kGroups = 10, kMids = 5, kUppers = 3;

  LargeProject() {
    std::string pattern = (std::filesystem::temp_directory_path() / "heyhi_bench_XXXXXX").string();
    root_ = ::mkdtemp(pattern.data());
    WriteSchema();
    WriteConfigs();
  }
  ~LargeProject() {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
  std::string Path(const std::string& relative) const { return root_ + "/" + relative; }

 private:
  void Write(const std::string& relative, const std::string& text) const {
    std::filesystem::create_directories(std::filesystem::path(Path(relative)).parent_path());
    std::ofstream(Path(relative)) << text;
  }

  void WriteSchema() const {
    std::string proto =
        "syntax = \"proto2\";\npackage big;\nimport \"heyhi/heyhi.proto\";\n"
        "enum Mode { OFF = 0; ON = 1; AUTO = 2; }\n";
    for (int i = 0; i < kLeaves; ++i) {
      absl::StrAppend(&proto, "message L", i, " {\n");
      for (int f = 0; f < 3; ++f) {
        absl::StrAppend(&proto, "  optional int32 i", f, " = ", 1 + f * 4, ";\n",
                        "  optional float x", f, " = ", 2 + f * 4, " [default = 0.5];\n",
                        "  optional string s", f, " = ", 3 + f * 4, ";\n", "  optional Mode m", f,
                        " = ", 4 + f * 4, ";\n");
      }
      absl::StrAppend(&proto, "}\n");
    }
    auto holder = [&proto](const std::string& name, const std::string& child, int first, int count,
                           int modulo) {
      absl::StrAppend(&proto, "message ", name, " {\n  repeated heyhi.Include includes = 1;\n");
      for (int c = 0; c < count; ++c) {
        absl::StrAppend(&proto, "  optional ", child, (first + c) % modulo, " c", c, " = ", 2 + c,
                        ";\n");
      }
      for (int s = 0; s < 4; ++s) {
        absl::StrAppend(&proto, "  optional int64 v", s, " = ", 10 + s, ";\n");
      }
      absl::StrAppend(&proto, "}\n");
    };
    for (int g = 0; g < kGroups; ++g) holder(absl::StrCat("G", g), "L", 3 * g, 3, kLeaves);
    for (int m = 0; m < kMids; ++m) holder(absl::StrCat("M", m), "G", 2 * m, 2, kGroups);
    for (int u = 0; u < kUppers; ++u) holder(absl::StrCat("U", u), "M", 2 * u, 2, kMids);
    absl::StrAppend(&proto, "message BigTask {\n");
    for (int u = 0; u < kUppers; ++u)
      absl::StrAppend(&proto, "  optional U", u, " u", u, " = ", 1 + u, ";\n");
    for (int s = 0; s < 10; ++s)
      absl::StrAppend(&proto, "  optional double p", s, " = ", 10 + s, ";\n");
    absl::StrAppend(&proto,
                    "}\nmessage MetaCfg {\n  repeated heyhi.Include includes = 1;\n"
                    "  oneof task { BigTask big = 100; }\n}\n");
    Write("proto/big.proto", proto);
  }

  void WriteConfigs() const {
    for (int i = 0; i < kLeaves; ++i) {
      std::string text;
      for (int f = 0; f < 3; ++f) {
        absl::StrAppend(&text, "i", f, ": ", i * 10 + f, "\nx", f, ": ", i, ".25\ns", f,
                        ": \"leaf ", i, "\"\nm", f, ": AUTO\n");
      }
      Write(absl::StrCat("conf/common/leaf/l", i, ".prototxt"), text);
    }
    auto holder = [this](const std::string& folder, const std::string& child_folder, int index,
                         int first, int count, int modulo, const std::string& child) {
      std::string text;
      for (int c = 0; c < count; ++c) {
        absl::StrAppend(&text, "includes { path: \"", child_folder, "/", child,
                        (first + c) % modulo, "\" mount: \"c", c, "\" }\n");
      }
      absl::StrAppend(&text, "v0: ", index, "\nv1: 7\n");
      Write(absl::StrCat("conf/common/", folder, "/", folder, index, ".prototxt"), text);
    };
    for (int g = 0; g < kGroups; ++g) holder("g", "leaf", g, 3 * g, 3, kLeaves, "l");
    for (int m = 0; m < kMids; ++m) holder("m", "g", m, 2 * m, 2, kGroups, "g");
    for (int u = 0; u < kUppers; ++u) holder("u", "m", u, 2 * u, 2, kMids, "m");
    std::string root;
    for (int u = 0; u < kUppers; ++u) {
      absl::StrAppend(&root, "includes { path: \"u/u", u, "\" mount: \"u", u, "\" }\n");
    }
    absl::StrAppend(&root, "big {\n  p0: 1.5\n  u0 { v2: 3 }\n}\n");
    Write("conf/exp/big.prototxt", root);
  }

  std::string root_;
};

void BM_ComposeLargeGeneratedProject(benchmark::State& state) {
  ScopedEnv no_conf_root("HH_CONF_ROOT", std::nullopt);
  LargeProject project;
  absl::StatusOr<std::unique_ptr<DynamicSchema>> schema =
      DynamicSchema::Import({project.Path("proto")}, "big.proto");
  if (!schema.ok()) {
    state.SkipWithError(std::string(schema.status().message()).c_str());
    return;
  }
  LoadOptions options;
  options.root_type = (*schema)->FindMessage("big.MetaCfg");
  options.factory = (*schema)->factory();
  options.with_provenance = state.range(0) != 0;
  const std::vector<std::string> overrides = {"p1=2", "u1.c0.c1.c2.i0=5", "Iu2.c1=m/m0"};
  int fields = 0;
  for (const google::protobuf::Descriptor* type : SchemaMessages((*schema)->file())) {
    if (type->file() == (*schema)->file()) fields += type->field_count();
  }
  state.counters["message_types"] = static_cast<double>((*schema)->file()->message_type_count());
  state.counters["fields"] = fields;
  for (auto _ : state) {
    absl::StatusOr<Composed> composed =
        LoadConfig(project.Path("conf/exp/big.prototxt"), overrides, options);
    if (!composed.ok()) {
      state.SkipWithError(std::string(composed.status().message()).c_str());
      break;
    }
    benchmark::DoNotOptimize(composed->task);
  }
}
BENCHMARK(BM_ComposeLargeGeneratedProject)
    ->ArgName("with_provenance")
    ->Arg(1)
    ->Arg(0)
    ->Unit(benchmark::kMicrosecond);

// The whole `pp conf/c02_sup_train/sl.prototxt` process, output discarded.
void BM_PpWholeProcess(benchmark::State& state) {
  ScopedEnv no_conf_root("HH_CONF_ROOT", std::nullopt);  // pp gets this environment
  heyhi_bench::WholeProcess run;
  run.argv = {std::string(HEYHI_BINARY_DIR) + "/pp", Source("conf/c02_sup_train/sl.prototxt")};
  for (auto _ : state) {
    if (!run.Run()) {
      state.SkipWithError("pp failed");
      break;
    }
  }
}
BENCHMARK(BM_PpWholeProcess)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(20)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);

}  // namespace
}  // namespace heyhi

BENCHMARK_MAIN();
