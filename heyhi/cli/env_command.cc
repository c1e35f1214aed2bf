// `run env`: prints the environment LoadEnvironment chose here.
#include "heyhi/cli/env_command.h"

#include <iostream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/json_util.h"
#include "heyhi/base/command_line.h"
#include "heyhi/config/include_resolver.h"
#include "heyhi/env.h"

namespace heyhi {
namespace {

constexpr FlagSpec kEnvFlags[] = {{"json", false, "Print one JSON document."}};

int Fail(const std::string& message, int code = kExitFailed) {
  std::cerr << "run env: " << message << std::endl;
  return code;
}

std::string OrDash(const std::string& value) { return value.empty() ? "-" : value; }

template <typename Strings>
std::string Words(const Strings& values) {
  return values.empty() ? "-" : absl::StrJoin(values, " ");
}

void PrintText(const ActiveEnv& env) {
  const Cluster& c = env.active_cluster();
  std::vector<std::string> partitions;
  for (const SlurmPartition& p : c.partition()) partitions.push_back(p.role() + "=" + p.name());
  std::cout << "team:          " << env.team() << "\n"
            << "env file:      "
            << (env.env_file().empty() ? "- (none: built-in defaults)"
                                       : DisplayPath(env.env_file()))
            << "\n"
            << "host:          " << env.host() << "\n"
            << "cluster:       " << c.name() << "\n"
            << "chosen by:     " << env.chosen_by() << "\n"
            << "exp_dir:       " << c.exp_dir() << "  (" << env.exp_dir_from() << ")\n"
            << "reference_dir: " << OrDash(c.reference_dir()) << "  (" << env.reference_dir_from()
            << ")\n"
            << "host globs:    " << Words(c.host()) << "\n"
            << "partitions:    " << Words(partitions) << "\n"
            << "account:       " << OrDash(c.account()) << "\n"
            << "qos:           " << OrDash(c.qos()) << "\n"
            << "constraint:    " << OrDash(c.constraint()) << "\n"
            << "exclude:       " << OrDash(c.exclude()) << "\n"
            << "sbatch_args:   " << Words(c.sbatch_args()) << "\n"
            << "srun_args:     " << Words(c.srun_args()) << "\n"
            << "path_map:      " << (c.path_map().empty() ? "-" : "") << "\n";
  for (const PathMap& map : c.path_map()) {
    std::cout << "  " << map.regex() << " -> " << map.replace() << "\n";
  }
  std::cout << std::flush;
}

}  // namespace

absl::StatusOr<std::string> ExpRootOfWorkingDir() {
  absl::StatusOr<ActiveEnv> env = LoadEnvironment(ConfRootOfWorkingDir());
  if (!env.ok()) return env.status();
  return env->active_cluster().exp_dir();
}

int EnvCommand(int argc, char** argv) {
  absl::StatusOr<SplitArgs> args = SplitFlags(argc, argv, kEnvFlags);
  if (!args.ok()) return Fail(std::string(args.status().message()), kExitBadUsage);
  bool as_json = false;
  for (const auto& [name, value] : args->flags) {
    if (name == "json") as_json = ParseSwitch(name, value).value_or(false);
  }
  if (!args->others.empty()) {
    return Fail(absl::StrCat("unexpected ", args->others[0], "\nusage: run env [--json]"),
                kExitBadUsage);
  }
  absl::StatusOr<ActiveEnv> env = LoadEnvironment(ConfRootOfWorkingDir());
  if (!env.ok()) return Fail(std::string(env.status().message()));
  if (!as_json) {
    PrintText(*env);
    return std::cout.good() ? kExitOk : kExitFailed;
  }
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(*env, &text, options).ok()) {
    return Fail("cannot print the environment as JSON");
  }
  if (text.empty() || text.back() != '\n') text += '\n';
  std::cout << text << std::flush;
  return std::cout.good() ? kExitOk : kExitFailed;
}

}  // namespace heyhi
