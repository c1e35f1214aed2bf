// SPEC §12 `run grid` on Slurm: members with one launcher go as job arrays,
// split at the cluster's MaxArraySize (3 here); running the grid again
// launches nothing; a grid killed during its submission, run again, submits
// no duplicate and shows truthful states.
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/run_test_helpers.h"
#include "tests/scoped_env.h"
#include "tests/slurm/slurm_fixture.h"

namespace heyhi {
namespace {

using ::heyhi_test::RunResult;
using ::heyhi_test::RunSandbox;
using ::testing::HasSubstr;
using ::testing::Not;

class SlurmGridTest : public SlurmTest {
 protected:
  static void SetUpTestSuite() {
    ScopedEnv max_array_size("HH_SLURM_MAX_ARRAY_SIZE", "3");
    SlurmTest::SetUpTestSuite();
  }

  void TearDown() override {
    if (!grid_.empty()) box_.Run({"grid", grid_, "--cancel"});
  }

  // A grid of `n` members of the Slurm test config.
  std::string WriteGrid(int n) {
    std::string lrs;
    for (int i = 0; i < n; ++i) absl::StrAppend(&lrs, i == 0 ? "" : ",", 0.5 + i);
    grid_ =
        box_.tree.Write("grids/arr.prototxt", absl::StrCat("config: '", HEYHI_SOURCE_DIR,
                                                           "/conf/c90_test/sleep_slurm.prototxt'\n"
                                                           "axis { key: 'lr' sweep: '",
                                                           lrs, "' }\narray_parallelism: 2\n"));
    return grid_;
  }

  // The table as `grid --json` shows it (nothing left to launch: it launches
  // nothing; a dry run would not ask Slurm).
  nlohmann::json Table() {
    RunResult run = box_.Run({"grid", grid_, "--json"});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return nlohmann::json::parse(run.out, nullptr, false);
  }

