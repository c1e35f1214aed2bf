// Env files (SPEC §13): where the file is, which of its clusters this machine
// is on, and the checks of its values. The pieces of LoadEnvironment
// (heyhi/env.h), each testable without a file or a real host name. Here, not
// in heyhi::experiment, so that `pp` (heyhi::config alone) can resolve
// //reference/ paths too.
#ifndef HEYHI_CONFIG_ENVIRONMENT_H_
#define HEYHI_CONFIG_ENVIRONMENT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "heyhi/heyhi.pb.h"

namespace heyhi {

// The team of $HH_TEAM ("default" when unset or empty). A name that could
// leave the env folder (not letters, digits, '_', '-', '.') is an error.
absl::StatusOr<std::string> TeamFromEnv();

// The env file for `team` under `conf_root`: $HH_ENV if set, else
// <conf_root>/env/<team>.prototxt. "" (and no error) when there is none and
// none was asked for; an error when $HH_ENV names no file, or when `team` is
// not "default" and has no file (listing the teams that have one).
absl::StatusOr<std::string> FindEnvFile(const std::string& conf_root, const std::string& team);

// Which cluster of `env` (read from `env_file`) this machine is on, and why.
struct ClusterChoice {
  int index = -1;
  std::string why;
};

// The cluster `hh_cluster` names when it is not empty; else the first whose
// `host` globs (fnmatch, case ignored) match `fqdn`; else the one named
// "default". Errors name `env_file` and list the clusters; when nothing fits,
// they name `fqdn` too.
absl::StatusOr<ClusterChoice> ChooseCluster(const Env& env, const std::string& env_file,
                                            const std::string& fqdn, const std::string& hh_cluster);

// `value` with a leading "~/" replaced by the home folder and every ${NAME}
// by the environment variable NAME (unset: an error naming it).
absl::StatusOr<std::string> ExpandEnvValue(const std::string& value);

// ~/results/heyhi, absolute: the exp root when neither $HH_EXP_DIR nor the
// cluster gives one.
std::string BuiltInExpRoot();

}  // namespace heyhi

#endif  // HEYHI_CONFIG_ENVIRONMENT_H_
