// Preemption of a Slurm job in one process (SPEC §7): the signal, the
// checkpoint hook on rank 0, the requeue and its budget, SIGTERM ignored.
// Requeue and exit are recorded instead of done; the Slurm tests do them for real.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "heyhi/launch/slurm/preemption.h"

namespace heyhi {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// How long a test waits for something that must come before it fails: a
// guard against a hang, never what decides a test's outcome.
constexpr std::chrono::seconds kHangGuard(60);

// A one-shot event between threads: Set once, Wait until it is.
class Flag {
 public:
  void Set() {
    std::lock_guard<std::mutex> lock(mutex_);
    set_ = true;
    changed_.notify_all();
  }
  // Fails the test (and returns false) when the flag is not set within the guard.
  bool Wait(const std::string& what) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (changed_.wait_for(lock, kHangGuard, [this] { return set_; })) return true;
    ADD_FAILURE() << "timed out waiting for " << what;
    return false;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool set_ = false;
};

// What a watch did, in order: "hook", "requeue <id>", "exit <code>", "grace <ms>".
class Recorder {
 public:
  void Add(const std::string& event) {
    std::lock_guard<std::mutex> lock(mutex_);
    events_.push_back(event);
    changed_.notify_all();
  }
  // Waits until an "exit" event is recorded; fails the test if none comes.
  std::vector<std::string> WaitForExit() {
    return WaitUntil("an exit", [](const std::vector<std::string>& events) {
      return !events.empty() && events.back().rfind("exit", 0) == 0;
    });
  }
  // Waits until `event` is recorded; fails the test if it does not come.
  std::vector<std::string> WaitFor(const std::string& event) {
    return WaitUntil(event, [&event](const std::vector<std::string>& events) {
      return std::find(events.begin(), events.end(), event) != events.end();
    });
  }
  std::vector<std::string> Events() {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_;
  }

 private:
  template <typename Done>
  std::vector<std::string> WaitUntil(const std::string& what, Done done) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!changed_.wait_for(lock, kHangGuard, [&] { return done(events_); })) {
      ADD_FAILURE() << "timed out waiting for " << what
                    << "; events so far: " << ::testing::PrintToString(events_);
    }
    return events_;
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> events_;
};

class PreemptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sigaction(SIGTERM, nullptr, &saved_term_);
    // Raise() below relies on this: a signal that the calling thread does not
    // block is handled before raise() returns, so the handler has written to
    // the watch's pipe by then (kill() to the process promises no such thing).
    sigset_t blocked;
    ASSERT_EQ(pthread_sigmask(SIG_BLOCK, nullptr, &blocked), 0);
    ASSERT_FALSE(sigismember(&blocked, SIGUSR2));
  }
  void TearDown() override { sigaction(SIGTERM, &saved_term_, nullptr); }

  PreemptionOptions Options(absl::Status requeue_result = absl::OkStatus()) {
    PreemptionOptions options;
    options.signal = SIGUSR2;
    options.job_id = "42";
    options.max_requeues = 3;
    options.other_ranks_grace_ms = 0;
    options.requeue = [this, requeue_result](const std::string& id) {
      recorder_.Add("requeue " + id);
      return requeue_result;
    };
    options.exit = [this](int code) { recorder_.Add("exit " + std::to_string(code)); };
    return options;
  }

  JobContext Context(int rank, int requeue_count) {
    JobContext::Job job;
    job.rank = rank;
    job.world_size = 2;
    job.local_rank = rank;
    job.requeue_count = requeue_count;
    JobContext ctx(std::move(job));
    ctx.SetCheckpointHook([this] { recorder_.Add("hook"); });
    return ctx;
  }

  // Sends the watch's signal to this thread: the watch thread reads it from
  // the pipe before it reads the end of the pipe that ~PreemptionWatch makes,
  // so once the watch is reset, what the signal made it do is done.
  static void Raise() { ASSERT_EQ(raise(SIGUSR2), 0); }

  static bool SigtermIgnored() {
    struct sigaction now {};
    sigaction(SIGTERM, nullptr, &now);
    return now.sa_handler == SIG_IGN;
  }

  Recorder recorder_;
  struct sigaction saved_term_ {};
};

TEST(PreemptionSignal, NamesWithOrWithoutSigPrefixAndBatchPrefixAndNumbers) {
  EXPECT_EQ(PreemptionSignalNumber("USR2@90").value(), SIGUSR2);
  EXPECT_EQ(PreemptionSignalNumber("SIGUSR1@120").value(), SIGUSR1);
  EXPECT_EQ(PreemptionSignalNumber("B:USR2@90").value(), SIGUSR2);
  EXPECT_EQ(PreemptionSignalNumber("R:term@30").value(), SIGTERM);
  EXPECT_EQ(PreemptionSignalNumber("10@60").value(), 10);
}

