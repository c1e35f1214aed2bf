// Task functions (SPEC §8): registration, Status or void results, exceptions,
// and a JobContext that only launchers fill in.
#include "heyhi/task.h"

#include <stdexcept>
#include <type_traits>

#include "conf.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "heyhi/experiment/task_registry.h"
#include "heyhi/launch/local.h"
#include "temp_tree.h"

namespace heyhi {
namespace {

using ::testing::HasSubstr;

int void_calls = 0;
void VoidTask(const TrainTask&, JobContext&) { ++void_calls; }
absl::Status FailingStatusTask(const EvalTask&, JobContext&) {
  return absl::FailedPreconditionError("no checkpoint here");
}
absl::Status ThrowingTask(const TestSleepTask&, JobContext&) {
  throw std::runtime_error("thrown by the task");
}

}  // namespace
}  // namespace heyhi

HEYHI_TASK(train, TrainTask, heyhi::VoidTask);
HEYHI_TASK(eval, EvalTask, heyhi::FailingStatusTask);
HEYHI_TASK(test_sleep, TestSleepTask, heyhi::ThrowingTask);

namespace heyhi {
namespace {

JobContext ContextIn(const std::string& dir) {
  JobContext::Job job;
  job.exp_dir = dir;
  return JobContext(std::move(job));
}

TEST(TaskFunction, ATaskReturningVoidRunsAndSucceeds) {
  TempTree tree;
  JobContext ctx = ContextIn(tree.root());
  const RegisteredTask* task = FindTask("train");
  ASSERT_NE(task, nullptr);
  EXPECT_EQ(task->type_name, "TrainTask");
  EXPECT_TRUE(RunTaskInProcess(*task, TrainTask(), ctx).ok());
  EXPECT_EQ(void_calls, 1);
}

TEST(TaskFunction, ATaskReturningAnErrorStatusFailsWithItsCodeAndMessage) {
  TempTree tree;
  JobContext ctx = ContextIn(tree.root());
  absl::Status status = RunTaskInProcess(*FindTask("eval"), EvalTask(), ctx);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("task eval failed: no checkpoint here"));
}

TEST(TaskFunction, AnExceptionFromATaskIsAnErrorNamingTheTask) {
  TempTree tree;
  JobContext ctx = ContextIn(tree.root());
  absl::Status status = RunTaskInProcess(*FindTask("test_sleep"), TestSleepTask(), ctx);
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("task test_sleep failed: thrown by the task"));
}

TEST(JobContext, ATaskCannotRewriteItsContext) {
  // A task gets JobContext&: with no setters and no assignment it can only read it.
  static_assert(!std::is_copy_assignable_v<JobContext>);
  static_assert(!std::is_move_assignable_v<JobContext>);
  static_assert(!std::is_default_constructible_v<JobContext>);
  JobContext::Job job;
  job.rank = 3;
  job.world_size = 4;
  job.launch_dir = "/launch";
  const JobContext ctx(job);
  EXPECT_EQ(ctx.rank(), 3);
  EXPECT_EQ(ctx.world_size(), 4);
  EXPECT_EQ(ctx.ResolvePath("data/x").value(), "/launch/data/x");
  EXPECT_EQ(ctx.ResolvePath("/abs").value(), "/abs");
}

TEST(JobContext, CopiesShareTheCheckpointHook) {
  JobContext ctx = ContextIn("/tmp");
  int calls = 0;
  ctx.SetCheckpointHook([&calls] { ++calls; });
  const JobContext copy(ctx);
  EXPECT_TRUE(copy.RunCheckpointHook());
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace heyhi
