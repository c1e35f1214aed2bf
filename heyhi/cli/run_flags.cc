// The command line of `run`: exact flag names, everything else an override.
#include "heyhi/cli/run_flags.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gflags/gflags.h"
#include "glog/logging.h"
#include "heyhi/base/command_line.h"

namespace heyhi {
namespace {

// run's own flags. They are not gflags: a project's run binary may define
// flags of the same names for itself.
constexpr FlagSpec kRunFlags[] = {
    {"c", true, "The config file to run."},
    {"cfg", true, "Same as -c."},
    {"adhoc", false,
     "A throw-away experiment: the exp id starts with adhoc/<time>, and the default mode is "
     "restart."},
    {"mode", true,
     "gentle_start (default), start_continue, start_restart, restart (default with --adhoc) "
     "or dryrun."},
    {"out", true,
     "Exp id pattern replacing the default one (tags such as %(redefines)s expand); "
     "relative: under $HH_EXP_DIR."},
    {"print", false, "Print the composed task message and exit; nothing is created."},
    {"print_flat", false, "Print one key=value line per field set and exit."},
    {"print_flat_all", false, "Print every field of the task message and exit."},
    {"describe", true, "Describe the field KEY of the task message and exit."},
    {"checkpoint", true,
     "Folder of the binary snapshot cache (default $HH_EXP_DIR); \"\" runs the build tree's "
     "binary itself."},
    {"force", false, "Wipe without the 3-second countdown."},
    {"log_level", true, "Least severity logged: INFO, WARNING, ERROR (or 0-2)."},
    {"worker", true, "Run as a worker process of the experiment in this folder."},
    {"f", true,
     "Start from the stored config of experiment SIG (not today's files), with the "
     "overrides on top."},
    {"help", false, "Show this help."},
    {"helpfull", false, "Same as --help."},
};

// glog's flags (--v, --logtostderr, ...) are gflags of the glog library.
bool IsGflagsFlag(const std::string& name, bool* takes_value) {
  gflags::CommandLineFlagInfo info;
  if (!gflags::GetCommandLineFlagInfo(name.c_str(), &info)) return false;
  *takes_value = info.type != "bool";
  return true;
}

absl::Status ApplyLogLevel(const std::string& level) {
  const std::string upper = absl::AsciiStrToUpper(level);
  int severity = -1;
  if (upper == "INFO") severity = 0;
  if (upper == "WARNING") severity = 1;
  if (upper == "ERROR") severity = 2;
  if (severity < 0 && (!absl::SimpleAtoi(level, &severity) || severity < 0 || severity > 2)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--log_level ", level, ": expected INFO, WARNING, ERROR or 0, 1, 2"));
  }
  FLAGS_minloglevel = severity;
  return absl::OkStatus();
}

absl::Status ApplyRunFlag(const std::string& name, const std::string& value, RunCommandLine* out) {
  bool* switch_target = nullptr;
  if (name == "adhoc") switch_target = &out->adhoc;
  if (name == "print") switch_target = &out->print;
  if (name == "print_flat") switch_target = &out->print_flat;
  if (name == "print_flat_all") switch_target = &out->print_flat_all;
  if (name == "force") switch_target = &out->force;
  if (name == "help" || name == "helpfull") switch_target = &out->help;
  if (switch_target != nullptr) {
    absl::StatusOr<bool> on = ParseSwitch(name, value);
    if (!on.ok()) return on.status();
    *switch_target = *on;
    return absl::OkStatus();
  }
  if (name == "c" || name == "cfg") out->config = value;
  if (name == "mode") out->mode = value;
  if (name == "out") out->out = value;
  if (name == "describe") out->describe = value;
  if (name == "worker") out->worker = value;
  if (name == "f") out->from = value;
  if (name == "checkpoint") {
    out->checkpoint_given = true;
    out->checkpoint = value;
  }
  if (name == "log_level") return ApplyLogLevel(value);
  return absl::OkStatus();
}

}  // namespace

const char* RunUsage() {
  return "run -c CFG | -f SIG [--adhoc] [--mode M] [--out PATTERN] [--print] [--print-flat]\n"
         "    [--print-flat-all] [--describe KEY] [--checkpoint DIR|\"\"] [--force]\n"
         "    [--log_level L] [overrides...]\n"
         "Composes CFG with the overrides (key=value, I<mount>=<path>), names the\n"
         "experiment from the composed config, and runs its task unless the mode and\n"
         "the experiment's status say otherwise.\n"
         "Modes: gentle_start (default), start_continue, start_restart, restart\n"
         "(default with --adhoc), dryrun.\n"
         "Experiments: run info SIG, run ls [PATTERN...], run diff A B, run plot SIG...\n"
         "(each with --json; SIG: a signature, a prefix of 4+ hex characters, or an exp dir).\n"
         "Environment: run env [--json] (team, cluster, exp and reference folders, Slurm\n"
         "defaults; HH_TEAM, HH_CLUSTER, HH_ENV, HH_EXP_DIR, HH_REFERENCE_DIR).";
}

absl::StatusOr<RunCommandLine> ParseRunCommandLine(int argc, char** argv) {
  absl::StatusOr<SplitArgs> split = SplitFlags(argc, argv, kRunFlags, IsGflagsFlag);
  if (!split.ok()) return split.status();
  RunCommandLine out;
  out.argv.assign(argv, argv + argc);
  out.overrides = std::move(split->others);
  for (const auto& [name, value] : split->flags) {
    const bool own =
        std::any_of(std::begin(kRunFlags), std::end(kRunFlags),
                    [&name = name](const FlagSpec& flag) { return name == flag.name; });
    if (own) {
      if (absl::Status applied = ApplyRunFlag(name, value, &out); !applied.ok()) return applied;
    } else if (gflags::SetCommandLineOption(name.c_str(), value.c_str()).empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad value for --", name, ": \"", value, "\""));
    }
  }
  return out;
}

std::string RunHelp() {
  return absl::StrCat("usage: ", RunUsage(), "\n\nFlags:\n", FlagsHelp(kRunFlags));
}

}  // namespace heyhi