TEST(PreemptionSignal, UncatchableOrUnknownSignalIsAnErrorListingTheNames) {
  for (const char* bad : {"KILL@90", "9@90", "STOP@1", "FOO@90", "0@90", "@90"}) {
    absl::StatusOr<int> n = PreemptionSignalNumber(bad);
    ASSERT_FALSE(n.ok()) << bad;
    EXPECT_THAT(n.status().message(), HasSubstr("launcher.slurm.signal"));
    EXPECT_THAT(n.status().message(), HasSubstr("USR1, USR2"));
  }
}

TEST(PreemptionBudget, RequeuesWhileFewerRequeuesThanTheBudgetThenStops) {
  EXPECT_EQ(DecidePreemption(0, 3), PreemptionAction::kRequeue);
  EXPECT_EQ(DecidePreemption(2, 3), PreemptionAction::kRequeue);
  EXPECT_EQ(DecidePreemption(3, 3), PreemptionAction::kStop);
  EXPECT_EQ(DecidePreemption(0, 0), PreemptionAction::kStop);
}

TEST_F(PreemptionTest, RankZeroRunsTheCheckpointHookThenRequeuesAndExitsZero) {
  JobContext ctx = Context(0, 0);
  auto watch = PreemptionWatch::Start(&ctx, Options());
  ASSERT_TRUE(watch.ok()) << watch.status();
  ASSERT_EQ(kill(getpid(), SIGUSR2), 0);
  EXPECT_THAT(recorder_.WaitForExit(), ElementsAre("hook", "requeue 42", "exit 0"));
  EXPECT_TRUE(SigtermIgnored());
  EXPECT_FALSE((*watch)->TaskEnded());
}

TEST_F(PreemptionTest, OtherRanksExitZeroWithoutHookOrRequeue) {
  JobContext ctx = Context(1, 0);
  auto watch = PreemptionWatch::Start(&ctx, Options());
  ASSERT_TRUE(watch.ok()) << watch.status();
  ASSERT_EQ(kill(getpid(), SIGUSR2), 0);
  EXPECT_THAT(recorder_.WaitForExit(), ElementsAre("exit 0"));
  EXPECT_TRUE(SigtermIgnored());
}

TEST_F(PreemptionTest, SpentBudgetCheckpointsButDoesNotRequeueAndExitsOne) {
  JobContext ctx = Context(0, 3);
  auto watch = PreemptionWatch::Start(&ctx, Options());
  ASSERT_TRUE(watch.ok()) << watch.status();
  ASSERT_EQ(kill(getpid(), SIGUSR2), 0);
  EXPECT_THAT(recorder_.WaitForExit(), ElementsAre("hook", "exit 1"));
}

TEST_F(PreemptionTest, FailedRequeueExitsOne) {
  JobContext ctx = Context(0, 0);
  auto watch = PreemptionWatch::Start(&ctx, Options(absl::UnavailableError("controller down")));
  ASSERT_TRUE(watch.ok()) << watch.status();
  ASSERT_EQ(kill(getpid(), SIGUSR2), 0);
  EXPECT_THAT(recorder_.WaitForExit(), ElementsAre("hook", "requeue 42", "exit 1"));
}

TEST_F(PreemptionTest, ASecondSignalDoesNothingMore) {
  JobContext ctx = Context(0, 0);
  auto watch = PreemptionWatch::Start(&ctx, Options());
  ASSERT_TRUE(watch.ok()) << watch.status();
  ASSERT_EQ(kill(getpid(), SIGUSR2), 0);
  ASSERT_THAT(recorder_.WaitForExit(), ElementsAre("hook", "requeue 42", "exit 0"));
  Raise();
  watch->reset();  // the watch thread has read the second signal before it ends
  EXPECT_THAT(recorder_.Events(), ElementsAre("hook", "requeue 42", "exit 0"));
}

TEST_F(PreemptionTest, SignalAfterTheTaskEndedIsIgnored) {
  JobContext ctx = Context(0, 0);
  auto watch = PreemptionWatch::Start(&ctx, Options());
  ASSERT_TRUE(watch.ok()) << watch.status();
  EXPECT_TRUE((*watch)->TaskEnded());
  Raise();
  watch->reset();  // the watch thread has read the signal before it ends
  EXPECT_TRUE(recorder_.Events().empty());
  EXPECT_FALSE(SigtermIgnored());
}

TEST_F(PreemptionTest, AFailedTaskWaitsForASignalThatFollowsAndTheFailureDoesNotCount) {
  JobContext ctx = Context(0, 0);
  PreemptionOptions options = Options();
  // The signal follows the start of TaskEnded's wait, never comes before it:
  // the thread that sends it starts from there. It sends it a moment later so
  // that a grace too short to wait for it shows; the 60 s grace, not that
  // moment, is what a correct watch needs, and it is only a hang guard.
  std::thread late_signal;
  options.task_ended_waits = [&](bool for_signal) {
    if (!for_signal || late_signal.joinable()) return;
    late_signal = std::thread([] {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      raise(SIGUSR2);
    });
  };
  auto watch = PreemptionWatch::Start(&ctx, std::move(options));
  ASSERT_TRUE(watch.ok()) << watch.status();
  EXPECT_FALSE((*watch)->TaskEnded(/*task_failed=*/true, /*failure_grace_ms=*/60 * 1000));
  ASSERT_TRUE(late_signal.joinable());
  late_signal.join();
  EXPECT_THAT(recorder_.Events(), ElementsAre("hook", "requeue 42", "exit 0"));
}

