// pp: compose a config file with overrides and print it, without running
// anything (SPEC §5). Works on the compiled-in schema or on .proto files
// loaded at run time (--proto_path/--schema); --repeat times the phases.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "conf.pb.h"
#include "heyhi/base/command_line.h"
#include "heyhi/config.h"
#include "heyhi/config/describe.h"
#include "heyhi/config/dynamic_schema.h"
#include "heyhi/config/grid_spec.h"
#include "heyhi/config/include_resolver.h"
#include "heyhi/config/path_prefix.h"
#include "heyhi/config/printer.h"
#include "heyhi/config/schema.h"
#include "heyhi/signature.h"

namespace {

constexpr char kUsage[] =
    "pp FILE [overrides...] [--print | --print-flat | --print-flat-all | --explain KEY |\n"
    "   --describe KEY]\n"
    "   [--type T] [--root NAME] [--proto_path DIR --schema F.proto] [--include_dir D]\n"
    "   [--conf_root D] [--no_cache] [--repeat N]\n"
    "Composes FILE with its includes and the overrides (key=value, I<mount>=<path>)\n"
    "and prints the task message. Nothing is run.\n"
    "\n"
    "A run-time schema's parsed descriptors are cached under $XDG_CACHE_HOME/heyhi/\n"
    "(default ~/.cache/heyhi/), keyed by the content of every .proto file it reads;\n"
    "--no_cache or HH_NO_CACHE=1: neither read nor written.\n"
    "\n"
    "--repeat N composes N times in this process, then prints the output once and,\n"
    "on stderr, min / median / max per compose and per phase:\n"
    "  load       the --schema imported (parsed or from the cache; none for the\n"
    "             compiled-in schema), then FILE read and parsed (type guessed)\n"
    "  includes   FILE's includes, nested ones too: found, read, parsed, merged\n"
    "  overrides  include overrides, then key=value overrides, field references,\n"
    "             and provenance\n"
    "  print      the output text made (--print, --print-flat, --explain...)\n"
    "  compose    the whole of one repetition (the phases and what is between).";

constexpr heyhi::FlagSpec kPpFlags[] = {
    {"print", false, "Print the task message in text format (the default)."},
    {"print_flat", false, "Print one key=value line per field that is set."},
    {"print_flat_all", false,
     "Print every field of the task message, defaults included (NULL when none)."},
    {"explain", true, "Print the value of KEY and where it came from."},
    {"describe", true,
     "Print KEY's documentation, type, default, allowed values and current value."},
    {"type", true,
     "Message type of FILE (full or short name); default: the root message, else the one "
     "type of the schema that parses the file."},
    {"root", true, "Name of the schema's root message (default MetaCfg)."},
    {"proto_path", true, "Folder of .proto files for --schema (repeatable, or ':'-separated)."},
    {"schema", true, "Load this .proto at run time instead of the compiled-in schema."},
    {"include_dir", true, "Extra folder to look up includes in (repeatable)."},
    {"conf_root", true,
     "The conf root (default: $HH_CONF_ROOT, else the nearest ancestor folder of FILE named "
     "conf)."},
    {"no_cache", false,
     "Neither read nor write the descriptor cache of --schema (as HH_NO_CACHE=1 does)."},
    {"repeat", true,
     "Compose N times in-process; print the output once and min/median/max times per "
     "compose and per phase on stderr."},
    {"grid", false,
     "FILE is a grid (heyhi.Grid; implied for files in a grids/ folder): print every member's "
     "sig and overrides, one line each."},
    {"help", false, "Show this help."},
    {"helpfull", false, "Same as --help."},
};

struct CommandLine {
  std::vector<std::string> positional;  // FILE and the overrides
  bool print = false;
  bool print_flat = false;
  bool print_flat_all = false;
  std::string explain;
  std::string describe;
  std::string type;
  std::string root = "MetaCfg";
  std::vector<std::string> proto_paths;
  std::string schema;
  std::vector<std::string> include_dirs;
  std::string conf_root;
  bool no_cache = false;
  int repeat = 0;  // 0: once, no times printed
  bool grid = false;
  bool help = false;
};

absl::StatusOr<CommandLine> ParseCommandLine(int argc, char** argv) {
  absl::StatusOr<heyhi::SplitArgs> split = heyhi::SplitFlags(argc, argv, kPpFlags);
  if (!split.ok()) return split.status();
  CommandLine out;
  out.positional = std::move(split->others);
  for (const auto& [name, value] : split->flags) {
    bool* switch_target = nullptr;
    if (name == "print") switch_target = &out.print;
    if (name == "print_flat") switch_target = &out.print_flat;
    if (name == "print_flat_all") switch_target = &out.print_flat_all;
    if (name == "no_cache") switch_target = &out.no_cache;
    if (name == "grid") switch_target = &out.grid;
    if (name == "help" || name == "helpfull") switch_target = &out.help;
    if (switch_target != nullptr) {
      absl::StatusOr<bool> on = heyhi::ParseSwitch(name, value);
      if (!on.ok()) return on.status();
      *switch_target = *on;
    } else if (name == "proto_path") {
      for (absl::string_view dir : absl::StrSplit(value, ':', absl::SkipEmpty())) {
        out.proto_paths.emplace_back(dir);
      }
    } else if (name == "include_dir") {
      out.include_dirs.push_back(value);
    } else if (name == "explain") {
      out.explain = value;
    } else if (name == "describe") {
      out.describe = value;
    } else if (name == "type") {
      out.type = value;
    } else if (name == "root") {
      out.root = value;
    } else if (name == "schema") {
      out.schema = value;
    } else if (name == "conf_root") {
      out.conf_root = value;
    } else if (name == "repeat") {
      if (!absl::SimpleAtoi(value, &out.repeat) || out.repeat < 1) {
        return absl::InvalidArgumentError(
            absl::StrCat("--repeat ", value, ": expected a whole number of at least 1"));
      }
    }
  }
  return out;
}

const google::protobuf::Descriptor* FindType(const std::string& name,
                                             const google::protobuf::DescriptorPool* pool,
                                             const google::protobuf::FileDescriptor* file,
                                             std::string* error) {
  if (const auto* type = pool->FindMessageTypeByName(name)) return type;
  std::vector<const google::protobuf::Descriptor*> matches;
  std::vector<std::string> all;
  for (const auto* type : heyhi::SchemaMessages(file)) {
    all.push_back(type->full_name());
    if (type->name() == name) matches.push_back(type);
  }
  if (matches.size() == 1) return matches[0];
  if (matches.empty()) {
    *error = absl::StrCat("--type ", name,
                          ": no such message; the schema has: ", absl::StrJoin(all, ", "));
  } else {
    std::vector<std::string> names;
    for (const auto* type : matches) names.push_back(type->full_name());
    *error = absl::StrCat("--type ", name, " is ambiguous: ", absl::StrJoin(names, ", "));
  }
  return nullptr;
}

int UsageError(const std::string& message) {
  std::cerr << "pp: " << message << "\n\nusage: " << kUsage << "\n";
  return heyhi::kExitBadUsage;
}

// Wall time of one compose's phases (--repeat).
struct PhaseTimes {
  std::chrono::nanoseconds compose{0}, load{0}, includes{0}, overrides{0}, print{0};
};

bool IsInGridsFolder(const std::string& file) {
  const std::string folder = heyhi::ParentDir(heyhi::AbsolutePath(file));
  return folder.size() >= 6 && folder.compare(folder.size() - 6, 6, "/grids") == 0;
}

// `pp GRID`: one line per member, "<n>  <sig>  <overrides>"; a member that
// composes to an earlier one's config says so. The extra `overrides` go on
// top of every member.
int PreviewGrid(const std::string& file, const std::vector<std::string>& overrides,
                const heyhi::LoadOptions& options, std::string* out) {
  absl::StatusOr<heyhi::GridSpec> spec = heyhi::LoadGridFile(file);
  if (!spec.ok()) {
    std::cerr << "pp: " << spec.status().message() << "\n";
    return heyhi::kExitFailed;
  }
  std::map<std::string, size_t> first_of_sig;
  int failed = 0;
  out->clear();
  for (size_t i = 0; i < spec->members.size(); ++i) {
    std::vector<std::string> tokens = spec->members[i].overrides;
    tokens.insert(tokens.end(), overrides.begin(), overrides.end());
    absl::StatusOr<heyhi::Composed> composed =
        heyhi::LoadConfig(spec->members[i].config, tokens, options);
    if (!composed.ok()) {
      std::cerr << "pp: member " << i + 1 << " (" << spec->members[i].origin << ": "
                << absl::StrJoin(tokens, " ") << "): " << composed.status().message() << "\n";
      ++failed;
      continue;
    }
    const std::string sig = heyhi::Signature(*composed->task);
    auto [it, inserted] = first_of_sig.emplace(sig, i + 1);
    absl::StrAppend(out, i + 1, "  ", sig, "  ",
                    tokens.empty() ? std::string("(no overrides)") : absl::StrJoin(tokens, " "),
                    inserted ? "" : absl::StrCat("  (= member ", it->second, ")"), "\n");
  }
  absl::StrAppend(out, spec->members.size(), " member(s), ", first_of_sig.size(),
                  " experiment(s), grid ", spec->name, "\n");
  return failed == 0 ? heyhi::kExitOk : heyhi::kExitFailed;
}

// What one compose made: the run-time schema and the config on it (which
// goes first, as it points into the schema).
struct Composition {
  std::unique_ptr<heyhi::DynamicSchema> schema;
  std::optional<heyhi::Composed> composed;
};

// Loads the schema, composes the config into `made` and makes the output
// text, once. Returns the exit code; errors are printed here. `times` may be
// null.
int ComposeOnce(const CommandLine& command_line, std::string* out, PhaseTimes* times,
                Composition* made) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  std::string error;
  heyhi::LoadOptions options;
  options.root_name = command_line.root;
  options.conf_root = command_line.conf_root;
  options.include_dirs = command_line.include_dirs;
  std::unique_ptr<heyhi::DynamicSchema>& schema = made->schema;
  // The compiled-in schema only without --schema: building it (and
  // descriptor.proto) costs a run-time schema's pp 0.3 ms for nothing.
  const google::protobuf::DescriptorPool* pool = nullptr;
  const google::protobuf::FileDescriptor* schema_file = nullptr;
  if (command_line.schema.empty()) {
    if (!command_line.proto_paths.empty()) return UsageError("--proto_path needs --schema");
    pool = google::protobuf::DescriptorPool::generated_pool();
    schema_file = MetaCfg::descriptor()->file();
  } else {
    heyhi::DynamicSchema::ImportOptions import_options;
    import_options.use_cache = !command_line.no_cache;
    import_options.keep_comments = !command_line.describe.empty();  // only --describe reads them
    auto imported =
        heyhi::DynamicSchema::Import(command_line.proto_paths, command_line.schema, import_options);
    if (!imported.ok()) {
      std::cerr << "pp: " << imported.status().message() << "\n";
      return heyhi::kExitFailed;
    }
    schema = std::move(*imported);
    pool = schema->pool();
    schema_file = schema->file();
    options.factory = schema->factory();
  }
  options.root_type = heyhi::FindRootMessage(schema_file, command_line.root);
  if (options.root_type == nullptr && command_line.root != "MetaCfg") {
    return UsageError(absl::StrCat("--root ", command_line.root, ": no such message in ",
                                   schema_file->name(), " or its imports"));
  }
  if (!command_line.type.empty()) {
    options.type = FindType(command_line.type, pool, schema_file, &error);
    if (options.type == nullptr) return UsageError(error);
  } else if (options.root_type == nullptr) {
    return UsageError(absl::StrCat(schema_file->name(), " has no message named ", command_line.root,
                                   ": give the file's type with --type"));
  }
  const Clock::time_point schema_loaded = Clock::now();

