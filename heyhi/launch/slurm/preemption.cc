// Preemption of a Slurm job: the signal, the checkpoint hook, the requeue budget.
#include "heyhi/launch/slurm/preemption.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "glog/logging.h"
#include "heyhi/base/files.h"

namespace heyhi {
namespace {

struct NamedSignal {
  const char* name;
  int number;
};
constexpr NamedSignal kSignals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"USR1", SIGUSR1},
    {"USR2", SIGUSR2}, {"ALRM", SIGALRM}, {"TERM", SIGTERM}, {"CONT", SIGCONT},
    {"URG", SIGURG},   {"XCPU", SIGXCPU}, {"PWR", SIGPWR},
};

// The write end of the watch's pipe, for the signal handler (one watch per process).
volatile sig_atomic_t g_signal_pipe = -1;

void OnSignal(int) {
  const int saved_errno = errno;
  const int fd = g_signal_pipe;
  if (fd >= 0) {
    const char byte = 1;
    // Nothing to do on failure: a full pipe already holds a wake-up.
    [[maybe_unused]] ssize_t n = write(fd, &byte, 1);
  }
  errno = saved_errno;
}

}  // namespace

absl::StatusOr<int> PreemptionSignalNumber(absl::string_view signal_spec) {
  absl::string_view name = signal_spec;
  if (!absl::ConsumePrefix(&name, "B:")) absl::ConsumePrefix(&name, "R:");
  name = name.substr(0, name.find('@'));
  const std::string upper = absl::AsciiStrToUpper(name);
  absl::string_view bare = upper;
  absl::ConsumePrefix(&bare, "SIG");
  for (const NamedSignal& s : kSignals) {
    if (bare == s.name) return s.number;
  }
  int number = 0;
  if (absl::SimpleAtoi(name, &number) && number > 0 && number < NSIG && number != SIGKILL &&
      number != SIGSTOP) {
    return number;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("launcher.slurm.signal: '", absl::CEscape(signal_spec),
                   "' names no signal a job can catch; use SIG@SECONDS with SIG one of USR1, USR2, "
                   "TERM, INT, HUP, QUIT, ALRM, CONT, URG, XCPU, PWR or a number"));
}

std::string OwnSlurmJobId(absl::string_view job_id, absl::string_view array_job_id,
                          absl::string_view array_task_id) {
  if (array_job_id.empty() || array_task_id.empty()) return std::string(job_id);
  return absl::StrCat(array_job_id, "_", array_task_id);
}

PreemptionAction DecidePreemption(int requeue_count, int max_requeues) {
  return requeue_count < max_requeues ? PreemptionAction::kRequeue : PreemptionAction::kStop;
}

struct PreemptionWatch::State {
  const JobContext* ctx = nullptr;
  PreemptionOptions options;
  int pipe_read = -1;
  int pipe_write = -1;
  std::thread thread;

  std::mutex mutex;
  std::condition_variable changed;
  bool task_ended = false;      // the task's outcome stands; signals are ignored
  bool preempting = false;      // a preemption began; the process ends with it
  bool task_succeeded = false;  // the task returned normally during a preemption
  bool outcome_stands = false;  // ... early enough that the preemption let it be
  bool handled = false;  // the preemption is over: exit hook returned (tests) or outcome stands

  void Watch();
  void Preempt();
};

void PreemptionWatch::State::Watch() {
  char byte = 0;
  while (true) {
    const ssize_t n = read(pipe_read, &byte, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the watch is being destroyed
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (task_ended || preempting) continue;
      preempting = true;
      changed.notify_all();
    }
    Preempt();
    std::lock_guard<std::mutex> lock(mutex);
    handled = true;
    changed.notify_all();
  }
}

