// Task functions: HEYHI_TASK registers a function for one case of
// MetaCfg.task, and the JobContext it receives tells it about its job (SPEC §8).
#ifndef HEYHI_TASK_H_
#define HEYHI_TASK_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "heyhi/heyhi.pb.h"

namespace heyhi {

// What a running task knows about its job. Launchers build it; a task reads
// it and may register a checkpoint hook, but cannot rewrite it.
class JobContext {
 public:
  // The facts a launcher fills in.
  struct Job {
    std::string exp_dir;
    std::string launch_dir;
    int rank = 0;
    int world_size = 1;
    int local_rank = 0;
    std::string master_addr = "127.0.0.1";
    int master_port = 0;
    int requeue_count = 0;
    // The environment the experiment was launched in (heyhi/env.h): its
    // exp root, reference dir and path rewrites.
    ActiveEnv env;
  };

  explicit JobContext(Job job) : job_(std::move(job)) {}
  // Copies are views of one job: they share the checkpoint hook and the metrics log.
  JobContext(const JobContext&) = default;
  JobContext& operator=(const JobContext&) = delete;

  // The experiment folder (also the working directory while the task runs).
  const std::string& exp_dir() const { return job_.exp_dir; }
  // The folder `run` was started from.
  const std::string& launch_dir() const { return job_.launch_dir; }
  int rank() const { return job_.rank; }
  int world_size() const { return job_.world_size; }
  int local_rank() const { return job_.local_rank; }
  const std::string& master_addr() const { return job_.master_addr; }
  int master_port() const { return job_.master_port; }
  // How many times this job was requeued after preemption (0 on first start).
  int requeue_count() const { return job_.requeue_count; }

  // The environment of the job: team, cluster and its values (`run env`).
  const ActiveEnv& env() const { return job_.env; }

  // A path from the config, as heyhi::ResolvePath (heyhi/paths.h) resolves
  // it in env() for launch_dir(): the cluster's path_map first, then
  // //reference/x -> <reference_dir>/x (which must exist), //sig/SIG[/rest]
  // -> that experiment's exp dir [+ /rest], absolute as is, relative to
  // launch_dir(). Errors name the path and what it resolved to.
  absl::StatusOr<std::string> ResolvePath(const std::string& path) const;

  // On rank 0, appends one line to <exp dir>/metrics.jsonl: `metrics` with
  // `epoch`, `step` and the time, read by `run info`, `ls` and `plot`. The
  // first call of a run drops the lines of its epoch and later ones that the
  // file already holds (left by a run that it resumes), so the history never
  // repeats an epoch; later calls only append (several lines per epoch are
  // fine). Other ranks write nothing.
  absl::Status LogMetrics(const std::map<std::string, double>& metrics, int64_t epoch,
                          int64_t step = -1) const;

  // Called on rank 0 when the job is preempted (Slurm's signal), before it is
  // requeued: save what is needed to resume. It runs on a thread of its own
  // while the task goes on, so it must take the task's own lock. Setting
  // another hook (or nullptr) first waits for a running hook to return: a task
  // that clears its hook before its state goes away is never called back late.
  void SetCheckpointHook(std::function<void()> hook);
  // Runs the hook, if one is set; returns whether one was.
  bool RunCheckpointHook() const;

 private:
  const Job job_;
  struct SharedState {
    std::mutex mutex;
    std::function<void()> hook;
    // Whether LogMetrics has written in this run yet (see LogMetrics).
    std::atomic<bool> metrics_logged{false};
  };
  std::shared_ptr<SharedState> shared_ = std::make_shared<SharedState>();
};

// A task gets the frozen task message and the job context. It fails by
// returning an error (or throwing, or the process exiting non-zero); the XP
// is then DEAD with the error logged.
using TaskFunction =
    std::function<absl::Status(const google::protobuf::Message& cfg, JobContext& ctx)>;

// Registers `function` for task case `case_name` (the MetaCfg.task case) of
// the message type `type_name`. Returns true so that it can initialise a
// static; registering a case twice aborts at start-up. Use HEYHI_TASK.
bool RegisterTask(const std::string& case_name, const std::string& type_name,
                  TaskFunction function);

namespace internal {
// Calls a task function that returns absl::Status or void.
template <typename Type, typename Function>
absl::Status CallTask(Function& function, const google::protobuf::Message& cfg, JobContext& ctx) {
  const Type& typed = static_cast<const Type&>(cfg);
  if constexpr (std::is_void_v<decltype(function(typed, ctx))>) {
    function(typed, ctx);
    return absl::OkStatus();
  } else {
    return function(typed, ctx);
  }
}
}  // namespace internal

}  // namespace heyhi

// HEYHI_TASK(train, TrainTask, Train) registers
//   absl::Status Train(const TrainTask& cfg, heyhi::JobContext& ctx);
// (or a function returning void) for the `train` case of MetaCfg.task.
#define HEYHI_TASK(case_name, Type, function)                                                \
  static const bool heyhi_task_registered_##case_name = ::heyhi::RegisterTask(               \
      #case_name, Type::descriptor()->full_name(),                                           \
      [](const ::google::protobuf::Message& cfg, ::heyhi::JobContext& ctx) -> absl::Status { \
        return ::heyhi::internal::CallTask<Type>(function, cfg, ctx);                        \
      })

#endif  // HEYHI_TASK_H_
