// The command line of `run`: exact flag names, everything else an override.
#include "heyhi/cli/run_flags.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gflags/gflags.h"
#include "glog/logging.h"

DEFINE_string(c, "", "The config file to run (also --cfg).");
DEFINE_string(cfg, "", "Same as -c.");
DEFINE_bool(adhoc, false,
            "A throw-away experiment: the exp id starts with adhoc/<time>, and the default "
            "mode is restart.");
DEFINE_string(mode, "",
              "gentle_start (default), start_continue, start_restart, restart (default with "
              "--adhoc) or dryrun.");
DEFINE_string(out, "",
              "Exp id pattern replacing the default one (tags such as %(redefines)s expand); "
              "relative: under $HH_EXP_DIR.");
DEFINE_bool(print, false, "Print the composed task message and exit; nothing is created.");
DEFINE_bool(print_flat, false, "Print one key=value line per field set and exit.");
DEFINE_bool(print_flat_all, false, "Print every field of the task message and exit.");
DEFINE_string(describe, "", "Describe the field KEY of the task message and exit.");
DEFINE_string(checkpoint, "",
              "Folder of the binary snapshot cache (default $HH_EXP_DIR); \"\" runs the build "
              "tree's binary itself.");
DEFINE_bool(force, false, "Wipe without the 3-second countdown.");
DEFINE_string(log_level, "INFO", "Least severity logged: INFO, WARNING, ERROR (or 0-2).");
DEFINE_string(worker, "", "Run as a worker process of the experiment in this folder.");

namespace heyhi {
namespace {

struct RunFlag {
  const char* name;
  bool takes_value;
};

constexpr RunFlag kRunFlags[] = {
    {"c", true},         {"cfg", true},          {"adhoc", false},       {"mode", true},
    {"out", true},       {"print", false},       {"print_flat", false},  {"print_flat_all", false},
    {"describe", true},  {"checkpoint", true},   {"force", false},       {"log_level", true},
    {"worker", true},    {"help", false},        {"helpfull", false},
};

const RunFlag* FindRunFlag(const std::string& name) {
  for (const RunFlag& flag : kRunFlags) {
    if (name == flag.name) return &flag;
  }
  return nullptr;
}

bool ParseBool(const std::string& value, bool* out) {
  const std::string v = absl::AsciiStrToLower(value);
  if (v == "true" || v == "1" || v == "yes" || v.empty()) {
    *out = true;
  } else if (v == "false" || v == "0" || v == "no") {
    *out = false;
  } else {
    return false;
  }
  return true;
}

absl::Status ApplyLogLevel(const std::string& level) {
  const std::string upper = absl::AsciiStrToUpper(level);
  int severity = -1;
  if (upper == "INFO") severity = 0;
  if (upper == "WARNING") severity = 1;
  if (upper == "ERROR") severity = 2;
  if (severity < 0 && (!absl::SimpleAtoi(level, &severity) || severity < 0 || severity > 2)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--log_level ", level, ": expected INFO, WARNING, ERROR or 0, 1, 2"));
  }
  FLAGS_minloglevel = severity;
  return absl::OkStatus();
}

absl::Status ApplyRunFlag(const std::string& name, const std::string& value,
                          RunCommandLine* out) {
  bool* bool_target = nullptr;
  if (name == "adhoc") bool_target = &out->adhoc;
  if (name == "print") bool_target = &out->print;
  if (name == "print_flat") bool_target = &out->print_flat;
  if (name == "print_flat_all") bool_target = &out->print_flat_all;
  if (name == "force") bool_target = &out->force;
  if (name == "help" || name == "helpfull") bool_target = &out->help;
  if (bool_target != nullptr) {
    if (!ParseBool(value, bool_target)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, "=", value, ": expected true or false"));
    }
    return absl::OkStatus();
  }
  if (name == "c" || name == "cfg") out->config = value;
  if (name == "mode") out->mode = value;
  if (name == "out") out->out = value;
  if (name == "describe") out->describe = value;
  if (name == "worker") out->worker = value;
  if (name == "checkpoint") {
    out->checkpoint_given = true;
    out->checkpoint = value;
  }
  if (name == "log_level") return ApplyLogLevel(value);
  return absl::OkStatus();
}

}  // namespace

const char* RunUsage() {
  return "run -c CFG [--adhoc] [--mode M] [--out PATTERN] [--print] [--print-flat]\n"
         "    [--print-flat-all] [--describe KEY] [--checkpoint DIR|\"\"] [--force]\n"
         "    [--log_level L] [overrides...]\n"
         "Composes CFG with the overrides (key=value, I<mount>=<path>), names the\n"
         "experiment from the composed config, and runs its task unless the mode and\n"
         "the experiment's status say otherwise.\n"
         "Modes: gentle_start (default), start_continue, start_restart, restart\n"
         "(default with --adhoc), dryrun.";
}

absl::StatusOr<RunCommandLine> ParseRunCommandLine(int argc, char** argv) {
  RunCommandLine out;
  out.argv.assign(argv, argv + argc);
  for (int i = 1; i < argc; ++i) {
    const std::string token = argv[i];
    if (token.size() < 2 || token[0] != '-') {
      out.overrides.push_back(token);
      continue;
    }
    const size_t dashes = token.find_first_not_of('-');
    if (dashes == std::string::npos || dashes > 2) {
      out.overrides.push_back(token);
      continue;
    }
    const size_t eq = token.find('=');
    std::string name =
        token.substr(dashes, eq == std::string::npos ? std::string::npos : eq - dashes);
    std::replace(name.begin(), name.end(), '-', '_');
    const RunFlag* run_flag = FindRunFlag(name);
    gflags::CommandLineFlagInfo info;
    const bool other_flag =
        run_flag == nullptr && gflags::GetCommandLineFlagInfo(name.c_str(), &info);
    if (run_flag == nullptr && !other_flag) {
      out.overrides.push_back(token);
      continue;
    }
    const bool takes_value = run_flag != nullptr ? run_flag->takes_value : info.type != "bool";
    std::string value;
    if (eq != std::string::npos) {
      value = token.substr(eq + 1);
    } else if (takes_value) {
      if (i + 1 >= argc) {
        return absl::InvalidArgumentError(absl::StrCat(token, " needs a value"));
      }
      value = argv[++i];
    } else {
      value = "true";
    }
    if (run_flag != nullptr) {
      absl::Status applied = ApplyRunFlag(name, value, &out);
      if (!applied.ok()) return applied;
    } else if (gflags::SetCommandLineOption(name.c_str(), value.c_str()).empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad value for --", name, ": \"", value, "\""));
    }
  }
  return out;
}

}  // namespace heyhi
