// Job arrays on Slurm (SPEC §12 "Slurm" and "Crash safety"): prepared
// experiments that share one SlurmLauncher go to Slurm as `sbatch --array`
// jobs, with a journal from which a killed submitter's successor adopts what
// was submitted, so that nothing is submitted twice.
//
// The files of one array, under the journal folder the caller gives:
//   <journal_dir>/<name>.submission      the journal entry: written (atomically)
//                                        before sbatch, removed once every
//                                        member records its job id
//   <journal_dir>/<name>/job.sbatch      the array's sbatch script
//   <journal_dir>/<name>/members.txt     line i (from 0): the exp dir of task i
//   <journal_dir>/<name>/<A>_<i>.out|err Slurm's own output of task i: what the
//                                        script says before it redirects, and
//                                        slurmstepd's words (cancel, time limit)
// and in each member's exp dir, `slurm/<A>_<i>.out|err`: everything the task's
// workers print. (Slurm's --output varies the file name per task, %a, but not
// the folder; so the script sends its own output to the member's folder as
// soon as it knows it.) <name> is the array's unique Slurm job name; the
// folder <journal_dir>/<name>/ stays for the array's life, since a requeued
// task reads members.txt again.
#ifndef HEYHI_LAUNCH_SLURM_ARRAY_H_
#define HEYHI_LAUNCH_SLURM_ARRAY_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "heyhi/heyhi.pb.h"

namespace heyhi {

inline constexpr char kSubmissionSuffix[] = ".submission";  // journal entries
inline constexpr char kArrayScriptFile[] = "job.sbatch";    // in <journal_dir>/<name>/
inline constexpr char kArrayMembersFile[] = "members.txt";  // in <journal_dir>/<name>/

struct ArraySubmission {
  std::string array_job_id;          // Slurm's id of the array
  std::vector<std::string> job_ids;  // per member, "slurm:<array>_<task>", same order as exp_dirs
};

// Submits `exp_dirs` (prepared as `run` prepares an exp dir, all with the
// launcher `slurm`) as one `sbatch --array=0-(n-1)%P` job (P = parallelism),
// or as several when n exceeds the cluster's MaxArraySize (read once from
// `scontrol show config`; MaxArraySize M allows indices 0..M-1). Members keep
// their order: task i of array k is exp_dirs[k * M + i].
//
// Before the first sbatch, for every array: its script (MakeArraySbatchScript),
// members file, log folders (also each member's `slurm/`) and journal entry
// are written. After each sbatch: the entry learns the array's id, every
// member's heyhi.jobid records "slurm:<array>_<i>", then the entry is removed.
// Errors name the command and carry Slurm's message. A failed sbatch leaves
// its members and those of the arrays after it NOT_STARTED (no heyhi.jobid;
// arrays before it stay submitted, and the error names them), unless Slurm
// holds a job of the array's name all the same (sbatch timed out after the
// controller took it): that one is adopted. When Slurm cannot be asked, the
// entry stays for RecoverSlurmSubmissions. A member whose id cannot be
// recorded has its task cancelled and is left NOT_STARTED.
// The caller holds whatever launch locks the members need.
absl::StatusOr<std::vector<ArraySubmission>> SubmitSlurmArrays(
    const SlurmLauncher& slurm, const std::vector<std::string>& exp_dirs,
    const std::string& snapshot, const std::string& journal_dir, int parallelism);

// Finishes what a killed submitter left in `journal_dir`: for each entry,
// the array's id as the entry records it (sbatch had answered), else the job
// Slurm knows by the entry's name (squeue --name, all states; then the
// jobcomp/filetxt records). Found: each member records "slurm:<array>_<i>",
// unless it meanwhile records another live or Slurm job (left alone, logged).
// Not found: the members are NOT_STARTED (the launcher's placeholder id, a
// local process that is gone, is removed). The entry is then removed; an
// entry Slurm cannot be asked about (an error) stays for the next call.
// Never submits. Returns how many members record a recovered array's task.
absl::StatusOr<int> RecoverSlurmSubmissions(const std::string& journal_dir);

// The sizes of the arrays that hold `members` tasks when one may hold at
// most `max_array_size`: [M, M, ..., rest].
std::vector<int> ArraySizes(int members, int max_array_size);

// sbatch's --array value for `size` tasks, at most `parallelism` at once: "0-4%2".
std::string ArrayRange(int size, int parallelism);

// The sbatch script of one array: the #SBATCH lines of MakeSbatchHeader (the
// same as one job's) with --job-name=<job_name>, --array=<array_range> and
// Slurm's output as <array_folder>/%A_%a.{out,err}; then the body: the task's
// exp dir from line SLURM_ARRAY_TASK_ID of <array_folder>/members.txt, its
// output appended to <exp_dir>/slurm/<array>_<task>.{out,err}, and
// WorkerLaunchLines(binary, that exp dir).
absl::StatusOr<std::string> MakeArraySbatchScript(const SlurmLauncher& slurm,
                                                  const std::string& job_name,
                                                  const std::string& array_range,
                                                  const std::string& array_folder,
                                                  const std::string& binary);

// A journal entry: one "key: value" line each (members in task order), after
// a comment line. Paths hold no line break (SubmitSlurmArrays refuses those).
struct SubmissionEntry {
  std::string job_name;
  std::string script;
  std::string members_file;
  std::string array_job_id;  // empty until sbatch has answered
  std::vector<std::string> members;
};
std::string FormatSubmissionEntry(const SubmissionEntry& entry);
// `path` names the entry in errors.
absl::StatusOr<SubmissionEntry> ParseSubmissionEntry(absl::string_view text,
                                                     const std::string& path);

}  // namespace heyhi

#endif  // HEYHI_LAUNCH_SLURM_ARRAY_H_
