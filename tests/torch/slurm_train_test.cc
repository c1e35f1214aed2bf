// The train task as a two-task CPU job on the one-node Slurm of
// tools/slurm/start.sh, launched by `run`: one metrics file from rank 0, and
// a preemption signal mid-run that checkpoints, requeues and resumes.
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "heyhi/base/subprocess.h"
#include "nlohmann/json.hpp"
#include "runners/checkpoint_summary.h"
#include "runners/hold_point.h"
#include "tests/run_test_helpers.h"
#include "tests/slurm/slurm_fixture.h"
#include "tests/temp_tree.h"
#include "tests/torch/runner_test_util.h"

namespace runners {
namespace {

using ::heyhi_test::Line;
using ::runners_test::ReadMetrics;
using ::runners_test::Slurp;
using ::testing::HasSubstr;

const std::string kSourceDir = HEYHI_SOURCE_DIR;

// The rest of the first line of `text` that holds `marker`, after it ("" when none).
std::string TextAfter(const std::string& text, const std::string& marker) {
  const size_t at = text.find(marker);
  if (at == std::string::npos) return "";
  const size_t start = at + marker.size();
  return text.substr(start, text.find('\n', start) - start);
}

std::vector<std::string> MetricsFilesUnder(const std::string& root) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.path().filename() == "metrics.jsonl") files.push_back(entry.path());
  }
  return files;
}

class SlurmTrainTest : public heyhi::SlurmTest {
 protected:
  // Runs `run` with `args` and `env` added to the environment (which the job
  // inherits) to its end (it returns once the job is submitted).
  std::string Run(const std::vector<std::string>& args, std::vector<std::string> env = {}) {
    std::vector<std::string> argv = {runners_test::RunBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string log = tree_.Path("run.log");
    env.push_back("HH_EXP_DIR=" + tree_.Path("exp"));
    const int code = runners_test::WaitForExit(runners_test::StartProcess(argv, env, log));
    EXPECT_EQ(code, 0) << Slurp(log);
    return Slurp(log);
  }

  heyhi::TempTree tree_;
};

TEST_F(SlurmTrainTest,
       TwoTaskCpuJobTrainsWithOneMetricsFileAndResumesFromTheCheckpointWhenPreempted) {
  const std::vector<std::string> args = {
      "-c",
      kSourceDir + "/conf/c02_sup_train/sl_mlp_slurm_cpu.prototxt",
      "data.max_train_samples=8192",
      "data.max_test_samples=512",
      "batch_size=64",
      "num_epochs=6",
      "num_threads=1",
      "log_every=0"};
  // Rank 0 holds after 5 steps of epoch 2 (rank 1 waits in the next step's
  // all-reduce) and the job is preempted there. The requeued run finds the
  // hold's file and does not hold again.
  const std::string out = Run(args, {runners_test::HoldAtEnv(2, 5)});
  const std::string dir = Line(out, "exp dir");
  absl::string_view id = Line(out, "job id");
  ASSERT_TRUE(absl::ConsumePrefix(&id, "slurm:")) << out;
  const std::string job(id);
  const std::string err_log = dir + "/slurm/" + job + ".err";

  ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(dir + "/" + runners::kHeldFile); }, 300))
      << Slurp(err_log);
  ASSERT_TRUE(client_.Signal(job, "USR2").ok());
  StartRequeuedJobNow(job);
  ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(dir + "/heyhi.done"); }, 300))
      << Slurp(err_log);
  ASSERT_TRUE(WaitFor([&] { return !client_.IsAlive(job).value_or(true); }));
  EXPECT_EQ(client_.QueryJob(job)->state, "COMPLETED");

  const std::string log = Slurp(err_log);
  EXPECT_THAT(log, HasSubstr("rank 1 of 2 joined the gloo"));
  EXPECT_THAT(log, HasSubstr("checkpoint hook: saved epoch"));
  EXPECT_THAT(log, HasSubstr("requeued Slurm job " + job));
  EXPECT_THAT(log, HasSubstr("(requeue count 1)"));  // the resumed run's first words
  // The requeued run started where the hook saved, mid-epoch.
  EXPECT_THAT(TextAfter(log, "checkpoint hook: saved epoch "), ::testing::StartsWith("2 step 5 "));
  EXPECT_THAT(TextAfter(log, "resuming from "), HasSubstr(" at epoch 2, step 5 "));

  // Rank 0 alone wrote metrics: one file, one line per epoch, each epoch once.
  EXPECT_EQ(MetricsFilesUnder(tree_.Path("exp")).size(), 1u);
  const auto metrics = ReadMetrics(dir);
  ASSERT_EQ(metrics.size(), 6u);
  for (size_t i = 0; i < metrics.size(); ++i) {
    EXPECT_EQ(metrics[i].at("epoch"), static_cast<double>(i + 1));
    EXPECT_EQ(metrics[i].at("world_size"), 2);
  }
  auto checkpoint = ReadCheckpointSummary(dir + "/checkpoint.pt");
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  EXPECT_EQ(checkpoint->epoch, 6);
  EXPECT_GT(metrics.back().at("test_accuracy"), 0.6);
}

// SPEC §12 with the real task on Slurm: the repository's grid of four MLP
// trainings goes as one job array; the table shows four DONE with their
// accuracy; running the grid again launches nothing.
TEST_F(SlurmTrainTest, GridOfFourTrainingsGoesAsOneArrayAndEndsDoneWithAccuracy) {
  heyhi::ProgramOptions options;
  options.env = {"HH_EXP_DIR=" + tree_.Path("exp")};
  options.working_dir = kSourceDir;
  const std::string run = runners_test::RunBinary();
  absl::StatusOr<heyhi::ProgramResult> submitted =
      heyhi::RunProgram({run, "grid", "mlp_lr_slurm"}, options);
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  ASSERT_EQ(submitted->exit_code, 0) << submitted->out << submitted->err;
  EXPECT_THAT(submitted->out, HasSubstr(" of 4 member(s)"));
  nlohmann::json table;
  for (int i = 0; i < 3000; ++i) {  // at most five minutes
    absl::StatusOr<heyhi::ProgramResult> shown =
        heyhi::RunProgram({run, "grid", "mlp_lr_slurm", "--json"}, options);
    ASSERT_TRUE(shown.ok() && shown->exit_code == 0);
    table = nlohmann::json::parse(shown->out);
    if (table["counts"].value("DONE", 0) + table["counts"].value("DEAD", 0) == 4) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(table["rows"].size(), 4u);
  std::set<std::string> arrays;
  for (const nlohmann::json& row : table["rows"]) {
    ASSERT_EQ(row["status"], "DONE") << table.dump(1);
    const std::string job = row["job_id"];
    arrays.insert(job.substr(0, job.find('_')));
    EXPECT_GT(row["metrics"]["test_accuracy"].get<double>(), 0.3) << row;
  }
  EXPECT_EQ(arrays.size(), 1u) << table.dump(1);
  absl::StatusOr<heyhi::ProgramResult> again =
      heyhi::RunProgram({run, "grid", "mlp_lr_slurm"}, options);
  ASSERT_TRUE(again.ok() && again->exit_code == 0);
  EXPECT_THAT(again->out, HasSubstr("nothing to launch"));
}

}  // namespace
}  // namespace runners
