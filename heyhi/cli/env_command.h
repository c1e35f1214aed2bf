// `run env`: the environment in force here (SPEC §13), and the exp root the
// commands without a config use.
#ifndef HEYHI_CLI_ENV_COMMAND_H_
#define HEYHI_CLI_ENV_COMMAND_H_

#include <string>

#include "absl/status/statusor.h"

namespace heyhi {

// The exp root of the environment of the working directory's conf root
// (ConfRootOfWorkingDir): where `ls`, `info`, `diff`, `plot` and `-f` look.
absl::StatusOr<std::string> ExpRootOfWorkingDir();

// `run env [--json]` (argv[0] is "env"): the team, the env file, the host
// name, the cluster and why it was chosen, and every value of the cluster;
// with --json one JSON document (heyhi.ActiveEnv, field names as in the
// .proto, every field present). Returns the exit code.
int EnvCommand(int argc, char** argv);

}  // namespace heyhi

#endif  // HEYHI_CLI_ENV_COMMAND_H_
