// The local launcher (SPEC §7): the task in this process, or N worker
// processes of the snapshot binary on this machine.
#ifndef HEYHI_LAUNCH_LOCAL_H_
#define HEYHI_LAUNCH_LOCAL_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "heyhi/experiment/task_registry.h"

namespace heyhi {

// Changes the working directory for its lifetime; the old one comes back on
// every path out of the scope, exceptions included.
class ScopedWorkingDir {
 public:
  explicit ScopedWorkingDir(const std::string& dir);
  ~ScopedWorkingDir();
  ScopedWorkingDir(const ScopedWorkingDir&) = delete;
  ScopedWorkingDir& operator=(const ScopedWorkingDir&) = delete;
  const absl::Status& status() const { return status_; }

 private:
  int old_dir_fd_ = -1;
  absl::Status status_;
};

// Calls `task` with `cfg` and `ctx` with ctx.exp_dir() as working directory.
// An exception thrown by the task becomes an Internal error carrying its
// message; the working directory is restored either way.
absl::Status RunTaskInProcess(const RegisteredTask& task, const google::protobuf::Message& cfg,
                              JobContext& ctx);

// A TCP port nobody listens on now (bind to port 0, read it back).
absl::StatusOr<int> FreeTcpPort();

// Starts `num_procs` processes `binary --worker exp_dir` with RANK,
// LOCAL_RANK, WORLD_SIZE, MASTER_ADDR=127.0.0.1 and MASTER_PORT set, each
// writing its output to `exp_dir/worker_<rank>.log`, and waits for them. When
// one fails the others are stopped and the error names the failed rank.
absl::Status RunLocalWorkers(const std::string& binary, const std::string& exp_dir, int num_procs);

// Stops the local job `job_id` ("local:<pid>@<host>" of this host): SIGTERM,
// then SIGKILL if it is still alive after a few seconds.
absl::Status KillLocalJob(const std::string& job_id);

}  // namespace heyhi

#endif  // HEYHI_LAUNCH_LOCAL_H_
