// Dispatch from the task's launcher choice to the launcher that runs it.
#include "heyhi/launch/dispatch.h"

#include <unistd.h>

#include <iostream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "heyhi/exp_dir.h"
#include "heyhi/heyhi.pb.h"
#include "heyhi/launch/local.h"
#include "heyhi/launch/slurm/client.h"
#include "heyhi/launch/slurm/cluster_defaults.h"
#include "heyhi/launch/slurm/launcher.h"
#include "heyhi/launch/slurm/script.h"

namespace heyhi {
namespace {

constexpr char kLauncherType[] = "heyhi.Launcher";

// Submits the job and records its id. Until then heyhi.jobid holds the `run`
// process's own id, so a racing run sees RUNNING; without a submitted job
// that id is removed again and the experiment reads NOT_STARTED.
absl::Status SubmitAndRecord(const SlurmLauncher& slurm, const std::string& exp_dir,
                             const std::string& snapshot) {
  const ExpDir dir(exp_dir, exp_dir);
  absl::StatusOr<std::string> job_id = SubmitSlurmJob(slurm, exp_dir, snapshot);
  if (!job_id.ok()) {
    unlink(dir.File(kJobIdFile).c_str());
    return job_id.status();
  }
  if (absl::Status recorded = dir.RecordJobId(*job_id); !recorded.ok()) {
    KillSlurmJob(*job_id).IgnoreError();
    unlink(dir.File(kJobIdFile).c_str());
    return absl::Status(recorded.code(), absl::StrCat("cannot record ", *job_id,
                                                      " (job cancelled): ", recorded.message()));
  }
  std::cout << "job id: " << *job_id << std::endl;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LaunchPlan> PlanLaunch(const google::protobuf::Message& task_cfg,
                                      const ActiveEnv* env) {
  LaunchPlan plan;
  const google::protobuf::FieldDescriptor* field =
      task_cfg.GetDescriptor()->FindFieldByName("launcher");
  if (field == nullptr || field->message_type() == nullptr ||
      field->message_type()->full_name() != kLauncherType || field->is_repeated()) {
    return plan;
  }
  const google::protobuf::Message& launcher = task_cfg.GetReflection()->GetMessage(task_cfg, field);
  const google::protobuf::OneofDescriptor* oneof =
      launcher.GetDescriptor()->FindOneofByName("launcher");
  const google::protobuf::FieldDescriptor* chosen =
      oneof == nullptr ? nullptr
                       : launcher.GetReflection()->GetOneofFieldDescriptor(launcher, oneof);
  if (chosen == nullptr) return plan;
  plan.launcher = &launcher.GetReflection()->GetMessage(launcher, chosen);
  if (chosen->name() == "slurm") {
    const auto* slurm = dynamic_cast<const SlurmLauncher*>(plan.launcher);
    if (slurm == nullptr) {
      return absl::InternalError("launcher.slurm is not the compiled-in heyhi.SlurmLauncher");
    }
    absl::StatusOr<SlurmJobShape> shape = ComputeSlurmJobShape(*slurm);
    if (!shape.ok()) return shape.status();
    plan.kind = LauncherKind::kSlurm;
    plan.slurm = *slurm;
    if (env != nullptr) {
      absl::StatusOr<SlurmLauncher> filled =
          WithClusterDefaults(*slurm, *env, &plan.slurm_from_env);
      if (!filled.ok()) return filled.status();
      plan.slurm = std::move(*filled);
    }
    return plan;
  }
  const google::protobuf::FieldDescriptor* num_procs =
      plan.launcher->GetDescriptor()->FindFieldByName("num_procs");
  if (num_procs != nullptr) {
    plan.num_procs = plan.launcher->GetReflection()->GetInt32(*plan.launcher, num_procs);
  }
  if (plan.num_procs < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("launcher.local.num_procs: ", plan.num_procs, "; expected 1 or more"));
  }
  return plan;
}

absl::Status LaunchTask(const LaunchPlan& plan, const RegisteredTask& task,
                        const google::protobuf::Message& task_cfg, const std::string& exp_dir,
                        const std::string& launch_dir, const std::string& snapshot,
                        const ActiveEnv& env) {
  switch (plan.kind) {
    case LauncherKind::kLocal: {
      if (plan.num_procs > 1) return RunLocalWorkers(snapshot, exp_dir, plan.num_procs);
      JobContext::Job job;
      job.exp_dir = exp_dir;
      job.launch_dir = launch_dir;
      job.env = env;
      JobContext ctx(std::move(job));
      return RunTaskInProcess(task, task_cfg, ctx);
    }
    case LauncherKind::kSlurm:
      return SubmitAndRecord(plan.slurm, exp_dir, snapshot);
  }
  return absl::InternalError("unknown launcher kind");
}

bool LaunchEndsWithTask(const LaunchPlan& plan) { return plan.kind == LauncherKind::kLocal; }

absl::StatusOr<bool> JobIsAlive(const std::string& job_id) {
  if (absl::StartsWith(job_id, kSlurmJobIdPrefix)) return SlurmJobIsAlive(job_id);
  return LocalJobIsAlive(job_id);
}

absl::Status KillJob(const std::string& job_id) {
  if (absl::StartsWith(job_id, "local:")) return KillLocalJob(job_id);
  if (absl::StartsWith(job_id, kSlurmJobIdPrefix)) return KillSlurmJob(job_id);
  return absl::UnimplementedError(
      absl::StrCat("cannot stop job ", job_id, ": this run binary has no launcher for it"));
}

absl::Status KillJobs(const std::vector<std::string>& job_ids) {
  std::vector<std::string> slurm_ids;
  absl::Status status;
  for (const std::string& job_id : job_ids) {
    absl::string_view id = job_id;
    if (absl::ConsumePrefix(&id, kSlurmJobIdPrefix)) {
      slurm_ids.emplace_back(id);
    } else if (absl::Status killed = KillJob(job_id); !killed.ok() && status.ok()) {
      status = killed;
    }
  }
  if (!slurm_ids.empty()) {
    if (absl::Status cancelled = SlurmClient().CancelMany(slurm_ids); !cancelled.ok()) {
      if (status.ok()) status = cancelled;
    }
  }
  return status;
}

}  // namespace heyhi
