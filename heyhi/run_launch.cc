// Dispatch from the task's launcher choice to the launcher that runs it.
#include "heyhi/run_launch.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "heyhi/launcher_local.h"

namespace heyhi {
namespace {

constexpr char kLauncherType[] = "heyhi.Launcher";

}  // namespace

absl::StatusOr<LaunchPlan> PlanLaunch(const google::protobuf::Message& task_cfg) {
  LaunchPlan plan;
  const google::protobuf::FieldDescriptor* field =
      task_cfg.GetDescriptor()->FindFieldByName("launcher");
  if (field == nullptr || field->message_type() == nullptr ||
      field->message_type()->full_name() != kLauncherType || field->is_repeated()) {
    return plan;
  }
  const google::protobuf::Message& launcher = task_cfg.GetReflection()->GetMessage(task_cfg, field);
  const google::protobuf::OneofDescriptor* oneof = launcher.GetDescriptor()->FindOneofByName("launcher");
  const google::protobuf::FieldDescriptor* chosen =
      oneof == nullptr ? nullptr : launcher.GetReflection()->GetOneofFieldDescriptor(launcher, oneof);
  if (chosen == nullptr) return plan;
  plan.launcher = &launcher.GetReflection()->GetMessage(launcher, chosen);
  if (chosen->name() == "slurm") {
    return absl::UnimplementedError(
        "launcher.slurm: this run binary has no Slurm launcher; use launcher.local");
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
                        const std::string& launch_dir, const std::string& snapshot) {
  switch (plan.kind) {
    case LauncherKind::kLocal: {
      if (plan.num_procs > 1) return RunLocalWorkers(snapshot, exp_dir, plan.num_procs);
      JobContext ctx;
      ctx.set_exp_dir(exp_dir);
      ctx.set_launch_dir(launch_dir);
      return RunTaskInProcess(task, task_cfg, ctx);
    }
    case LauncherKind::kSlurm:
      break;
  }
  return absl::UnimplementedError("this run binary has no Slurm launcher");
}

absl::Status KillJob(const std::string& job_id) {
  if (absl::StartsWith(job_id, "local:")) return KillLocalJob(job_id);
  return absl::UnimplementedError(
      absl::StrCat("cannot stop job ", job_id, ": this run binary has no launcher for it"));
}

}  // namespace heyhi
