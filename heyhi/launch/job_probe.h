// Liveness of many recorded jobs at once: local ones by their pid, Slurm ones
// from a single squeue call made on the first question (run ls, run grid).
#ifndef HEYHI_LAUNCH_JOB_PROBE_H_
#define HEYHI_LAUNCH_JOB_PROBE_H_

#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace heyhi {

class BatchedJobProbe {
 public:
  // Whether `job_id` ("local:..." or "slurm:...") is alive. A Slurm job that
  // squeue does not list is not alive; a failed squeue is reported once on
  // stderr under `who`, and its jobs read as not alive.
  absl::StatusOr<bool> IsAlive(const std::string& job_id);

  // Slurm's state of a "slurm:..." job as squeue listed it; "" when squeue
  // was not asked, does not list it, or the job is not Slurm's.
  std::string SlurmState(const std::string& job_id) const;

  // With `ask_slurm` false, Slurm is never asked (a dry run): a Slurm job
  // counts as alive, the answer heyhi gives whenever liveness is unknown.
  explicit BatchedJobProbe(std::string who, bool ask_slurm = true)
      : who_(std::move(who)), ask_slurm_(ask_slurm) {}

 private:
  std::string who_;
  bool ask_slurm_;
  std::optional<std::map<std::string, std::string>> queue_;
};

}  // namespace heyhi

#endif  // HEYHI_LAUNCH_JOB_PROBE_H_
