// Child processes: fork and execve with everything prepared before the fork,
// an exec-error pipe that tells a program that could not start from one that
// failed, and both output pipes drained together so neither blocks the child.
#include "heyhi/base/subprocess.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

extern char** environ;

namespace heyhi {
namespace {

using Clock = std::chrono::steady_clock;

// A pipe whose ends close themselves.
struct Pipe {
  int fds[2] = {-1, -1};
  bool Open() { return pipe2(fds, O_CLOEXEC) == 0; }
  void CloseRead() { CloseOne(&fds[0]); }
  void CloseWrite() { CloseOne(&fds[1]); }
  ~Pipe() {
    CloseRead();
    CloseWrite();
  }
  static void CloseOne(int* fd) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
};

// argv[0] as execve needs it: a name without '/' is looked up in PATH, as a
// shell would, but before the fork (execvp is not async-signal-safe).
std::string FindProgram(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path != nullptr ? path : "/usr/bin:/bin", ':')) {
    const std::string candidate = absl::StrCat(dir.empty() ? "." : dir, "/", name);
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return name;  // execve fails with ENOENT, which the exec-error pipe reports
}

// The caller's environment with `extra` entries set on top.
std::vector<std::string> ChildEnvironment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const absl::string_view entry = *e;
    const absl::string_view name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const std::string& set : extra) {
      replaced = replaced || absl::string_view(set).substr(0, set.find('=')) == name;
    }
    if (!replaced) env.emplace_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Where the child's fds 0, 1, 2 come from.
struct ChildFds {
  int in = -1, out = -1, err = -1;
};

// Forks and execs; returns the pid, or the errno of a failed exec/fork.
absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& argv, const ProgramOptions& options,
                            const ChildFds& fds) {
  if (argv.empty()) return absl::InvalidArgumentError("no program to run: empty command");
  std::vector<std::string> args = argv;
  args[0] = FindProgram(argv[0]);
  std::vector<std::string> env = ChildEnvironment(options.env);
  std::vector<char*> c_args = CStrings(args);
  std::vector<char*> c_env = CStrings(env);
  Pipe exec_error;  // the child writes errno here if it cannot exec
  if (!exec_error.Open()) {
    return absl::InternalError(
        absl::StrCat("cannot run ", CommandText(argv), ": pipe: ", std::strerror(errno)));
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    return absl::InternalError(
        absl::StrCat("cannot run ", CommandText(argv), ": fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    // Only async-signal-safe calls from here to execve.
    if (options.die_with_parent) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
    }
    dup2(fds.in, STDIN_FILENO);
    dup2(fds.out, STDOUT_FILENO);
    dup2(fds.err, STDERR_FILENO);
    int error = 0;
    if (!options.working_dir.empty() && chdir(options.working_dir.c_str()) != 0) {
      error = errno;
    } else {
      execve(c_args[0], c_args.data(), c_env.data());
      error = errno;
    }
    ssize_t ignored = write(exec_error.fds[1], &error, sizeof(error));
    (void)ignored;
    _exit(127);
  }
  exec_error.CloseWrite();
  int child_errno = 0;
  ssize_t got;
  do {
    got = read(exec_error.fds[0], &child_errno, sizeof(child_errno));
  } while (got < 0 && errno == EINTR);
  if (got > 0) {
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return absl::NotFoundError(absl::StrCat("cannot run `", CommandText(argv), "`: ", argv[0], ": ",
                                            std::strerror(child_errno)));
  }
  return pid;
}

// Reads both pipes until they close or the deadline passes; false on timeout.
bool Drain(int out_fd, int err_fd, std::chrono::milliseconds timeout, std::string* out,
           std::string* err) {
  const Clock::time_point deadline = Clock::now() + timeout;
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string* sinks[2] = {out, err};
  int open_count = 2;
  char buffer[1 << 14];
  while (open_count > 0) {
    int wait_ms = -1;
    if (timeout.count() > 0) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      wait_ms = static_cast<int>(std::min<long long>(left.count(), 1000));
    }
    const int ready = poll(fds, 2, wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return true;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = read(fds[i].fd, buffer, sizeof(buffer));
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
  return true;
}

}  // namespace

std::string CommandText(const std::vector<std::string>& argv) { return absl::StrJoin(argv, " "); }

absl::StatusOr<ProgramResult> RunProgram(const std::vector<std::string>& argv,
                                         const ProgramOptions& options) {
  Pipe out, err;
  if (!out.Open() || !err.Open()) {
    return absl::InternalError(
        absl::StrCat("cannot run ", CommandText(argv), ": pipe: ", std::strerror(errno)));
  }
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  absl::StatusOr<pid_t> pid = Spawn(argv, options, {null_fd, out.fds[1], err.fds[1]});
  if (null_fd >= 0) close(null_fd);
  if (!pid.ok()) return pid.status();
  out.CloseWrite();
  err.CloseWrite();
  ProgramResult result;
  const bool finished = Drain(out.fds[0], err.fds[0], options.timeout, &result.out, &result.err);
  if (!finished) kill(*pid, SIGKILL);
  int status = 0;
  while (waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!finished) {
    return absl::DeadlineExceededError(absl::StrCat("`", CommandText(argv), "` did not finish in ",
                                                    options.timeout.count() / 1000.0,
                                                    " s; killed"));
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

absl::StatusOr<ProgramResult> RunProgram(const std::vector<std::string>& argv,
                                         std::chrono::milliseconds timeout) {
  ProgramOptions options;
  options.timeout = timeout;
  return RunProgram(argv, options);
}

absl::StatusOr<std::string> ProgramOutput(const std::vector<std::string>& argv,
                                          const ProgramOptions& options) {
  absl::StatusOr<ProgramResult> result = RunProgram(argv, options);
  if (!result.ok()) return result.status();
  if (result->exit_code != 0) {
    return absl::InternalError(absl::StrCat(CommandText(argv), " failed (exit ", result->exit_code,
                                            "): ", absl::StripAsciiWhitespace(result->err)));
  }
  return std::move(result->out);
}

absl::StatusOr<pid_t> StartProgram(const std::vector<std::string>& argv,
                                   const ProgramOptions& options) {
  const std::string log = options.log_file.empty() ? "/dev/null" : options.log_file;
  const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return absl::InternalError(absl::StrCat("cannot open ", log, ": ", std::strerror(errno)));
  }
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  absl::StatusOr<pid_t> pid = Spawn(argv, options, {null_fd, log_fd, log_fd});
  close(log_fd);
  if (null_fd >= 0) close(null_fd);
  return pid;
}

std::string HostName() {
  char host[HOST_NAME_MAX + 1] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') return "localhost";
  return host;
}

bool ProcessAlive(pid_t pid) {
  if (pid <= 0) return false;
  if (kill(pid, 0) != 0 && errno != EPERM) return false;
  // A zombie has exited; only its parent has not collected it yet.
  std::ifstream stat_file(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  if (std::getline(stat_file, line)) {
    const size_t paren = line.rfind(')');
    if (paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z') {
      return false;
    }
  }
  return true;
}

}  // namespace heyhi
