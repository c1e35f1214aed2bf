// Preemption of a Slurm job in one process (SPEC §7): the signal, the
// checkpoint hook on rank 0, the requeue and its budget, SIGTERM ignored.
// Requeue and exit are recorded instead of done; the Slurm tests do them for real.
#include <signal.h>
#include <unistd.h>

#include <atomic>
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

// What a watch did, in order: "hook", "requeue <id>", "exit <code>".
class Recorder {
 public:
  void Add(const std::string& event) {
    std::lock_guard<std::mutex> lock(mutex_);
    events_.push_back(event);
    changed_.notify_all();
  }
  // Waits (up to 10 s) until an "exit" event is recorded.
  std::vector<std::string> WaitForExit() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, std::chrono::seconds(10),
                      [this] { return !events_.empty() && events_.back().rfind("exit", 0) == 0; });
    return events_;
  }
  std::vector<std::string> Events() {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> events_;
};

class PreemptionTest : public ::testing::Test {
 protected:
  void SetUp() override { sigaction(SIGTERM, nullptr, &saved_term_); }
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
  recorder_.WaitForExit();
  ASSERT_EQ(kill(getpid(), SIGUSR2), 0);
  watch->reset();  // joins the watch thread after it has read the second signal or not
  EXPECT_THAT(recorder_.Events(), ElementsAre("hook", "requeue 42", "exit 0"));
}

TEST_F(PreemptionTest, SignalAfterTheTaskEndedIsIgnored) {
  JobContext ctx = Context(0, 0);
  auto watch = PreemptionWatch::Start(&ctx, Options());
  ASSERT_TRUE(watch.ok()) << watch.status();
  EXPECT_TRUE((*watch)->TaskEnded());
  ASSERT_EQ(kill(getpid(), SIGUSR2), 0);
  usleep(200 * 1000);
  watch->reset();
  EXPECT_TRUE(recorder_.Events().empty());
  EXPECT_FALSE(SigtermIgnored());
}

TEST_F(PreemptionTest, AFailedTaskWaitsForASignalThatFollowsAndTheFailureDoesNotCount) {
  JobContext ctx = Context(0, 0);
  auto watch = PreemptionWatch::Start(&ctx, Options());
  ASSERT_TRUE(watch.ok()) << watch.status();
  std::thread late_signal([] {
    usleep(100 * 1000);
    kill(getpid(), SIGUSR2);
  });
  EXPECT_FALSE((*watch)->TaskEnded(/*task_failed=*/true, /*failure_grace_ms=*/5000));
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
  std::atomic<bool> in_hook{false}, hook_done{false};
  ctx.SetCheckpointHook([&] {
    in_hook = true;
    usleep(200 * 1000);
    hook_done = true;
  });
  std::thread preemption([&] { ctx.RunCheckpointHook(); });
  while (!in_hook) usleep(1000);
  ctx.SetCheckpointHook(nullptr);
  EXPECT_TRUE(hook_done);
  preemption.join();
  EXPECT_FALSE(ctx.RunCheckpointHook());
}

TEST_F(PreemptionTest, OtherRanksStayForTheGraceSoRankZeroCanSaveAtAStepBoundary) {
  JobContext ctx = Context(1, 0);
  PreemptionOptions options = Options();
  options.other_ranks_grace_ms = 300;
  auto watch = PreemptionWatch::Start(&ctx, std::move(options));
  ASSERT_TRUE(watch.ok()) << watch.status();
  const auto signalled = std::chrono::steady_clock::now();
  ASSERT_EQ(kill(getpid(), SIGUSR2), 0);
  EXPECT_THAT(recorder_.WaitForExit(), ElementsAre("exit 0"));
  EXPECT_GE(std::chrono::steady_clock::now() - signalled, std::chrono::milliseconds(300));
}

TEST_F(PreemptionTest, ATaskThatReturnsWhileTheHookRunsStandsAndTheJobIsNotRequeued) {
  std::atomic<bool> in_hook{false}, release_hook{false};
  JobContext ctx(JobContext::Job{});
  ctx.SetCheckpointHook([&] {
    in_hook = true;
    while (!release_hook) usleep(1000);
  });
  auto watch = PreemptionWatch::Start(&ctx, Options());
  ASSERT_TRUE(watch.ok()) << watch.status();
  ASSERT_EQ(kill(getpid(), SIGUSR2), 0);
  while (!in_hook) usleep(1000);
  std::thread hook_ends([&] {
    usleep(100 * 1000);
    release_hook = true;
  });
  EXPECT_TRUE((*watch)->TaskEnded(/*task_failed=*/false));
  hook_ends.join();
  EXPECT_TRUE(recorder_.Events().empty());
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
