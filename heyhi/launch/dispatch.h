// Where a task runs: the one dispatch on the task's `launcher` field
// (heyhi.Launcher oneof) shared by every launcher (SPEC §7).
#ifndef HEYHI_LAUNCH_DISPATCH_H_
#define HEYHI_LAUNCH_DISPATCH_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "heyhi/experiment/task_registry.h"
#include "heyhi/heyhi.pb.h"

namespace heyhi {

enum class LauncherKind { kLocal, kSlurm };

struct LaunchPlan {
  LauncherKind kind = LauncherKind::kLocal;
  int num_procs = 1;  // local: worker processes; 1 runs in this process
  // The chosen launcher message (LocalLauncher / SlurmLauncher); null for
  // local without a launcher field or case.
  const google::protobuf::Message* launcher = nullptr;
  // Slurm: the launcher as it will be submitted, the config's with the
  // cluster's defaults where it leaves a field unset, and the names of the
  // fields the cluster filled.
  SlurmLauncher slurm;
  std::vector<std::string> slurm_from_env;
};

// Reads the task's `launcher` field (no field or no case: local). A launcher
// this binary cannot run is an error, reported before anything is created.
// With `env`, a Slurm launcher gets its cluster's defaults
// (launch/slurm/cluster_defaults.h).
absl::StatusOr<LaunchPlan> PlanLaunch(const google::protobuf::Message& task_cfg,
                                      const ActiveEnv* env = nullptr);

// Runs the task by `plan` in the prepared exp dir, in environment `env`
// (the task's JobContext::env()). For local runs the call
// returns when the task has ended; its status is the task's outcome. For
// Slurm it returns once the job is submitted and "slurm:<id>" is recorded in
// heyhi.jobid (and printed as "job id: slurm:<id>"); a failed submission
// removes heyhi.jobid, so the experiment reads NOT_STARTED.
absl::Status LaunchTask(const LaunchPlan& plan, const RegisteredTask& task,
                        const google::protobuf::Message& task_cfg, const std::string& exp_dir,
                        const std::string& launch_dir, const std::string& snapshot,
                        const ActiveEnv& env);

// True when LaunchTask returns only after the task has ended (local), false
// when the task runs on after it (Slurm; its worker writes the done marker).
bool LaunchEndsWithTask(const LaunchPlan& plan);

// Whether the job recorded as `job_id` is alive, by its scheme ("local:",
// "slurm:"): the liveness probe of ExpDir::Status.
absl::StatusOr<bool> JobIsAlive(const std::string& job_id);

// Stops the job recorded as `job_id`, by its scheme.
absl::Status KillJob(const std::string& job_id);

// KillJob for many jobs: local ones one by one, Slurm ones with a few
// scancel calls and one wait for all (a grid's members).
absl::Status KillJobs(const std::vector<std::string>& job_ids);

}  // namespace heyhi

#endif  // HEYHI_LAUNCH_DISPATCH_H_
