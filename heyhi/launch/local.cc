// The local launcher: in-process tasks and worker processes.
#include "heyhi/launch/local.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <map>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "heyhi/base/files.h"
#include "heyhi/base/subprocess.h"
#include "heyhi/base/test_hook.h"
#include "heyhi/experiment/local_job.h"

namespace heyhi {
namespace {

std::string DescribeExit(int wait_status) {
  if (WIFEXITED(wait_status)) return absl::StrCat("exit code ", WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) return absl::StrCat("signal ", WTERMSIG(wait_status));
  return "unknown end";
}

void StopAll(std::map<pid_t, int>* running) {
  for (const auto& [pid, rank] : *running) kill(pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!running->empty()) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      running->erase(pid);
      continue;
    }
    if (pid < 0 && errno == ECHILD) break;
    if (std::chrono::steady_clock::now() > deadline) {
      for (const auto& [child, rank] : *running) kill(child, SIGKILL);
      for (const auto& [child, rank] : *running) waitpid(child, &status, 0);
      running->clear();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

ScopedWorkingDir::ScopedWorkingDir(const std::string& dir) {
  old_dir_fd_ = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (old_dir_fd_ < 0) {
    status_ = ErrnoError("cannot open the working directory");
    return;
  }
  if (chdir(dir.c_str()) != 0) status_ = ErrnoError(absl::StrCat("cannot enter ", dir));
}

ScopedWorkingDir::~ScopedWorkingDir() {
  if (old_dir_fd_ < 0) return;
  if (fchdir(old_dir_fd_) != 0) PLOG(ERROR) << "cannot return to the launch directory";
  close(old_dir_fd_);
}

absl::Status RunTaskInProcess(const RegisteredTask& task, const google::protobuf::Message& cfg,
                              JobContext& ctx) {
  ScopedWorkingDir in_exp_dir(ctx.exp_dir());
  if (!in_exp_dir.status().ok()) return in_exp_dir.status();
  absl::Status status;
  try {
    status = task.function(cfg, ctx);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("task ", task.case_name, " failed: ", e.what()));
  } catch (...) {
    return absl::InternalError(
        absl::StrCat("task ", task.case_name, " failed with a non-standard exception"));
  }
  if (!status.ok()) {
    return absl::Status(status.code(),
                        absl::StrCat("task ", task.case_name, " failed: ", status.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> FreeTcpPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoError("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    absl::Status error = ErrnoError("cannot find a free port");
    close(fd);
    return error;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

absl::Status RunLocalWorkers(const std::string& binary, const std::string& exp_dir, int num_procs) {
  absl::StatusOr<int> port = FreeTcpPort();
  if (!port.ok()) return port.status();
  std::map<pid_t, int> running;  // pid -> rank
  for (int rank = 0; rank < num_procs; ++rank) {
    ProgramOptions options;
    options.working_dir = exp_dir;
    options.log_file = absl::StrCat(exp_dir, "/worker_", rank, ".log");
    // A worker must not outlive the run that watches it.
    options.die_with_parent = true;
    options.env = {absl::StrCat("RANK=", rank), absl::StrCat("LOCAL_RANK=", rank),
                   absl::StrCat("WORLD_SIZE=", num_procs), "MASTER_ADDR=127.0.0.1",
                   absl::StrCat("MASTER_PORT=", *port)};
    absl::StatusOr<pid_t> pid = StartProgram({binary, "--worker", exp_dir}, options);
    if (!pid.ok()) {
      StopAll(&running);
      return pid.status();
    }
    LOG(INFO) << "worker " << rank << "/" << num_procs << " started, pid " << *pid << ", log "
              << options.log_file;
    running[*pid] = rank;
  }
  KillHereForTest("after_workers");
  while (!running.empty()) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      absl::Status error = ErrnoError("waitpid");
      StopAll(&running);
      return error;
    }
    auto it = running.find(pid);
    if (it == running.end()) continue;
    const int rank = it->second;
    running.erase(it);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      LOG(INFO) << "worker " << rank << " finished";
      continue;
    }
    const std::string how = DescribeExit(status);
    LOG(ERROR) << "worker " << rank << " failed (" << how << "); stopping the others";
    StopAll(&running);
    return absl::InternalError(absl::StrCat("worker ", rank, " failed (", how, "), see ", exp_dir,
                                            "/worker_", rank, ".log"));
  }
  return absl::OkStatus();
}

absl::Status KillLocalJob(const std::string& job_id) {
  absl::StatusOr<LocalJob> job = ParseLocalJobId(job_id);
  if (!job.ok()) return job.status();
  const pid_t pid = job->pid;
  if (job->host != HostName()) {
    return absl::FailedPreconditionError(
        absl::StrCat("job ", job_id, " runs on host ", job->host, ", not on ", HostName()));
  }
  if (kill(pid, SIGTERM) != 0) return absl::OkStatus();  // already gone
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (ProcessAlive(pid)) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return absl::OkStatus();
}

}  // namespace heyhi
