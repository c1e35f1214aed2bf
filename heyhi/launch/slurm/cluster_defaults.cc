// Filling a SlurmLauncher from the cluster's defaults.
#include "heyhi/launch/slurm/cluster_defaults.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "heyhi/launch/slurm/script.h"

namespace heyhi {
namespace {

constexpr char kDefaultRole[] = "default";

std::string ClusterLabel(const ActiveEnv& env) {
  return env.env_file().empty()
             ? absl::StrCat("cluster ", env.active_cluster().name(),
                            " (built-in defaults, no env file)")
             : absl::StrCat("cluster ", env.active_cluster().name(), " of ", env.env_file());
}

}  // namespace

absl::StatusOr<SlurmLauncher> WithClusterDefaults(const SlurmLauncher& config, const ActiveEnv& env,
                                                  std::vector<std::string>* filled) {
  const Cluster& cluster = env.active_cluster();
  SlurmLauncher out = config;
  std::vector<std::string> names;
  if (!config.has_partition()) {
    const std::string role =
        config.partition_role().empty() ? kDefaultRole : config.partition_role();
    const SlurmPartition* found = nullptr;
    std::vector<std::string> roles;
    for (const SlurmPartition& partition : cluster.partition()) {
      roles.push_back(partition.role());
      if (partition.role() == role) found = &partition;
    }
    if (found != nullptr) {
      out.set_partition(found->name());
      names.push_back("partition");
    } else if (!config.partition_role().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "launcher.slurm.partition_role: '", role, "' is no partition role of ", ClusterLabel(env),
          "; its roles: ", roles.empty() ? "(none)" : absl::StrJoin(roles, ", "),
          " (or set launcher.slurm.partition)"));
    }
  }
  auto fill = [&names](const char* name, bool set_in_config, const std::string& value,
                       std::string* field) {
    if (set_in_config || value.empty()) return;
    *field = value;
    names.push_back(name);
  };
  fill("account", config.has_account(), cluster.account(), out.mutable_account());
  fill("qos", config.has_qos(), cluster.qos(), out.mutable_qos());
  fill("constraint", config.has_constraint(), cluster.constraint(), out.mutable_constraint());
  fill("exclude", config.has_exclude(), cluster.exclude(), out.mutable_exclude());
  if (config.sbatch_args_size() == 0 && cluster.sbatch_args_size() > 0) {
    *out.mutable_sbatch_args() = cluster.sbatch_args();
    names.push_back("sbatch_args");
  }
  if (config.srun_args_size() == 0 && cluster.srun_args_size() > 0) {
    *out.mutable_srun_args() = cluster.srun_args();
    names.push_back("srun_args");
  }
  // The cluster's options, checked as the script will check them, so that a
  // bad one is reported as the env file's.
  const std::string where = absl::StrCat(ClusterLabel(env), ": ");
  for (int i = 0; i < cluster.sbatch_args_size(); ++i) {
    if (absl::Status s = CheckSbatchArg(where, i, cluster.sbatch_args(i)); !s.ok()) return s;
  }
  for (int i = 0; i < cluster.srun_args_size(); ++i) {
    if (absl::Status s = CheckSrunArg(where, i, cluster.srun_args(i)); !s.ok()) return s;
  }
  if (filled != nullptr) *filled = std::move(names);
  return out;
}

}  // namespace heyhi
