// The cluster's Slurm defaults (SPEC §13): what an env file gives for the
// SlurmLauncher fields a config leaves unset. Applied at submission only, so
// they never reach the signature or the stored config.
#ifndef HEYHI_LAUNCH_SLURM_CLUSTER_DEFAULTS_H_
#define HEYHI_LAUNCH_SLURM_CLUSTER_DEFAULTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "heyhi/heyhi.pb.h"

namespace heyhi {

// `config` with the defaults of `env`'s cluster where it leaves a field
// unset; `filled` (when given) receives the names of the fields filled, in
// field order. The config always wins:
//   partition   <- the cluster's partition for `partition_role` ("default"
//                  when empty); a role the cluster lacks is an error only
//                  when the config names it;
//   account, qos, constraint, exclude <- the cluster's, when not set;
//   sbatch_args, srun_args <- the cluster's, when the config gives none.
// An sbatch_args or srun_args entry of the cluster that is not one valid
// option is an error naming it, the cluster and its env file.
absl::StatusOr<SlurmLauncher> WithClusterDefaults(const SlurmLauncher& config, const ActiveEnv& env,
                                                  std::vector<std::string>* filled = nullptr);

}  // namespace heyhi

#endif  // HEYHI_LAUNCH_SLURM_CLUSTER_DEFAULTS_H_
