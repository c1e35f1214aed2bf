// Worker mode: one rank of an experiment, from the frozen config on disk.
#include "heyhi/launch/worker.h"

#include <unistd.h>

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "google/protobuf/message.h"
#include "heyhi/base/command_line.h"
#include "heyhi/config.h"
#include "heyhi/config/schema.h"
#include "heyhi/config/text_loader.h"
#include "heyhi/env.h"
#include "heyhi/exp_dir.h"
#include "heyhi/experiment/xp_record.h"
#include "heyhi/heyhi.pb.h"
#include "heyhi/launch/dispatch.h"
#include "heyhi/launch/local.h"
#include "heyhi/launch/slurm/client.h"
#include "heyhi/launch/slurm/preemption.h"

namespace heyhi {
namespace {

std::string EnvVar(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

int EnvInt(const char* name, int fallback) {
  int value = 0;
  return absl::SimpleAtoi(EnvVar(name), &value) ? value : fallback;
}

// A Slurm job's rank, not a local worker (those have RANK from their `run`).
bool IsSlurmWorker() { return EnvVar("RANK").empty() && !EnvVar("SLURM_JOB_ID").empty(); }

// For a Slurm worker whose launcher asks for a signal: the watch that turns
// it into a checkpoint and a requeue. Null when there is nothing to watch.
absl::StatusOr<std::unique_ptr<PreemptionWatch>> WatchForPreemption(
    const google::protobuf::Message& task_cfg, const JobContext& ctx) {
  if (!IsSlurmWorker()) return nullptr;
  // Only a job heyhi submitted asked Slurm for the signal; its launcher says which.
  absl::StatusOr<LaunchPlan> plan = PlanLaunch(task_cfg);
  if (!plan.ok() || plan->kind != LauncherKind::kSlurm || plan->launcher == nullptr) {
    return nullptr;
  }
  SlurmLauncher slurm;
  slurm.MergeFrom(*plan->launcher);
  if (slurm.signal().empty()) return nullptr;
  absl::StatusOr<int> signal = PreemptionSignalNumber(slurm.signal());
  if (!signal.ok()) return signal.status();
  PreemptionOptions options;
  options.signal = *signal;
  options.job_id = OwnSlurmJobId(EnvVar("SLURM_JOB_ID"), EnvVar("SLURM_ARRAY_JOB_ID"),
                                 EnvVar("SLURM_ARRAY_TASK_ID"));
  options.max_requeues = slurm.max_requeues();
  options.requeue = [](const std::string& job_id) { return SlurmClient().Requeue(job_id); };
  options.exit = [](int exit_code) {
    google::FlushLogFiles(google::GLOG_INFO);
    _exit(exit_code);
  };
  return PreemptionWatch::Start(&ctx, std::move(options));
}

}  // namespace

std::string FirstHostOfNodeList(const std::string& node_list) {
  const size_t comma = node_list.find(',');
  const size_t bracket = node_list.find('[');
  if (bracket == std::string::npos || (comma != std::string::npos && comma < bracket)) {
    return node_list.substr(0, comma);
  }
  const size_t end = node_list.find_first_of(",-]", bracket + 1);
  return node_list.substr(0, bracket) + node_list.substr(bracket + 1, end == std::string::npos
                                                                          ? std::string::npos
                                                                          : end - bracket - 1);
}

JobContext JobContextFromEnv(const std::string& exp_dir, const std::string& launch_dir,
                             ActiveEnv env) {
  JobContext::Job job;
  job.exp_dir = exp_dir;
  job.launch_dir = launch_dir;
  job.env = std::move(env);
  if (!EnvVar("RANK").empty()) {
    job.rank = EnvInt("RANK", 0);
    job.world_size = EnvInt("WORLD_SIZE", 1);
    job.local_rank = EnvInt("LOCAL_RANK", 0);
    if (!EnvVar("MASTER_ADDR").empty()) job.master_addr = EnvVar("MASTER_ADDR");
    job.master_port = EnvInt("MASTER_PORT", 0);
  } else if (!EnvVar("SLURM_PROCID").empty()) {
    job.rank = EnvInt("SLURM_PROCID", 0);
    job.world_size = EnvInt("SLURM_NTASKS", 1);
    job.local_rank = EnvInt("SLURM_LOCALID", 0);
    const std::string first_host = FirstHostOfNodeList(EnvVar("SLURM_JOB_NODELIST"));
    if (!first_host.empty()) job.master_addr = first_host;
    job.master_port = EnvInt("MASTER_PORT", 0);
  }
  job.requeue_count = EnvInt("SLURM_RESTART_COUNT", 0);
  return JobContext(std::move(job));
}

ActiveEnv RecordedEnvironment(const XpRecord& record) {
  if (record.has_env()) return record.env();
  absl::StatusOr<ActiveEnv> env = LoadEnvironment(record.conf_root());
  if (env.ok()) return *env;
  LOG(WARNING) << "worker: the experiment records no environment and " << env.status().message()
               << "; using the built-in defaults";
  absl::StatusOr<ActiveEnv> built_in = LoadEnvironment("");
  return built_in.ok() ? *built_in : ActiveEnv();
}

absl::StatusOr<FrozenConfig> ReadFrozenConfig(const std::string& exp_dir,
                                              const google::protobuf::Descriptor* root_type) {
  const std::string path = absl::StrCat(exp_dir, "/", kRootConfigFile);
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  const google::protobuf::Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(root_type);
  if (prototype == nullptr) {
    return absl::InternalError(absl::StrCat(root_type->full_name(), " is not compiled in"));
  }
  FrozenConfig frozen;
  frozen.root.reset(prototype->New());
  absl::Status parsed = ParseText(*text, path, frozen.root.get());
  if (!parsed.ok()) return parsed;
  const google::protobuf::OneofDescriptor* oneof = TaskOneof(root_type);
  const google::protobuf::FieldDescriptor* chosen =
      oneof == nullptr ? nullptr
                       : frozen.root->GetReflection()->GetOneofFieldDescriptor(*frozen.root, oneof);
  if (chosen == nullptr || chosen->message_type() == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": no task chosen in ", root_type->full_name()));
  }
  frozen.task_name = chosen->name();
  frozen.task = &frozen.root->GetReflection()->GetMessage(*frozen.root, chosen);
  return frozen;
}

