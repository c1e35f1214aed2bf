// Slurm's command-line programs (sbatch, squeue, scontrol, scancel) run as
// programs with an argv, their failures turned into absl::Status.
#ifndef HEYHI_LAUNCH_SLURM_CLIENT_H_
#define HEYHI_LAUNCH_SLURM_CLIENT_H_

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "heyhi/base/subprocess.h"

namespace heyhi {

// Slurm's MaxArraySize when slurm.conf does not set it.
inline constexpr int kSlurmDefaultMaxArraySize = 1001;

// A Slurm job's state as Slurm spells it (PENDING, RUNNING, COMPLETED, ...) and
// where it was found: "squeue", "scontrol" or "jobcomp" (the job-completion file).
struct SlurmJobState {
  std::string state;
  std::string source;
};

// True for states of a job that still holds or waits for resources:
// PENDING, RUNNING, REQUEUED (and its REQUEUE_* forms), COMPLETING,
// CONFIGURING, SUSPENDED, RESIZING, STOPPED, SIGNALING, STAGE_OUT.
bool IsAliveSlurmState(absl::string_view state);

// The Slurm of $SLURM_CONF, through its client programs. Every error names the
// command line and carries Slurm's own message.
class SlurmClient {
 public:
  struct Options {
    // Limit for one client program (sbatch retries a controller that is down).
    std::chrono::milliseconds command_timeout{60000};
    // How long Cancel waits for the job to leave squeue.
    std::chrono::milliseconds cancel_timeout{60000};
    std::chrono::milliseconds poll_interval{100};
  };
  SlurmClient() : SlurmClient(Options()) {}
  explicit SlurmClient(Options options) : options_(options) {}

  // `sbatch --parsable <script>`; the new job id (of an array: the array's).
  absl::StatusOr<std::string> Submit(const std::string& script_path) const;

  // The job's state: squeue (all states) first, then `scontrol show job`, then
  // the jobcomp/filetxt record named by JobCompLoc. NotFound when none knows it.
  // `job_id` is a job's id or "<array>_<task>" for one task of a job array; for
  // a whole array's id, squeue's answer is an alive state of one of its tasks
  // if any is alive.
  absl::StatusOr<SlurmJobState> QueryJob(const std::string& job_id) const;

  // The ids of the jobs named `name` (of an array: the array's id, once), from
  // squeue (all states), else from the jobcomp/filetxt records; empty when
  // Slurm knows none.
  absl::StatusOr<std::vector<std::string>> FindJobsByName(const std::string& name) const;

  // The cluster's MaxArraySize (`scontrol show config`): an array's indices
  // must lie below it. Slurm's default, 1001, when the config does not say.
  absl::StatusOr<int> MaxArraySize() const;

  // Whether QueryJob finds the job in an alive state; a job no one knows is not alive.
  absl::StatusOr<bool> IsAlive(const std::string& job_id) const;

  // The state of every job squeue knows (finished ones until MinJobAge), by
  // job id, from one squeue call: what `run ls` shows for many jobs at once.
  // Each task of an array has its own key "<array>_<task>", pending ones too
  // (squeue -r; plain squeue folds them into one "<array>_[3-9%2]" row).
  absl::StatusOr<std::map<std::string, std::string>> QueueStates() const;

  // `scancel <id>`, then waits until squeue no longer lists it as alive
  // (DeadlineExceeded after Options::cancel_timeout).
  absl::Status Cancel(const std::string& job_id) const;

  // Cancel for many jobs: `scancel` with up to 1000 ids per call, then waits
  // until one squeue per poll lists none of them as alive.
  absl::Status CancelMany(const std::vector<std::string>& job_ids) const;

  // `scancel --signal=<signal> --full <id>`: to the batch shell and every step;
  // the job is not ended by this call and it does not wait.
  absl::Status Signal(const std::string& job_id, const std::string& signal) const;

  // `scontrol requeue <id>`.
  absl::Status Requeue(const std::string& job_id) const;

 private:
  // Runs a Slurm program; a non-zero exit becomes an error naming the command
  // and quoting its stderr (or stdout when stderr is empty).
  absl::StatusOr<ProgramResult> RunSlurm(const std::vector<std::string>& argv) const;
  // `scontrol show config` as key -> value.
  absl::StatusOr<std::map<std::string, std::string>> Config() const;
  absl::StatusOr<std::string> JobCompLocation() const;

  Options options_;
};

}  // namespace heyhi

#endif  // HEYHI_LAUNCH_SLURM_CLIENT_H_