void PreemptionWatch::State::Preempt() {
  // Slurm's requeue (or its time limit) sends SIGTERM next; the checkpoint
  // must not be cut short by it.
  signal(SIGTERM, SIG_IGN);
  const int rank = ctx->rank();
  LOG(WARNING) << "preempted: signal " << options.signal << " (" << strsignal(options.signal)
               << ") on rank " << rank << " of Slurm job " << options.job_id;
  if (rank != 0) {
    LOG(WARNING) << "rank " << rank << " leaves in " << options.other_ranks_grace_ms
                 << " ms; rank 0 checkpoints and requeues";
    if (options.wait_grace) {
      options.wait_grace(options.other_ranks_grace_ms);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(options.other_ranks_grace_ms));
    }
    options.exit(0);
    return;
  }
  try {
    if (ctx->RunCheckpointHook()) {
      LOG(INFO) << "preempted: checkpoint hook done";
    } else {
      LOG(WARNING) << "preempted: the task has no checkpoint hook set; the requeued job "
                      "starts the task over";
    }
  } catch (const std::exception& e) {
    LOG(ERROR) << "preempted: the checkpoint hook failed: " << e.what();
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (task_succeeded) {
      LOG(WARNING) << "preempted: the task finished meanwhile; the job is not requeued";
      outcome_stands = true;
      return;
    }
  }
  const int count = ctx->requeue_count();
  if (DecidePreemption(count, options.max_requeues) == PreemptionAction::kStop) {
    LOG(ERROR) << "preempted after " << count << " requeue(s); the budget "
               << "(launcher.slurm.max_requeues: " << options.max_requeues
               << ") is spent, so the job is not requeued and stops here (resume it with "
                  "--mode start_continue)";
    options.exit(1);
    return;
  }
  absl::Status requeued = options.requeue(options.job_id);
  if (!requeued.ok()) {
    LOG(ERROR) << "preempted: cannot requeue the job: " << requeued.message();
    options.exit(1);
    return;
  }
  LOG(WARNING) << "preempted: requeued Slurm job " << options.job_id << " (requeue " << count + 1
               << " of at most " << options.max_requeues << ")";
  options.exit(0);
}

absl::StatusOr<std::unique_ptr<PreemptionWatch>> PreemptionWatch::Start(const JobContext* ctx,
                                                                        PreemptionOptions options) {
  if (g_signal_pipe >= 0) {
    return absl::FailedPreconditionError("a preemption watch is already running");
  }
  if (!options.requeue || !options.exit) {
    return absl::InvalidArgumentError("preemption watch: requeue and exit must be set");
  }
  auto state = std::make_shared<State>();
  state->ctx = ctx;
  state->options = std::move(options);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    return ErrnoError("preemption watch: cannot create", "a pipe");
  }
  // Only the writer must not block (in the handler); the watch thread waits.
  fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) & ~O_NONBLOCK);
  state->pipe_read = fds[0];
  state->pipe_write = fds[1];
  g_signal_pipe = fds[1];
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  if (sigaction(state->options.signal, &action, nullptr) != 0) {
    absl::Status error = ErrnoError("preemption watch: cannot catch",
                                    absl::StrCat("signal ", state->options.signal));
    g_signal_pipe = -1;
    close(fds[0]);
    close(fds[1]);
    return error;
  }
  state->thread = std::thread([raw = state.get()] { raw->Watch(); });
  return std::unique_ptr<PreemptionWatch>(new PreemptionWatch(std::move(state)));
}

PreemptionWatch::~PreemptionWatch() {
  // Ignored, not restored to its default (termination): a late copy of the
  // signal must not kill a worker whose task is done.
  signal(state_->options.signal, SIG_IGN);
  g_signal_pipe = -1;
  close(state_->pipe_write);
  state_->thread.join();
  close(state_->pipe_read);
}

bool PreemptionWatch::TaskEnded(bool task_failed, int failure_grace_ms) {
  std::unique_lock<std::mutex> lock(state_->mutex);
  const PreemptionOptions& options = state_->options;
  if (task_failed) {
    if (options.task_ended_waits) options.task_ended_waits(/*for_signal=*/true);
    state_->changed.wait_for(lock, std::chrono::milliseconds(failure_grace_ms),
                             [this] { return state_->preempting; });
  }
  if (!state_->preempting) {
    state_->task_ended = true;
    return true;
  }
  if (!task_failed) state_->task_succeeded = true;
  if (options.task_ended_waits) options.task_ended_waits(/*for_signal=*/false);
  // The watch thread ends the process (in tests its exit hook returns), or
  // lets a task that finished in time stand.
  state_->changed.wait(lock, [this] { return state_->handled; });
  return state_->outcome_stands;
}

}  // namespace heyhi