  // Polls the table until every row has `status` (false after two minutes).
  bool WaitForAll(const std::string& status) {
    for (int i = 0; i < 1200; ++i) {
      nlohmann::json table = Table();
      bool all = table.is_object() && !table["rows"].empty();
      for (const nlohmann::json& row : table["rows"]) all = all && row["status"] == status;
      if (all) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  std::string FakeSbatchFolder(const std::string& name, const std::string& body) {
    return SlurmTest::FakeSbatchFolder(box_.tree.root(), name, body);
  }

  RunSandbox box_;
  std::string grid_;
};

TEST_F(SlurmGridTest, MembersGoAsArraysSplitAtMaxArraySizeAndRunningAgainLaunchesNothing) {
  WriteGrid(4);
  RunResult run = box_.Run({"grid", grid_});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr(" of 3 member(s)"));
  EXPECT_THAT(run.out, HasSubstr(" of 1 member(s)"));
  ASSERT_TRUE(WaitForAll("DONE")) << Table().dump(1);
  std::map<std::string, int> tasks_per_array;
  const nlohmann::json table = Table();
  for (const nlohmann::json& row : table["rows"]) {
    const std::string job = row["job_id"];
    ASSERT_TRUE(absl::StartsWith(job, "slurm:")) << job;
    ASSERT_NE(job.find('_'), std::string::npos) << job;  // slurm:<array>_<task>
    EXPECT_FALSE(row["log_age_s"].is_null()) << row;     // from its slurm/ logs
    ++tasks_per_array[job.substr(0, job.find('_'))];
  }
  EXPECT_EQ(tasks_per_array.size(), 2u);
  RunResult again = box_.Run({"grid", grid_});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("nothing to launch"));
  EXPECT_THAT(again.out, Not(HasSubstr("submitted array")));
}

TEST_F(SlurmGridTest, GridKilledAfterSbatchThenRunAgainSubmitsNoDuplicateAndShowsTruthfulStates) {
  WriteGrid(2);
  {
    // sbatch submits; the grid dies before it hears the answer.
    ScopedEnv path("PATH",
                   absl::StrCat(FakeSbatchFolder("kill", RealSbatch() + " \"$@\"\nkill -9 $PPID\n"),
                                ":", std::getenv("PATH")));
    RunResult killed = box_.Run({"grid", grid_});
    EXPECT_EQ(killed.exit_code, -1) << killed.out << killed.err;  // SIGKILL
  }
  // The next grid adopts the array; any sbatch call would leave a trace.
  const std::string trace = box_.tree.Path("sbatch_called");
  ScopedEnv path("PATH", absl::StrCat(FakeSbatchFolder("trace", "touch " + trace + "\nexit 1\n"),
                                      ":", std::getenv("PATH")));
  RunResult again = box_.Run({"grid", grid_});
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_THAT(again.out, HasSubstr("adopted 2 member(s)"));
  EXPECT_THAT(again.out, HasSubstr("nothing to launch"));
  EXPECT_FALSE(std::filesystem::exists(trace));
  ASSERT_TRUE(WaitForAll("DONE")) << Table().dump(1);
}

TEST_F(SlurmGridTest, GridKilledBeforeSbatchLeavesItsMembersToLaunchOnTheNextRun) {
  WriteGrid(2);
  {
    ScopedEnv path(
        "PATH", absl::StrCat(FakeSbatchFolder("die", "kill -9 $PPID\n"), ":", std::getenv("PATH")));
    RunResult killed = box_.Run({"grid", grid_});
    EXPECT_EQ(killed.exit_code, -1) << killed.out << killed.err;
  }
  RunResult again = box_.Run({"grid", grid_});
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_THAT(again.out, HasSubstr("submitted array"));
  ASSERT_TRUE(WaitForAll("DONE")) << Table().dump(1);
}

TEST_F(SlurmGridTest, CancelStopsEveryRunningArrayTaskAndClearLaunchesThemAgain) {
  WriteGrid(3);
  const std::string never = box_.tree.Path("never");
  std::ofstream(grid_, std::ios::app) << "overrides: 'wait_file=" << never << "'\n";
  ASSERT_EQ(box_.Run({"grid", grid_}).exit_code, 0);
  ASSERT_TRUE(WaitForAll("RUNNING")) << Table().dump(1);
  RunResult cancel = box_.Run({"grid", grid_, "--cancel"});
  ASSERT_EQ(cancel.exit_code, 0) << cancel.out << cancel.err;
  EXPECT_THAT(cancel.out, HasSubstr("cancelling"));
  ASSERT_TRUE(WaitForAll("DEAD")) << Table().dump(1);
  std::ofstream(never).put('\n');
  RunResult clear = box_.Run({"grid", grid_, "--clear", "--force"});
  ASSERT_EQ(clear.exit_code, 0) << clear.out << clear.err;
  EXPECT_THAT(clear.out, HasSubstr("submitted array"));
  ASSERT_TRUE(WaitForAll("DONE")) << Table().dump(1);
}

TEST_F(SlurmGridTest, DryRunAsksSlurmNothing) {
  WriteGrid(2);
  ASSERT_EQ(box_.Run({"grid", grid_}).exit_code, 0);
  ASSERT_TRUE(WaitForAll("DONE")) << Table().dump(1);
  // Any Slurm program called would leave a trace.
  const std::string trace = box_.tree.Path("called");
  const std::string bin = box_.tree.Path("no_slurm");
  std::filesystem::create_directories(bin);
  for (const char* program : {"sbatch", "squeue", "scontrol", "scancel"}) {
    std::ofstream(bin + "/" + program) << "#!/bin/bash\ntouch " << trace << "\nexit 1\n";
    std::filesystem::permissions(bin + "/" + program, std::filesystem::perms::owner_all);
  }
  ScopedEnv path("PATH", absl::StrCat(bin, ":", std::getenv("PATH")));
  RunResult dry = box_.Run({"grid", grid_, "--dry_run", "--replace_done"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_THAT(dry.out, HasSubstr("would launch 2 of 2"));
  EXPECT_FALSE(std::filesystem::exists(trace));
}

}  // namespace
}  // namespace heyhi
