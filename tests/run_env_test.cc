// Environments and path prefixes through the `run` command (SPEC §13): `run
// env`, the cluster's exp_dir, one signature on two clusters, and
// //reference/ and //sig/ resolved by a running task.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "run_test_helpers.h"
#include "scoped_env.h"

namespace heyhi_test {
namespace {

using ::testing::HasSubstr;

const char kSleep[] = "conf/c90_test/sleep.prototxt";
const char kTwoProcs[] = "conf/c90_test/sleep_2procs.prototxt";
const char kSlurm[] = "conf/c90_test/sleep_slurm.prototxt";

// The value of the line "<label>: value" of `run env`'s aligned output.
std::string Field(const std::string& out, const std::string& label) {
  const std::string value = Line(out, label);
  const size_t start = value.find_first_not_of(' ');
  return start == std::string::npos ? "" : value.substr(start);
}

// A sandbox whose `run` reads the env file `env.prototxt` (HH_ENV), with
// the other HH_ variables unset.
class RunEnvTest : public ::testing::Test {
 protected:
  RunEnvTest() {
    for (const char* name : {"HH_TEAM", "HH_CLUSTER", "HH_REFERENCE_DIR", "HH_CONF_ROOT"}) {
      unset_.push_back(std::make_unique<heyhi::ScopedEnv>(name, std::nullopt));
    }
    env_file_ = box_.tree.Write("env.prototxt", EnvText());
    unset_.push_back(std::make_unique<heyhi::ScopedEnv>("HH_ENV", env_file_));
  }

  std::string EnvText() const {
    return "cluster {\n"
           "  name: \"alpha\"\n"
           "  host: \"*.alpha.invalid\"\n"
           "  exp_dir: \"" +
           box_.tree.Path("alpha_exps") +
           "\"\n"
           "  reference_dir: \"" +
           box_.tree.Path("ref") +
           "\"\n"
           "  partition { role: \"default\" name: \"a-gpu\" }\n"
           "  account: \"research\"\n"
           "  sbatch_args: \"--mail-type=END\"\n"
           "}\n"
           "cluster {\n"
           "  name: \"beta\"\n"
           "  host: \"*.beta.invalid\"\n"
           "  partition { role: \"default\" name: \"b-cpu\" }\n"
           "}\n"
           "cluster { name: \"default\" reference_dir: \"" +
           box_.tree.Path("ref") + "\" }\n";
  }

  RunResult Run(const std::vector<std::string>& args) const { return box_.Run(args); }
  // Without HH_EXP_DIR: the cluster's exp_dir is the exp root.
  RunResult RunWithoutExpDir(const std::vector<std::string>& args) const {
    return heyhi_test::Run("", args, box_.scratch);
  }

