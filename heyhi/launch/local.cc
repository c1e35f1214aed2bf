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
#include <cstdio>
#include <chrono>
#include <cstring>
#include <exception>
#include <map>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"

extern char** environ;

namespace heyhi {
namespace {

std::string HostName() {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0) return "localhost";
  return host;
}

// Alive and not a zombie waiting to be reaped by its parent.
bool ProcessAlive(pid_t pid) {
  if (kill(pid, 0) != 0) return false;
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/stat", static_cast<int>(pid));
  FILE* stat = fopen(path, "r");
  if (stat == nullptr) return true;
  char state = 0;
  const int read = fscanf(stat, "%*d (%*[^)]) %c", &state);
  fclose(stat);
  return read != 1 || state != 'Z';
}

absl::Status ErrnoError(const std::string& what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

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

std::string LocalJobId() { return absl::StrCat("local:", getpid(), "@", HostName()); }

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

absl::Status RunLocalWorkers(const std::string& binary, const std::string& exp_dir,
                             int num_procs) {
  absl::StatusOr<int> port = FreeTcpPort();
  if (!port.ok()) return port.status();
  std::map<pid_t, int> running;  // pid -> rank
  const pid_t parent = getpid();
  for (int rank = 0; rank < num_procs; ++rank) {
    // Everything the child needs is prepared before fork: after it only
    // async-signal-safe calls are allowed.
    const std::string log_path = absl::StrCat(exp_dir, "/worker_", rank, ".log");
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string entry = *e;
      const std::string key = entry.substr(0, entry.find('='));
      if (key == "RANK" || key == "LOCAL_RANK" || key == "WORLD_SIZE" ||
          key == "MASTER_ADDR" || key == "MASTER_PORT") {
        continue;
      }
      env_strings.push_back(entry);
    }
    env_strings.push_back(absl::StrCat("RANK=", rank));
    env_strings.push_back(absl::StrCat("LOCAL_RANK=", rank));
    env_strings.push_back(absl::StrCat("WORLD_SIZE=", num_procs));
    env_strings.push_back("MASTER_ADDR=127.0.0.1");
    env_strings.push_back(absl::StrCat("MASTER_PORT=", *port));
    std::vector<char*> envp;
    for (std::string& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = {binary, "--worker", exp_dir};
    std::vector<char*> argv;
    for (std::string& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) {
      absl::Status error = ErrnoError(absl::StrCat("cannot open ", log_path));
      StopAll(&running);
      return error;
    }
    const pid_t pid = fork();
    if (pid == 0) {
      // A worker must not outlive the run that watches it.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
      dup2(log_fd, STDOUT_FILENO);
      dup2(log_fd, STDERR_FILENO);
      if (chdir(exp_dir.c_str()) != 0) _exit(127);
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
    close(log_fd);
    if (pid < 0) {
      absl::Status error = ErrnoError("fork");
      StopAll(&running);
      return error;
    }
    LOG(INFO) << "worker " << rank << "/" << num_procs << " started, pid " << pid << ", log "
              << log_path;
    running[pid] = rank;
  }
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
    return absl::InternalError(absl::StrCat("worker ", rank, " failed (", how, "), see ",
                                            exp_dir, "/worker_", rank, ".log"));
  }
  return absl::OkStatus();
}

absl::Status KillLocalJob(const std::string& job_id) {
  const size_t colon = job_id.find(':');
  const size_t at = job_id.find('@');
  int pid = 0;
  if (colon == std::string::npos || at == std::string::npos || at < colon ||
      job_id.substr(0, colon) != "local" ||
      !absl::SimpleAtoi(job_id.substr(colon + 1, at - colon - 1), &pid) || pid <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("job id \"", job_id, "\" is not local:<pid>@<host>"));
  }
  const std::string host = job_id.substr(at + 1);
  if (host != HostName()) {
    return absl::FailedPreconditionError(
        absl::StrCat("job ", job_id, " runs on host ", host, ", not on ", HostName()));
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
