// The Slurm launcher (SPEC §7): submits an experiment as an sbatch job and
// answers for "slurm:<id>" job ids (alive? stop it).
#ifndef HEYHI_LAUNCH_SLURM_LAUNCHER_H_
#define HEYHI_LAUNCH_SLURM_LAUNCHER_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "heyhi/heyhi.pb.h"

namespace heyhi {

inline constexpr char kSlurmJobIdPrefix[] = "slurm:";
inline constexpr char kSlurmFolder[] = "slurm";            // inside the exp dir
inline constexpr char kSbatchScriptFile[] = "job.sbatch";  // inside kSlurmFolder

// Writes <exp_dir>/slurm/job.sbatch for `slurm`, running `snapshot --worker
// <exp_dir>`, and submits it with sbatch. Returns the job id as recorded in
// heyhi.jobid ("slurm:<id>"). A failed submission is an error that names the
// command and carries Slurm's message; nothing is recorded then.
absl::StatusOr<std::string> SubmitSlurmJob(const SlurmLauncher& slurm, const std::string& exp_dir,
                                           const std::string& snapshot);

// For "slurm:<id>" or "slurm:<array>_<task>" (one task of a job array, pending
// ones included): whether Slurm still holds or queues the job (pending,
// running, requeued, completing). A job Slurm no longer knows is not alive.
absl::StatusOr<bool> SlurmJobIsAlive(const std::string& job_id);

// For "slurm:<id>" or "slurm:<array>_<task>" (that task alone): scancel, then
// waits until the job has left squeue.
absl::Status KillSlurmJob(const std::string& job_id);

}  // namespace heyhi

#endif  // HEYHI_LAUNCH_SLURM_LAUNCHER_H_
