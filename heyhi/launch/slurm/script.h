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

// What tells one sbatch script of a launcher from another: the job's name,
// where Slurm writes its output, and for a job array its index range.
struct SbatchJobOptions {
  std::string job_name = "heyhi";
  // --array=<array>, e.g. "0-4%2"; empty: one job, not an array.
  std::string array;
  // Slurm filename patterns (%j, %A, %a expand; EscapeFilenamePattern makes a
  // path literal). Both are required.
  std::string output;
  std::string error;
};

// "#!/bin/bash" and the #SBATCH lines of a job of `slurm`: the job's name
// (and array), then the shape above, the partition, the time limit (`hours`,
// as H:MM:SS), constraint, account, qos, exclude, comment, the pre-end signal
// (`signal`, e.g. "USR2@90"; sent to the job's steps, i.e. every task; a "B:"
// prefix given in the config is passed through and sends it to the batch
// shell instead; empty: no signal), --requeue, --open-mode=append, the output
// and error patterns, then one #SBATCH line per sbatch_args entry
// (double-quoted when it holds a blank, '#' or '\''). Every value is checked
// (launcher fields name themselves); an sbatch_args or srun_args entry that is
// not one option (starts with '-', no line break; for sbatch no '"' or '\'
// either) is an error naming it and its index.
absl::StatusOr<std::string> MakeSbatchHeader(const SlurmLauncher& slurm,
                                             const SbatchJobOptions& options);

// The end of every heyhi script: exports MASTER_PORT (10000 + job id % 20000:
// the same for every task and requeue) and runs `exec srun --unbuffered
// --kill-on-bad-exit=1 <srun_args> <binary> --worker <exp_dir_word>`, each
// srun_args entry and the binary single-quoted; `exp_dir_word` is a shell word
// as given ('...' or "$var").
std::string WorkerLaunchLines(const SlurmLauncher& slurm, absl::string_view binary,
                              absl::string_view exp_dir_word);

// `path` as a Slurm filename pattern that expands to itself (% -> %%).
std::string EscapeFilenamePattern(absl::string_view path);

// The full text of the sbatch script of one experiment: MakeSbatchHeader with
// Slurm's stdout/stderr as <exp_dir>/slurm/%j.{out,err}, then
// WorkerLaunchLines for <exp_dir>, single-quoted.
absl::StatusOr<std::string> MakeSbatchScript(const SlurmLauncher& slurm, absl::string_view exp_dir,
                                             absl::string_view binary);

}  // namespace heyhi

#endif  // HEYHI_LAUNCH_SLURM_SCRIPT_H_
