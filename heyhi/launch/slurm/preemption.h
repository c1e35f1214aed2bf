// Preemption of a Slurm job (SPEC §7): on the signal Slurm sends before the
// job's end, rank 0 saves through the task's checkpoint hook and requeues the
// job, within a budget of requeues; the other ranks leave.
#ifndef HEYHI_LAUNCH_SLURM_PREEMPTION_H_
#define HEYHI_LAUNCH_SLURM_PREEMPTION_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "heyhi/task.h"

namespace heyhi {

// The signal number of a launcher.slurm.signal value: "USR2@90", "SIGUSR1@120",
// "B:USR2@90", "12@60". An error names the value and the valid forms.
absl::StatusOr<int> PreemptionSignalNumber(absl::string_view signal_spec);

// The id that names this Slurm job and nothing else, for its requeue:
// "<array>_<task>" for a task of a job array (SLURM_ARRAY_JOB_ID,
// SLURM_ARRAY_TASK_ID), else the job's own SLURM_JOB_ID. A task's own job id
// can be its array's id, and `scontrol requeue <array id>` requeues every task.
std::string OwnSlurmJobId(absl::string_view job_id, absl::string_view array_job_id,
                          absl::string_view array_task_id);

// What a preempted rank 0 does, given how often the job was requeued before.
enum class PreemptionAction {
  kRequeue,  // the budget allows one more run
  kStop,     // requeue_count >= max_requeues: the job ends (DEAD; resumable by hand)
};
PreemptionAction DecidePreemption(int requeue_count, int max_requeues);

struct PreemptionOptions {
  int signal = 0;      // the signal that announces the end
  std::string job_id;  // Slurm's job id, to requeue (OwnSlurmJobId)
  int max_requeues = 3;
  // How long ranks other than 0 stay before they exit: the collectives keep
  // working meanwhile, so rank 0's hook saves at a step boundary instead of
  // after a failed one, even when its own signal lands a little later.
  int other_ranks_grace_ms = 5000;
  // Requeues the job (scontrol requeue); tests put their own here.
  std::function<absl::Status(const std::string& job_id)> requeue;
  // Ends the process with an exit code; tests put their own here.
  std::function<void(int exit_code)> exit;

  // Seams for tests, unset in production, so that a test forces the order of
  // the events it checks instead of sleeping and hoping they came in order.
  //
  // How a rank other than 0 waits out other_ranks_grace_ms before its exit;
  // unset: it sleeps. A test's own shows the exit comes after the wait.
  std::function<void(int grace_ms)> wait_grace;
  // Called by TaskEnded, with the watch's lock held, right before it waits:
  // for the signal, when the task failed (`for_signal` true), or for a
  // preemption under way to end, the task's outcome recorded (false). What a
  // test does here (send the signal, let the hook return) thus happens while
  // TaskEnded waits. It must not call the watch.
  std::function<void(bool for_signal)> task_ended_waits;
};

// Catches `options.signal` for the rest of the process's life (and ignores it
// once the watch is gone). On its first delivery a thread of the watch ignores
// SIGTERM from then on (Slurm's kill of the requeued job must not cut the
// checkpoint short), and:
//   rank 0:  runs ctx's checkpoint hook; then, unless the task has meanwhile
//            returned normally (its outcome stands), requeues the job if the
//            budget allows (exit 0) or logs why not (exit 1, the XP goes DEAD);
//   others:  exit 0 after other_ranks_grace_ms (0, so that srun
//            --kill-on-bad-exit spares rank 0).
// Later deliveries (srun forwards the signal the steps also get) do nothing.
// One watch per process.
class PreemptionWatch {
 public:
  static absl::StatusOr<std::unique_ptr<PreemptionWatch>> Start(const JobContext* ctx,
                                                                PreemptionOptions options);
  ~PreemptionWatch();
  PreemptionWatch(const PreemptionWatch&) = delete;
  PreemptionWatch& operator=(const PreemptionWatch&) = delete;

  // Call when the task has returned or failed. Returns true when the task's
  // outcome stands (no preemption began, and later signals are then ignored;
  // or the task returned normally before rank 0 decided to requeue), and
  // false when a preemption is under way: its thread ends the process, and the
  // caller must not mark anything (tests' exit hook lets it return). A failed
  // task first waits up to `failure_grace_ms` for the signal: a rank that left
  // on its own signal can fail this one's collectives a moment before it lands.
  bool TaskEnded(bool task_failed = false, int failure_grace_ms = 3000);

 private:
  struct State;
  explicit PreemptionWatch(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace heyhi

#endif  // HEYHI_LAUNCH_SLURM_PREEMPTION_H_
