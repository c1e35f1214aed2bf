// The sbatch script of a Slurm-launched experiment: SPEC §7's resource mapping.
#ifndef HEYHI_LAUNCH_SLURM_SCRIPT_H_
#define HEYHI_LAUNCH_SLURM_SCRIPT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "heyhi/heyhi.pb.h"

namespace heyhi {

// What a SlurmLauncher asks of Slurm, per node.
struct SlurmJobShape {
  int nodes = 1;
  int tasks_per_node = 1;
  int gpus_per_node = 0;  // 0: a CPU job, no --gres line.
  int cpus_per_task = 1;
  // Memory per node in MB; 0 leaves it to Slurm (no --mem line).
  long long mem_mb_per_node = 0;
};

// Maps the launcher's fields to nodes, tasks, GPUs, CPUs and memory:
// num_gpus <= 8 fits on one node; more must be a multiple of 8 (nodes = n / 8);
// one task per GPU unless single_task_per_node (then one task sees all the
// node's GPUs and all their CPUs); memory per node = GPUs on the node x
// mem_per_gpu GB. num_gpus 0 is a CPU job of `tasks` tasks on one node, each
// with `cpus_per_task` cores, and mem_mb per node when > 0.
// InvalidArgument names the field and what would have been valid.
absl::StatusOr<SlurmJobShape> ComputeSlurmJobShape(const SlurmLauncher& slurm);

// Whether `arg`, entry `index` of sbatch_args, is one option an #SBATCH line
// can carry: it starts with '-' and holds no line break, '"' or '\'. The
// error names `where` + "sbatch_args[index]" and the arg.
absl::Status CheckSbatchArg(absl::string_view where, int index, absl::string_view arg);

// The same for srun_args (single-quoted for the shell: quotes are fine).
absl::Status CheckSrunArg(absl::string_view where, int index, absl::string_view arg);

// The full text of the sbatch script: #SBATCH lines for the shape above, the
// partition, the time limit (`hours`, as H:MM:SS), constraint, comment, the
// pre-end signal (`signal`, e.g. "USR2@90"; sent to the job's steps, i.e. every
// task; a "B:" prefix given in the config is passed through and sends it to
// the batch shell instead; empty: no signal), account, qos, exclude,
// --requeue, --open-mode=append, Slurm's stdout/stderr as
// <exp_dir>/slurm/%j.{out,err}, then one #SBATCH line per sbatch_args entry
// (double-quoted when it holds a blank, '#' or '\''). The body exports
// MASTER_PORT (10000 + job id % 20000: the same for every task and requeue) and runs
// `exec srun --unbuffered --kill-on-bad-exit=1 <srun_args> <binary> --worker
// <exp_dir>`, each word quoted for the shell where it needs it. An sbatch_args or
// srun_args entry that is not one option (starts with '-', no line break; for
// sbatch no '"' or '\' either) is an error naming it and its index.
absl::StatusOr<std::string> MakeSbatchScript(const SlurmLauncher& slurm, absl::string_view exp_dir,
                                             absl::string_view binary);

}  // namespace heyhi

#endif  // HEYHI_LAUNCH_SLURM_SCRIPT_H_
