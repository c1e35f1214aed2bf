// The job id of a local run, "local:<pid>@<host>": written by the process
// that runs an experiment, read to tell whether it still lives or to stop it.
#ifndef HEYHI_EXPERIMENT_LOCAL_JOB_H_
#define HEYHI_EXPERIMENT_LOCAL_JOB_H_

#include <sys/types.h>

#include <string>

#include "absl/status/statusor.h"

namespace heyhi {

struct LocalJob {
  pid_t pid = 0;
  std::string host;
};

// The job id of this process on this host.
std::string LocalJobId();

// Parses "local:<pid>@<host>"; an error naming the id and the expected form.
absl::StatusOr<LocalJob> ParseLocalJobId(const std::string& job_id);

}  // namespace heyhi

#endif  // HEYHI_EXPERIMENT_LOCAL_JOB_H_
