// The record an exp dir keeps of its experiment (heyhi.XpRecord in
// heyhi.xp.prototxt): how it was made, its times and its jobs.
#ifndef HEYHI_EXPERIMENT_XP_RECORD_H_
#define HEYHI_EXPERIMENT_XP_RECORD_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "heyhi/exp_dir.h"
#include "heyhi/heyhi.pb.h"

namespace heyhi {

// The record of the experiment in `dir`. A folder made before records
// existed gets one rebuilt from its other files (overrides.txt, command.txt,
// heyhi.launch_dir, heyhi.jobid, git.txt, the sig at the end of its name).
// NotFound when `dir` is no heyhi exp dir.
absl::StatusOr<XpRecord> ReadXpRecord(const ExpDir& dir);

// Reads the record (or an empty one), lets `edit` change it, writes it back
// atomically; all under a flock of the exp dir folder, so that two processes
// updating one record (a Slurm task's rank 0 noting its start while the
// submitter records the job id) do not lose either's change.
absl::Status UpdateXpRecord(const ExpDir& dir, const std::function<void(XpRecord*)>& edit);

// The signature at the end of an exp dir's name (`..._<12 hex>`), or "".
std::string SigFromExpDirName(const std::string& path);

// The current time in Unix seconds.
int64_t UnixNow();

}  // namespace heyhi

#endif  // HEYHI_EXPERIMENT_XP_RECORD_H_
