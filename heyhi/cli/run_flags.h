// The command line of `run`: which tokens are heyhi's flags and which are
// config overrides (SPEC §6).
#ifndef HEYHI_CLI_RUN_FLAGS_H_
#define HEYHI_CLI_RUN_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace heyhi {

struct RunCommandLine {
  std::string config;  // -c / --cfg
  bool adhoc = false;
  std::string mode;  // "" when not given
  std::string out;   // --out pattern, "" when not given
  bool print = false;
  bool print_flat = false;
  bool print_flat_all = false;
  std::string describe;  // --describe KEY
  bool checkpoint_given = false;
  std::string checkpoint;  // --checkpoint DIR; "" runs the build binary
  bool force = false;
  std::string worker;  // --worker EXP_DIR
  std::string from;    // -f SIG: start from that experiment's config
  bool help = false;
  std::vector<std::string> overrides;  // every other token, as given
  std::vector<std::string> argv;       // the whole command line, as given
};

// Splits `argv`. A token is a flag only if it starts with '-' and names one
// of run's flags or another gflags/glog flag exactly (`--name`, `-name`,
// `--name=value`, `--name value`); everything else is an override. gflags
// and glog flags are applied with gflags::SetCommandLineOption. Errors name
// the token.
absl::StatusOr<RunCommandLine> ParseRunCommandLine(int argc, char** argv);

// The usage text printed on a usage error.
const char* RunUsage();

// `run --help`: the usage and every flag with its help.
std::string RunHelp();

}  // namespace heyhi

#endif  // HEYHI_CLI_RUN_FLAGS_H_
