// pp: compose a config file with overrides and print it, without running
// anything (SPEC §5). Works on the compiled-in schema or on .proto files
// loaded at run time (--proto_path/--schema).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "conf.pb.h"
#include "gflags/gflags.h"
#include "heyhi/config.h"
#include "heyhi/config/schema.h"
#include "heyhi/config/describe.h"
#include "heyhi/config/dynamic_schema.h"
#include "heyhi/config/printer.h"

DEFINE_bool(print, false, "Print the task message in text format (the default).");
DEFINE_bool(print_flat, false, "Print one key=value line per field that is set.");
DEFINE_bool(print_flat_all, false,
            "Print every field of the task message, defaults included (NULL when none).");
DEFINE_string(explain, "", "Print the value of KEY and where it came from.");
DEFINE_string(describe, "",
              "Print KEY's documentation, type, default, allowed values and current value.");
DEFINE_string(type, "",
              "Message type of FILE (full or short name); default: the root message, else "
              "the one type of the schema that parses the file.");
DEFINE_string(root, "MetaCfg", "Name of the schema's root message.");
DEFINE_string(proto_path, "",
              "Folder of .proto files for --schema (repeatable, or ':'-separated).");
DEFINE_string(schema, "",
              "Load this .proto at run time instead of the compiled-in schema.");
DEFINE_string(include_dir, "", "Extra folder to look up includes in (repeatable).");
DEFINE_string(conf_root, "", "The conf root (default: $HH_CONF_ROOT, else the nearest "
                             "ancestor folder of FILE named conf).");

namespace {

constexpr int kOk = 0;
constexpr int kBadConfig = 1;
constexpr int kBadUsage = 2;

constexpr char kUsage[] =
    "pp FILE [overrides...] [--print | --print-flat | --print-flat-all | --explain KEY |\n"
    "   --describe KEY]\n"
    "   [--type T] [--root NAME] [--proto_path DIR --schema F.proto] [--include_dir D]\n"
    "   [--conf_root D]\n"
    "Composes FILE with its includes and the overrides (key=value, I<mount>=<path>)\n"
    "and prints the task message. Nothing is run.";

// Flags that take a value; the value may follow as the next argument.
const std::map<std::string, bool>& PpFlags() {
  static const auto* flags = new std::map<std::string, bool>{
      {"print", false},      {"print_flat", false}, {"print_flat_all", false},
      {"explain", true},     {"describe", true},    {"type", true},        {"root", true},
      {"proto_path", true},  {"schema", true},      {"include_dir", true},
      {"conf_root", true},   {"help", false},       {"helpfull", false}};
  return *flags;
}

struct CommandLine {
  std::vector<std::string> positional;  // FILE and the overrides
  std::vector<std::string> proto_paths;
  std::vector<std::string> include_dirs;
  bool help = false;
};

// A token is a pp flag only if it starts with '-' and names one of pp's
// flags; anything else is FILE or an override, whatever its dashes.
bool SplitCommandLine(int argc, char** argv, CommandLine* out, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    const std::string token = argv[i];
    if (token.empty() || token[0] != '-') {
      out->positional.push_back(token);
      continue;
    }
    const size_t dashes = token.find_first_not_of('-');
    const size_t eq = token.find('=');
    std::string name = token.substr(dashes == std::string::npos ? token.size() : dashes,
                                    eq == std::string::npos ? std::string::npos : eq - dashes);
    std::replace(name.begin(), name.end(), '-', '_');
    auto flag = PpFlags().find(name);
    if (flag == PpFlags().end()) {
      out->positional.push_back(token);
      continue;
    }
    std::string value;
    if (eq != std::string::npos) {
      value = token.substr(eq + 1);
    } else if (flag->second) {
      if (i + 1 >= argc) {
        *error = absl::StrCat("--", name, " needs a value");
        return false;
      }
      value = argv[++i];
    } else {
      value = "true";
    }
    if (name == "help" || name == "helpfull") {
      out->help = true;
    } else if (name == "proto_path") {
      for (absl::string_view dir : absl::StrSplit(value, ':', absl::SkipEmpty())) {
        out->proto_paths.emplace_back(dir);
      }
    } else if (name == "include_dir") {
      out->include_dirs.push_back(value);
    } else if (gflags::SetCommandLineOption(name.c_str(), value.c_str()).empty()) {
      *error = absl::StrCat("bad value for --", name, ": \"", value, "\"");
      return false;
    }
  }
  return true;
}

