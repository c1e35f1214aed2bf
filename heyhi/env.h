// The environment a run is in (SPEC §13): the team's env file, the cluster it
// names for this machine, and that cluster's folders, Slurm defaults and path
// rewrites.
#ifndef HEYHI_ENV_H_
#define HEYHI_ENV_H_

#include <string>

#include "absl/status/statusor.h"
#include "heyhi/heyhi.pb.h"

namespace heyhi {

// The environment for the project whose conf root is `conf_root` ("" when
// there is none).
//
// Env file: $HH_ENV if set, else <conf_root>/env/<team>.prototxt with team
// $HH_TEAM or "default". No such file: the built-in defaults, one cluster
// "default" with the folders below (an error instead when $HH_ENV or a
// $HH_TEAM other than "default" names a file that does not exist).
//
// Cluster: the one $HH_CLUSTER names; else the first whose `host` globs match
// this machine's fully qualified name; else the one named "default"; else an
// error naming the env file and the host name tried.
//
// Folders: exp_dir is $HH_EXP_DIR, else the cluster's, else ~/results/heyhi;
// reference_dir is $HH_REFERENCE_DIR, else the cluster's, else none (empty).
// Both are absolute in the result.
//
// Every error names the env file (with line and column where a value is
// wrong) and what would be valid.
absl::StatusOr<ActiveEnv> LoadEnvironment(const std::string& conf_root);

// The conf root of commands that are given no config (`run env`, `ls`,
// `info`, `-f SIG`): $HH_CONF_ROOT if set, else the nearest of the working
// directory and its ancestors that is named `conf` or holds a `conf` folder;
// "" when there is none.
std::string ConfRootOfWorkingDir();

}  // namespace heyhi

#endif  // HEYHI_ENV_H_