  heyhi::ComposeTimes compose_times;
  if (times != nullptr) options.times = &compose_times;
  options.with_provenance = !command_line.explain.empty();  // only --explain reads it
  const std::string file = command_line.positional[0];
  const std::vector<std::string> overrides(command_line.positional.begin() + 1,
                                           command_line.positional.end());
  if (command_line.grid || IsInGridsFolder(file)) return PreviewGrid(file, overrides, options, out);
  absl::StatusOr<heyhi::Composed> loaded = heyhi::LoadConfig(file, overrides, options);
  if (!loaded.ok()) {
    std::cerr << "pp: " << loaded.status().message() << "\n";
    return heyhi::kExitFailed;
  }
  std::optional<heyhi::Composed>& composed = made->composed;
  composed = std::move(*loaded);
  const Clock::time_point print_start = Clock::now();
  out->clear();
  if (!command_line.explain.empty()) {
    absl::StatusOr<std::string> explained = heyhi::ExplainKey(*composed, command_line.explain);
    if (!explained.ok()) {
      std::cerr << "pp: --explain " << command_line.explain << ": " << explained.status().message()
                << "\n";
      return heyhi::kExitFailed;
    }
    *out = *explained;
    // Path prefixes: the value as written (above) and as a task would open it.
    const std::string canonical = explained->substr(0, explained->find(" ="));
    *out += heyhi::ExplainPrefixedPaths(*composed->task, canonical, composed->search->conf_root);
  } else if (!command_line.describe.empty()) {
    absl::StatusOr<std::string> described =
        heyhi::DescribeField(*composed->task, command_line.describe);
    if (!described.ok()) {
      // The message starts with "--describe KEY: " itself.
      std::cerr << "pp: " << described.status().message() << "\n";
      return heyhi::kExitFailed;
    }
    *out = *described;
  } else if (command_line.print_flat || command_line.print_flat_all) {
    for (const std::string& line : heyhi::Flatten(*composed->task, command_line.print_flat_all)) {
      absl::StrAppend(out, line, "\n");
    }
  } else {
    *out = heyhi::PrintText(*composed->task);
  }
  if (times != nullptr) {
    const Clock::time_point end = Clock::now();
    times->print = end - print_start;
    times->load = (schema_loaded - start) + compose_times.load;
    times->includes = compose_times.includes;
    times->overrides = compose_times.overrides;
    times->compose = end - start;
  }
  return heyhi::kExitOk;
}