const google::protobuf::Descriptor* FindType(
    const std::string& name, const google::protobuf::DescriptorPool* pool,
    const google::protobuf::FileDescriptor* file, std::string* error) {
  if (const auto* type = pool->FindMessageTypeByName(name)) return type;
  std::vector<const google::protobuf::Descriptor*> matches;
  std::vector<std::string> all;
  for (const auto* type : heyhi::SchemaMessages(file)) {
    all.push_back(type->full_name());
    if (type->name() == name) matches.push_back(type);
  }
  if (matches.size() == 1) return matches[0];
  if (matches.empty()) {
    *error = absl::StrCat("--type ", name, ": no such message; the schema has: ",
                          absl::StrJoin(all, ", "));
  } else {
    std::vector<std::string> names;
    for (const auto* type : matches) names.push_back(type->full_name());
    *error = absl::StrCat("--type ", name, " is ambiguous: ", absl::StrJoin(names, ", "));
  }
  return nullptr;
}

int UsageError(const std::string& message) {
  std::cerr << "pp: " << message << "\n\nusage: " << kUsage << "\n";
  return kBadUsage;
}

}  // namespace

int main(int argc, char** argv) {
  gflags::SetUsageMessage(kUsage);
  CommandLine command_line;
  std::string error;
  if (!SplitCommandLine(argc, argv, &command_line, &error)) return UsageError(error);
  if (command_line.help) {
    gflags::ShowUsageWithFlagsRestrict(argv[0], "pp_main");
    return kOk;
  }
  if (command_line.positional.empty()) return UsageError("missing FILE");
  const int modes = FLAGS_print + FLAGS_print_flat + FLAGS_print_flat_all + !FLAGS_explain.empty() +
                    !FLAGS_describe.empty();
  if (modes > 1) {
    return UsageError("choose one of --print, --print-flat, --print-flat-all, --explain, --describe");
  }

  heyhi::LoadOptions options;
  options.root_name = FLAGS_root;
  options.conf_root = FLAGS_conf_root;
  options.include_dirs = command_line.include_dirs;
  std::unique_ptr<heyhi::DynamicSchema> schema;
  const google::protobuf::DescriptorPool* pool = google::protobuf::DescriptorPool::generated_pool();
  const google::protobuf::FileDescriptor* schema_file = MetaCfg::descriptor()->file();
  if (!FLAGS_schema.empty()) {
    auto imported = heyhi::DynamicSchema::Import(command_line.proto_paths, FLAGS_schema);
    if (!imported.ok()) {
      std::cerr << "pp: " << imported.status().message() << "\n";
      return kBadConfig;
    }
    schema = std::move(*imported);
    pool = schema->pool();
    schema_file = schema->file();
    options.factory = schema->factory();
  } else if (!command_line.proto_paths.empty()) {
    return UsageError("--proto_path needs --schema");
  }
  options.root_type = heyhi::FindRootMessage(schema_file, FLAGS_root);
  if (options.root_type == nullptr && FLAGS_root != "MetaCfg") {
    return UsageError(absl::StrCat("--root ", FLAGS_root, ": no such message in ",
                                   schema_file->name(), " or its imports"));
  }
  if (!FLAGS_type.empty()) {
    options.type = FindType(FLAGS_type, pool, schema_file, &error);
    if (options.type == nullptr) return UsageError(error);
  } else if (options.root_type == nullptr) {
    return UsageError(absl::StrCat(schema_file->name(), " has no message named ", FLAGS_root,
                                   ": give the file's type with --type"));
  }

  const std::string file = command_line.positional[0];
  const std::vector<std::string> overrides(command_line.positional.begin() + 1,
                                           command_line.positional.end());
  absl::StatusOr<heyhi::Composed> composed = heyhi::LoadConfig(file, overrides, options);
  if (!composed.ok()) {
    std::cerr << "pp: " << composed.status().message() << "\n";
    return kBadConfig;
  }
  std::string out;
  if (!FLAGS_explain.empty()) {
    absl::StatusOr<std::string> explained = heyhi::ExplainKey(*composed, FLAGS_explain);
    if (!explained.ok()) {
      std::cerr << "pp: --explain " << FLAGS_explain << ": " << explained.status().message()
                << "\n";
      return kBadConfig;
    }
    out = *explained;
  } else if (!FLAGS_describe.empty()) {
    absl::StatusOr<std::string> described = heyhi::DescribeField(*composed->task, FLAGS_describe);
    if (!described.ok()) {
      std::cerr << "pp: --describe " << FLAGS_describe << ": " << described.status().message()
                << "\n";
      return kBadConfig;
    }
    out = *described;
  } else if (FLAGS_print_flat || FLAGS_print_flat_all) {
    for (const std::string& line : heyhi::Flatten(*composed->task, FLAGS_print_flat_all)) {
      absl::StrAppend(&out, line, "\n");
    }
  } else {
    out = heyhi::PrintText(*composed->task);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? kOk : kBadConfig;
}