  RunSandbox box_;
  std::string env_file_;
  std::vector<std::unique_ptr<heyhi::ScopedEnv>> unset_;
};

TEST_F(RunEnvTest, RunEnvPrintsTheTeamTheClusterWhyAndEveryValue) {
  heyhi::ScopedEnv cluster("HH_CLUSTER", "alpha");
  const RunResult text = Run({"env"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(Field(text.out, "team"), "default");
  EXPECT_EQ(Field(text.out, "cluster"), "alpha");
  EXPECT_EQ(Field(text.out, "chosen by"), "HH_CLUSTER=alpha");
  EXPECT_EQ(Field(text.out, "exp_dir"), box_.exp_root + "  (HH_EXP_DIR)");
  EXPECT_THAT(Field(text.out, "reference_dir"), HasSubstr(box_.tree.Path("ref")));
  EXPECT_EQ(Field(text.out, "partitions"), "default=a-gpu");
  EXPECT_EQ(Field(text.out, "account"), "research");
  EXPECT_EQ(Field(text.out, "sbatch_args"), "--mail-type=END");

  const RunResult json_run = Run({"env", "--json"});
  ASSERT_EQ(json_run.exit_code, 0) << json_run.err;
  const nlohmann::json env = nlohmann::json::parse(json_run.out);
  EXPECT_EQ(env["team"], "default");
  EXPECT_EQ(env["env_file"], env_file_);
  EXPECT_EQ(env["chosen_by"], "HH_CLUSTER=alpha");
  EXPECT_EQ(env["exp_dir_from"], "HH_EXP_DIR");
  EXPECT_EQ(env["active_cluster"]["name"], "alpha");
  EXPECT_EQ(env["active_cluster"]["exp_dir"], box_.exp_root);
  EXPECT_EQ(env["active_cluster"]["partition"][0]["name"], "a-gpu");
  EXPECT_EQ(env["active_cluster"]["qos"], "");  // every value, set or not
  EXPECT_FALSE(env["host"].get<std::string>().empty());
}

TEST_F(RunEnvTest, NoHostMatchesTheClusterNamedDefault) {
  const RunResult r = Run({"env", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json env = nlohmann::json::parse(r.out);
  EXPECT_EQ(env["active_cluster"]["name"], "default");
  EXPECT_THAT(env["chosen_by"].get<std::string>(), HasSubstr("the one named \"default\""));
}

TEST_F(RunEnvTest, NoHostMatchesAndNoDefaultIsAnErrorNamingTheEnvFileAndTheHost) {
  box_.tree.Write("env.prototxt", "cluster { name: \"alpha\" host: \"*.alpha.invalid\" }\n");
  const RunResult env = Run({"env"});
  EXPECT_EQ(env.exit_code, 1);
  EXPECT_THAT(env.err, HasSubstr(env_file_));
  EXPECT_THAT(env.err, HasSubstr("no cluster's host matches this machine ("));
  const RunResult run = Run({"-c", kSleep});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("no cluster's host matches this machine ("));
  EXPECT_TRUE(IsEmptyDir(box_.exp_root));
}

TEST_F(RunEnvTest, TheClustersExpDirHoldsTheExperimentsUnlessHhExpDirIsSet) {
  heyhi::ScopedEnv cluster("HH_CLUSTER", "alpha");
  const RunResult from_cluster = RunWithoutExpDir({"-c", kSleep, "lr=0.25"});
  ASSERT_EQ(from_cluster.exit_code, 0) << from_cluster.err;
  EXPECT_THAT(Line(from_cluster.out, "exp dir"),
              ::testing::StartsWith(box_.tree.Path("alpha_exps/p/")));
  const RunResult from_env = Run({"-c", kSleep, "lr=0.25"});
  ASSERT_EQ(from_env.exit_code, 0) << from_env.err;
  EXPECT_THAT(Line(from_env.out, "exp dir"), ::testing::StartsWith(box_.exp_root + "/p/"));
  // ls looks under the same root as run.
  const RunResult ls = heyhi_test::Run("", {"ls", "--json"}, box_.scratch);
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_EQ(nlohmann::json::parse(ls.out).size(), 1u);
}

TEST_F(RunEnvTest, TheSameExperimentOnTwoClustersHasOneSignature) {
  heyhi::ScopedEnv cluster("HH_CLUSTER", "alpha");
  const RunResult on_alpha = Run({"-c", kSlurm, "--mode", "dryrun"});
  cluster.Set("beta");
  const RunResult on_beta = Run({"-c", kSlurm, "--mode", "dryrun"});
  ASSERT_EQ(on_alpha.exit_code, 0) << on_alpha.err;
  ASSERT_EQ(on_beta.exit_code, 0) << on_beta.err;
  EXPECT_FALSE(Line(on_alpha.out, "exp dir").empty());
  EXPECT_EQ(Line(on_alpha.out, "exp dir"), Line(on_beta.out, "exp dir"));
}

TEST_F(RunEnvTest, ReferenceAndSigPathsResolveInARunningTask) {
  box_.tree.Write("ref/data/input.txt", "shared data\n");
  const RunResult first = Run({"-c", kSleep, "copy_file=//reference/data/input.txt"});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  const std::string first_dir = Line(first.out, "exp dir");
  EXPECT_EQ(Line(first.out, "status after"), "DONE");
  EXPECT_EQ(ReadAll(first_dir + "/copied.txt"), "shared data\n");

  // A second experiment reads the first one's file by a prefix of its sig.
  const std::string sig = first_dir.substr(first_dir.size() - 12);
  const RunResult second =
      Run({"-c", kSleep, "copy_file=//sig/" + sig.substr(0, 6) + "/copied.txt"});
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  const std::string second_dir = Line(second.out, "exp dir");
  EXPECT_NE(second_dir, first_dir);
  EXPECT_EQ(ReadAll(second_dir + "/copied.txt"), "shared data\n");
}

TEST_F(RunEnvTest, LocalWorkersResolvePathsInTheEnvironmentTheRunRecorded) {
  box_.tree.Write("ref/data/input.txt", "for every rank\n");
  const RunResult r = Run({"-c", kTwoProcs, "copy_file=//reference/data/input.txt"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string dir = Line(r.out, "exp dir");
  EXPECT_EQ(ReadAll(dir + "/copied.txt"), "for every rank\n");
  const std::string record = ReadAll(dir + "/heyhi.xp.prototxt");
  EXPECT_THAT(record, HasSubstr("active_cluster {\n    name: \"default\""));
  EXPECT_THAT(record, HasSubstr("reference_dir: \"" + box_.tree.Path("ref") + "\""));
}

TEST_F(RunEnvTest, AMissingReferenceFileFailsTheTaskNamingBothPaths) {
  const RunResult r = Run({"-c", kSleep, "copy_file=//reference/data/none.txt"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(Line(r.out, "status after"), "DEAD");
  const std::string log = ReadAll(Line(r.out, "exp dir") + "/run.log");
  EXPECT_THAT(log, HasSubstr("'//reference/data/none.txt' is " +
                             box_.tree.Path("ref/data/none.txt") + ", which does not exist"));
}

}  // namespace
}  // namespace heyhi_test