int WorkerMain(const std::string& exp_dir, const google::protobuf::Descriptor* root_type) {
  absl::StatusOr<FrozenConfig> frozen = ReadFrozenConfig(exp_dir, root_type);
  if (!frozen.ok()) {
    LOG(ERROR) << "worker: " << frozen.status().message();
    return kExitFailed;
  }
  const RegisteredTask* task = FindTask(frozen->task_name);
  if (task == nullptr) {
    LOG(ERROR) << "worker: no task registered for \"" << frozen->task_name << "\"";
    return kExitFailed;
  }
  absl::StatusOr<std::string> launch_dir =
      ReadFileToString(absl::StrCat(exp_dir, "/", kLaunchDirFile));
  absl::StatusOr<XpRecord> record = ReadXpRecord(ExpDir(exp_dir, exp_dir));
  JobContext ctx = JobContextFromEnv(
      exp_dir,
      launch_dir.ok() ? std::string(absl::StripTrailingAsciiWhitespace(*launch_dir)) : exp_dir,
      RecordedEnvironment(record.ok() ? *record : XpRecord()));
  LOG(INFO) << "worker rank " << ctx.rank() << "/" << ctx.world_size() << " running task "
            << task->case_name << " in " << exp_dir;
  absl::StatusOr<std::unique_ptr<PreemptionWatch>> watch = WatchForPreemption(*frozen->task, ctx);
  if (!watch.ok()) {
    LOG(ERROR) << "worker rank " << ctx.rank() << ": " << watch.status().message();
    return kExitFailed;
  }
  if (ctx.rank() == 0) {
    absl::Status recorded = UpdateXpRecord(ExpDir(exp_dir, exp_dir), [&ctx](XpRecord* record) {
      record->set_started(UnixNow());
      record->set_requeue_count(ctx.requeue_count());
    });
    if (!recorded.ok()) LOG(WARNING) << "worker rank 0: " << recorded.message();
  }
  absl::Status ran = RunTaskInProcess(*task, *frozen->task, ctx);
  // A preemption under way owns the outcome: its thread checkpoints, requeues
  // and ends the process; whatever the task did meanwhile does not count.
  if (*watch != nullptr && !(*watch)->TaskEnded(/*task_failed=*/!ran.ok())) return kExitFailed;
  if (!ran.ok()) {
    LOG(ERROR) << "worker rank " << ctx.rank() << ": " << ran.message();
    return kExitFailed;
  }
  // Local workers report to the `run` that started them, which marks the
  // experiment done; a Slurm job has no such parent, so its rank 0 does.
  if (IsSlurmWorker() && ctx.rank() == 0) {
    absl::Status marked = ExpDir(exp_dir, exp_dir).MarkDone();
    if (!marked.ok()) {
      LOG(ERROR) << "worker rank 0: task done, but " << marked.message();
      return kExitFailed;
    }
    LOG(INFO) << "worker rank 0: task " << task->case_name << " done";
  }
  return kExitOk;
}

}  // namespace heyhi