TEST_F(PreemptionTest, AFailedTaskWithNoSignalWithinTheGraceStands) {
  JobContext ctx = Context(0, 0);
  auto watch = PreemptionWatch::Start(&ctx, Options());
  ASSERT_TRUE(watch.ok()) << watch.status();
  EXPECT_TRUE((*watch)->TaskEnded(/*task_failed=*/true, /*failure_grace_ms=*/50));
  EXPECT_TRUE(recorder_.Events().empty());
}

TEST_F(PreemptionTest, ClearingTheHookWaitsForARunningHook) {
  JobContext ctx(JobContext::Job{});
  Flag in_hook, clearing;
  std::mutex mutex;
  std::condition_variable changed;
  bool cleared = false, hook_done = false, cleared_while_hook_ran = false;
  ctx.SetCheckpointHook([&] {
    in_hook.Set();
    clearing.Wait("the clearing thread");
    // A clear that does not wait returns now; one that waits cannot return
    // before this hook does. Whether this wait ends early decides nothing
    // when the clear waits (the test passes at its end); the time only bounds
    // how long a clear that does not wait has to show itself.
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait_for(lock, std::chrono::milliseconds(500), [&] { return cleared; });
    cleared_while_hook_ran = cleared;
    hook_done = true;
  });
  std::thread preemption([&] { ctx.RunCheckpointHook(); });
  ASSERT_TRUE(in_hook.Wait("the hook to run"));
  bool hook_done_when_cleared = false;
  std::thread clear([&] {
    clearing.Set();
    ctx.SetCheckpointHook(nullptr);
    std::lock_guard<std::mutex> lock(mutex);
    hook_done_when_cleared = hook_done;
    cleared = true;
    changed.notify_all();
  });
  clear.join();
  preemption.join();
  EXPECT_TRUE(hook_done_when_cleared);
  EXPECT_FALSE(cleared_while_hook_ran);
  EXPECT_FALSE(ctx.RunCheckpointHook());
}

TEST_F(PreemptionTest, OtherRanksStayForTheGraceSoRankZeroCanSaveAtAStepBoundary) {
  JobContext ctx = Context(1, 0);
  Flag grace_over;
  PreemptionOptions options = Options();
  options.other_ranks_grace_ms = 300;
  options.wait_grace = [&](int grace_ms) {
    recorder_.Add("grace " + std::to_string(grace_ms));
    grace_over.Wait("the test to end the grace");
  };
  auto watch = PreemptionWatch::Start(&ctx, std::move(options));
  ASSERT_TRUE(watch.ok()) << watch.status();
  ASSERT_EQ(kill(getpid(), SIGUSR2), 0);
  // The rank waits out its grace, and has not left while it does.
  EXPECT_THAT(recorder_.WaitFor("grace 300"), ElementsAre("grace 300"));
  grace_over.Set();
  EXPECT_THAT(recorder_.WaitForExit(), ElementsAre("grace 300", "exit 0"));
}

TEST_F(PreemptionTest, ATaskThatReturnsWhileTheHookRunsStandsAndTheJobIsNotRequeued) {
  JobContext ctx = Context(0, 0);
  Flag in_hook, task_returned;
  ctx.SetCheckpointHook([&] {
    recorder_.Add("hook");
    in_hook.Set();
    task_returned.Wait("the task to return");
  });
  PreemptionOptions options = Options();
  // The hook returns only once TaskEnded has recorded that the task returned.
  options.task_ended_waits = [&](bool for_signal) {
    if (!for_signal) task_returned.Set();
  };
  auto watch = PreemptionWatch::Start(&ctx, std::move(options));
  ASSERT_TRUE(watch.ok()) << watch.status();
  ASSERT_EQ(kill(getpid(), SIGUSR2), 0);
  ASSERT_TRUE(in_hook.Wait("the checkpoint hook to run"));
  EXPECT_TRUE((*watch)->TaskEnded(/*task_failed=*/false));
  EXPECT_THAT(recorder_.Events(), ElementsAre("hook"));
}

TEST_F(PreemptionTest, TheSignalIsIgnoredOnceTheWatchIsGone) {
  JobContext ctx = Context(0, 0);
  auto watch = PreemptionWatch::Start(&ctx, Options());
  ASSERT_TRUE(watch.ok()) << watch.status();
  watch->reset();
  struct sigaction now {};
  sigaction(SIGUSR2, nullptr, &now);
  EXPECT_EQ(now.sa_handler, SIG_IGN);
}

TEST_F(PreemptionTest, OnlyOneWatchPerProcess) {
  JobContext ctx = Context(0, 0);
  auto first = PreemptionWatch::Start(&ctx, Options());
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = PreemptionWatch::Start(&ctx, Options());
  EXPECT_FALSE(second.ok());
}

}  // namespace
}  // namespace heyhi
