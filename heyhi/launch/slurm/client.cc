// Slurm's command-line programs run as programs with an argv; failures as absl::Status.
#include "heyhi/launch/slurm/client.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace heyhi {
namespace {

using Clock = std::chrono::steady_clock;

std::string CommandLine(const std::vector<std::string>& argv) { return absl::StrJoin(argv, " "); }

void CloseBoth(int fds[2]) {
  close(fds[0]);
  close(fds[1]);
}

// Reads whatever both pipes hold until they close or the deadline passes.
// Returns false on timeout.
bool Drain(int out_fd, int err_fd, Clock::time_point deadline, std::string* out,
           std::string* err) {
  struct pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string* sinks[2] = {out, err};
  int open_count = 2;
  char buf[4096];
  while (open_count > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    int ready = poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) return false;
    for (int i = 0; i < 2 && ready > 0; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
  return true;
}

// Slurm's words for a failed command: stderr, else stdout, trimmed.
std::string SlurmMessage(const ProgramResult& result) {
  absl::string_view text = absl::StripAsciiWhitespace(result.err);
  if (text.empty()) text = absl::StripAsciiWhitespace(result.out);
  if (text.empty()) return absl::StrCat("exit status ", result.exit_code, ", no message");
  return std::string(text);
}

bool IsInvalidJobId(const ProgramResult& result) {
  return absl::StrContains(result.err, "Invalid job id") ||
         absl::StrContains(result.out, "Invalid job id");
}

// The value of KEY=VALUE in Slurm's one-line-per-record formats.
std::string FieldValue(absl::string_view text, absl::string_view key) {
  for (absl::string_view word : absl::StrSplit(text, absl::ByAnyChar(" \n\t"), absl::SkipEmpty())) {
    if (absl::ConsumePrefix(&word, key) && absl::ConsumePrefix(&word, "=")) {
      return std::string(word);
    }
  }
  return "";
}

}  // namespace

absl::StatusOr<ProgramResult> RunProgram(const std::vector<std::string>& argv,
                                         std::chrono::milliseconds timeout) {
  if (argv.empty()) return absl::InvalidArgumentError("RunProgram: empty argv");
  int out_pipe[2], err_pipe[2], exec_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return absl::InternalError("pipe failed");
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    CloseBoth(out_pipe);
    return absl::InternalError("pipe failed");
  }
  // The child writes errno here when exec fails; a successful exec closes it.
  if (pipe2(exec_pipe, O_CLOEXEC) != 0) {
    CloseBoth(out_pipe);
    CloseBoth(err_pipe);
    return absl::InternalError("pipe failed");
  }
  std::vector<char*> c_argv;
  for (const std::string& arg : argv) c_argv.push_back(const_cast<char*>(arg.c_str()));
  c_argv.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) {
    CloseBoth(out_pipe);
    CloseBoth(err_pipe);
    CloseBoth(exec_pipe);
    return absl::InternalError(absl::StrCat("fork for `", CommandLine(argv), "`: ", strerror(errno)));
  }
  if (pid == 0) {
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    execvp(c_argv[0], c_argv.data());
    int error = errno;
    ssize_t ignored = write(exec_pipe[1], &error, sizeof(error));
    (void)ignored;
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  close(exec_pipe[1]);
  int exec_errno = 0;
  ssize_t got;
  do {
    got = read(exec_pipe[0], &exec_errno, sizeof(exec_errno));
  } while (got < 0 && errno == EINTR);
  close(exec_pipe[0]);

  ProgramResult result;
  bool finished = true;
  if (got <= 0) {
    finished = Drain(out_pipe[0], err_pipe[0], Clock::now() + timeout, &result.out, &result.err);
  }
  close(out_pipe[0]);
  close(err_pipe[0]);
  if (!finished) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (got > 0) {
    return absl::NotFoundError(
        absl::StrCat("cannot run `", CommandLine(argv), "`: ", argv[0], ": ", strerror(exec_errno),
                     exec_errno == ENOENT ? " (is Slurm installed and in PATH?)" : ""));
  }
  if (!finished) {
    return absl::DeadlineExceededError(absl::StrCat("`", CommandLine(argv), "` did not finish in ",
                                                    timeout.count() / 1000.0, " s; killed"));
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

bool IsAliveSlurmState(absl::string_view state) {
  static constexpr absl::string_view kAlive[] = {
      "PENDING",   "RUNNING",  "REQUEUED",   "REQUEUE_FED", "REQUEUE_HOLD", "COMPLETING",
      "CONFIGURING", "SUSPENDED", "RESIZING", "STOPPED",     "SIGNALING",    "STAGE_OUT"};
  for (absl::string_view alive : kAlive) {
    if (state == alive) return true;
  }
  return false;
}

absl::StatusOr<ProgramResult> SlurmClient::RunSlurm(const std::vector<std::string>& argv) const {
  absl::StatusOr<ProgramResult> result = RunProgram(argv, options_.command_timeout);
  if (!result.ok()) return result.status();
  if (result->exit_code != 0) {
    return absl::UnavailableError(
        absl::StrCat("`", CommandLine(argv), "` failed: ", SlurmMessage(*result)));
  }
  return result;
}

absl::StatusOr<std::string> SlurmClient::Submit(const std::string& script_path) const {
  std::vector<std::string> argv = {"sbatch", "--parsable", script_path};
  absl::StatusOr<ProgramResult> result = RunSlurm(argv);
  if (!result.ok()) return result.status();
  // --parsable prints "<id>" or "<id>;<cluster>".
  std::string id(absl::StripAsciiWhitespace(result->out));
  id = id.substr(0, id.find(';'));
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
    return absl::InternalError(absl::StrCat("`", CommandLine(argv), "` printed no job id: '",
                                            absl::StripAsciiWhitespace(result->out), "'"));
  }
  return id;
}

absl::StatusOr<std::string> SlurmClient::JobCompLocation() const {
  absl::StatusOr<ProgramResult> config = RunSlurm({"scontrol", "show", "config"});
  if (!config.ok()) return config.status();
  std::string type, location;
  for (absl::string_view line : absl::StrSplit(config->out, '\n')) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(line, absl::MaxSplits('=', 1));
    absl::string_view key = absl::StripAsciiWhitespace(kv.first);
    if (key == "JobCompType") type = std::string(absl::StripAsciiWhitespace(kv.second));
    if (key == "JobCompLoc") location = std::string(absl::StripAsciiWhitespace(kv.second));
  }
  if (type != "jobcomp/filetxt") return std::string();
  return location;
}