// "  <name>  <min>  <median>  <max>" in microseconds.
std::string StatsLine(const std::string& name, std::vector<std::chrono::nanoseconds> values) {
  std::sort(values.begin(), values.end());
  auto micros = [](std::chrono::nanoseconds value) { return value.count() / 1e3; };
  const size_t n = values.size();
  const double median = (micros(values[(n - 1) / 2]) + micros(values[n / 2])) / 2;
  return absl::StrFormat("  %-10s %10.1f %10.1f %10.1f\n", name, micros(values.front()), median,
                         micros(values.back()));
}

}  // namespace

int main(int argc, char** argv) {
  absl::StatusOr<CommandLine> parsed = ParseCommandLine(argc, argv);
  if (!parsed.ok()) return UsageError(std::string(parsed.status().message()));
  const CommandLine& command_line = *parsed;
  if (command_line.help) {
    std::cout << "usage: " << kUsage << "\n\nFlags:\n" << heyhi::FlagsHelp(kPpFlags);
    return heyhi::kExitOk;
  }
  if (command_line.positional.empty()) return UsageError("missing FILE");
  const int modes = command_line.print + command_line.print_flat + command_line.print_flat_all +
                    !command_line.explain.empty() + !command_line.describe.empty();
  if (modes > 1) {
    return UsageError(
        "choose one of --print, --print-flat, --print-flat-all, --explain, --describe");
  }
  std::string out;
  if (command_line.repeat == 0) {
    // Never freed: pp exits right after printing, and the kernel takes the
    // memory back at once, where freeing the descriptor pool and every
    // message one by one costs about 0.2 ms of a 4 ms run.
    auto* made = new Composition;
    const int code = ComposeOnce(command_line, &out, nullptr, made);
    if (code != heyhi::kExitOk) return code;
  } else {
    std::vector<PhaseTimes> times(command_line.repeat);
    for (PhaseTimes& one : times) {
      Composition made;
      const int code = ComposeOnce(command_line, &out, &one, &made);
      if (code != heyhi::kExitOk) return code;
    }
    auto column = [&times](std::chrono::nanoseconds PhaseTimes::*phase) {
      std::vector<std::chrono::nanoseconds> values;
      for (const PhaseTimes& one : times) values.push_back(one.*phase);
      return values;
    };
    std::cerr << absl::StrFormat("pp --repeat %d: microseconds per compose (min, median, max)\n",
                                 command_line.repeat)
              << absl::StrFormat("  %-10s %10s %10s %10s\n", "phase", "min", "median", "max")
              << StatsLine("load", column(&PhaseTimes::load))
              << StatsLine("includes", column(&PhaseTimes::includes))
              << StatsLine("overrides", column(&PhaseTimes::overrides))
              << StatsLine("print", column(&PhaseTimes::print))
              << StatsLine("compose", column(&PhaseTimes::compose));
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? heyhi::kExitOk : heyhi::kExitFailed;
}
