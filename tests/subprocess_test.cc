// Child processes (heyhi/base/subprocess.h): one contract for every program heyhi starts.
#include "heyhi/base/subprocess.h"

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "temp_tree.h"

namespace heyhi {
namespace {

using ::testing::HasSubstr;

int WaitFor(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(RunProgram, RunsWithoutAShellAndCollectsBothOutputsAndTheExitCode) {
  absl::StatusOr<ProgramResult> result =
      RunProgram({"sh", "-c", "echo \"$0\"; echo err >&2; exit 3", "$HOME"});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->out, "$HOME\n");  // the argument reached sh unexpanded
  EXPECT_EQ(result->err, "err\n");
  EXPECT_EQ(result->exit_code, 3);
}

TEST(RunProgram, AProgramThatCannotStartIsNotFoundNamingTheCommand) {
  absl::StatusOr<ProgramResult> result = RunProgram({"heyhi-no-such-program", "x"});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(result.status().message(), HasSubstr("`heyhi-no-such-program x`"));
  EXPECT_THAT(result.status().message(), HasSubstr("No such file or directory"));
}

TEST(RunProgram, AProgramPastItsTimeoutIsKilledAndReported) {
  absl::StatusOr<ProgramResult> result =
      RunProgram({"sleep", "600"}, std::chrono::milliseconds(100));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(result.status().message(), HasSubstr("`sleep 600`"));
}

TEST(RunProgram, WorkingDirAndEnvironmentApplyToTheChildOnly) {
  TempTree tree;
  ProgramOptions options;
  options.working_dir = tree.root();
  options.env = {"HEYHI_SUBPROCESS_TEST=set", "PATH=/usr/bin:/bin"};
  absl::StatusOr<ProgramResult> result =
      RunProgram({"sh", "-c", "pwd; echo $HEYHI_SUBPROCESS_TEST"}, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->out, tree.root() + "\nset\n");
  EXPECT_EQ(std::getenv("HEYHI_SUBPROCESS_TEST"), nullptr);
}

TEST(RunProgram, AMissingWorkingDirIsAnErrorNotARun) {
  ProgramOptions options;
  options.working_dir = "/no/such/folder/heyhi";
  absl::StatusOr<ProgramResult> result = RunProgram({"true"}, options);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("No such file or directory"));
}

TEST(ProgramOutput, ANonZeroExitIsAnErrorWithTheCommandAndItsStderr) {
  absl::StatusOr<std::string> out = ProgramOutput({"ls", "/no/such/path/heyhi"});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("ls /no/such/path/heyhi failed (exit 2)"));
  EXPECT_THAT(out.status().message(), HasSubstr("No such file"));
}

TEST(StartProgram, OutputGoesToTheLogFileAndTheCallerReapsTheChild) {
  TempTree tree;
  ProgramOptions options;
  options.log_file = tree.Path("child.log");
  options.env = {"RANK=7"};
  absl::StatusOr<pid_t> pid = StartProgram({"sh", "-c", "echo rank $RANK; echo e >&2"}, options);
  ASSERT_TRUE(pid.ok()) << pid.status();
  EXPECT_EQ(WaitFor(*pid), 0);
  EXPECT_EQ(tree.Read("child.log"), "rank 7\ne\n");
}

TEST(StartProgram, AProgramThatCannotStartIsAnErrorBeforeAnyPid) {
  ProgramOptions options;
  absl::StatusOr<pid_t> pid = StartProgram({"/no/such/heyhi-binary"}, options);
  ASSERT_FALSE(pid.ok());
  EXPECT_EQ(pid.status().code(), absl::StatusCode::kNotFound);
}

TEST(ProcessAlive, ThisProcessLivesAndAReapedChildDoesNot) {
  EXPECT_TRUE(ProcessAlive(getpid()));
  absl::StatusOr<pid_t> pid = StartProgram({"true"}, ProgramOptions());
  ASSERT_TRUE(pid.ok());
  WaitFor(*pid);
  EXPECT_FALSE(ProcessAlive(*pid));
  EXPECT_FALSE(ProcessAlive(0));
}

TEST(ProcessAlive, AZombieIsNotAlive) {
  absl::StatusOr<pid_t> pid = StartProgram({"true"}, ProgramOptions());
  ASSERT_TRUE(pid.ok());
  // Exited but not reaped: a zombie until waitpid.
  siginfo_t info;
  ASSERT_EQ(waitid(P_PID, *pid, &info, WEXITED | WNOWAIT), 0);
  EXPECT_FALSE(ProcessAlive(*pid));
  WaitFor(*pid);
}

}  // namespace
}  // namespace heyhi