absl::StatusOr<SlurmJobState> SlurmClient::QueryJob(const std::string& job_id) const {
  // squeue lists finished jobs too (until MinJobAge) when asked for all states.
  absl::StatusOr<ProgramResult> squeue = RunProgram(
      {"squeue", "-h", "--states=all", "-j", job_id, "-o", "%T"}, options_.command_timeout);
  if (!squeue.ok()) return squeue.status();
  if (squeue->exit_code == 0) {
    std::string state(absl::StripAsciiWhitespace(squeue->out));
    state = state.substr(0, state.find('\n'));
    if (!state.empty()) return SlurmJobState{state, "squeue"};
  } else if (!IsInvalidJobId(*squeue)) {
    return absl::UnavailableError(absl::StrCat("`squeue -h --states=all -j ", job_id,
                                               " -o %T` failed: ", SlurmMessage(*squeue)));
  }

  std::vector<std::string> show = {"scontrol", "show", "job", job_id};
  absl::StatusOr<ProgramResult> scontrol = RunProgram(show, options_.command_timeout);
  if (!scontrol.ok()) return scontrol.status();
  if (scontrol->exit_code == 0) {
    std::string state = FieldValue(scontrol->out, "JobState");
    if (!state.empty()) return SlurmJobState{state, "scontrol"};
  } else if (!IsInvalidJobId(*scontrol)) {
    return absl::UnavailableError(
        absl::StrCat("`", CommandLine(show), "` failed: ", SlurmMessage(*scontrol)));
  }

  absl::StatusOr<std::string> location = JobCompLocation();
  if (!location.ok()) return location.status();
  if (!location->empty()) {
    std::ifstream records(*location);
    std::string line, state;
    const std::string id_field = absl::StrCat("JobId=", job_id, " ");
    // The last record wins: a requeued job has one per run.
    while (std::getline(records, line)) {
      if (absl::StartsWith(line, id_field)) state = FieldValue(line, "JobState");
    }
    if (!state.empty()) return SlurmJobState{state, "jobcomp"};
  }
  return absl::NotFoundError(absl::StrCat("Slurm knows no job ", job_id,
                                          " (not in squeue, scontrol show job",
                                          location->empty() ? "" : absl::StrCat(" nor ", *location),
                                          ")"));
}

absl::StatusOr<bool> SlurmClient::IsAlive(const std::string& job_id) const {
  absl::StatusOr<SlurmJobState> state = QueryJob(job_id);
  if (absl::IsNotFound(state.status())) return false;
  if (!state.ok()) return state.status();
  return IsAliveSlurmState(state->state);
}

absl::Status SlurmClient::Cancel(const std::string& job_id) const {
  absl::StatusOr<ProgramResult> cancelled = RunSlurm({"scancel", job_id});
  if (!cancelled.ok()) return cancelled.status();
  const Clock::time_point deadline = Clock::now() + options_.cancel_timeout;
  std::string last_state;
  while (true) {
    absl::StatusOr<bool> alive = IsAlive(job_id);
    if (!alive.ok()) return alive.status();
    if (!*alive) return absl::OkStatus();
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(options_.poll_interval);
  }
  absl::StatusOr<SlurmJobState> state = QueryJob(job_id);
  return absl::DeadlineExceededError(absl::StrCat(
      "`scancel ", job_id, "`: job still ", state.ok() ? state->state : "alive", " after ",
      options_.cancel_timeout.count() / 1000.0, " s"));
}

absl::Status SlurmClient::Signal(const std::string& job_id, const std::string& signal) const {
  return RunSlurm({"scancel", absl::StrCat("--signal=", signal), "--full", job_id}).status();
}

absl::Status SlurmClient::Requeue(const std::string& job_id) const {
  return RunSlurm({"scontrol", "requeue", job_id}).status();
}

}  // namespace heyhi
