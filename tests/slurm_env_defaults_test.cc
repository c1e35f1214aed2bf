// The cluster's Slurm defaults (SPEC §13): they fill the SlurmLauncher fields
// a config leaves unset, the config wins, and the signature never sees them.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "conf.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "heyhi/config.h"
#include "heyhi/launch/dispatch.h"
#include "heyhi/launch/slurm/cluster_defaults.h"
#include "heyhi/launch/slurm/script.h"
#include "heyhi/signature.h"

namespace heyhi {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

ActiveEnv ClusterEnv(const std::string& cluster_text) {
  ActiveEnv env;
  env.set_env_file("/conf/env/default.prototxt");
  EXPECT_TRUE(
      google::protobuf::TextFormat::ParseFromString(cluster_text, env.mutable_active_cluster()))
      << cluster_text;
  return env;
}

SlurmLauncher Launcher(const std::string& text) {
  SlurmLauncher slurm;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &slurm)) << text;
  return slurm;
}

constexpr char kCluster[] = R"(
  name: "c1"
  partition { role: "default" name: "learnfair" }
  partition { role: "team" name: "learnlab" }
  account: "research"
  qos: "normal"
  constraint: "volta32gb"
  exclude: "node7"
  sbatch_args: "--mail-type=END"
  srun_args: "--cpu-bind=cores"
)";

TEST(ClusterDefaults, FillTheFieldsTheConfigLeavesUnset) {
  std::vector<std::string> filled;
  absl::StatusOr<SlurmLauncher> slurm =
      WithClusterDefaults(Launcher("num_gpus: 1"), ClusterEnv(kCluster), &filled);
  ASSERT_TRUE(slurm.ok()) << slurm.status();
  EXPECT_EQ(slurm->partition(), "learnfair");
  EXPECT_EQ(slurm->account(), "research");
  EXPECT_EQ(slurm->qos(), "normal");
  EXPECT_EQ(slurm->constraint(), "volta32gb");
  EXPECT_EQ(slurm->exclude(), "node7");
  EXPECT_THAT(slurm->sbatch_args(), ElementsAre("--mail-type=END"));
  EXPECT_THAT(slurm->srun_args(), ElementsAre("--cpu-bind=cores"));
  EXPECT_EQ(slurm->num_gpus(), 1);
  EXPECT_THAT(filled, ElementsAre("partition", "account", "qos", "constraint", "exclude",
                                  "sbatch_args", "srun_args"));
}

TEST(ClusterDefaults, TheConfigWinsEvenWithAnEmptyValue) {
  std::vector<std::string> filled;
  absl::StatusOr<SlurmLauncher> slurm = WithClusterDefaults(
      Launcher(R"(partition: "" account: "mine" qos: "low" constraint: "" exclude: "node1"
                  sbatch_args: "--mail-type=NONE" srun_args: "--label")"),
      ClusterEnv(kCluster), &filled);
  ASSERT_TRUE(slurm.ok()) << slurm.status();
  EXPECT_EQ(slurm->partition(), "");
  EXPECT_EQ(slurm->account(), "mine");
  EXPECT_EQ(slurm->qos(), "low");
  EXPECT_EQ(slurm->constraint(), "");
  EXPECT_EQ(slurm->exclude(), "node1");
  EXPECT_THAT(slurm->sbatch_args(), ElementsAre("--mail-type=NONE"));
  EXPECT_THAT(slurm->srun_args(), ElementsAre("--label"));
  EXPECT_TRUE(filled.empty());
}

TEST(ClusterDefaults, PartitionRoleChoosesTheClustersPartitionForThatRole) {
  absl::StatusOr<SlurmLauncher> slurm =
      WithClusterDefaults(Launcher(R"(partition_role: "team")"), ClusterEnv(kCluster));
  ASSERT_TRUE(slurm.ok()) << slurm.status();
  EXPECT_EQ(slurm->partition(), "learnlab");
}

TEST(ClusterDefaults, ARoleTheClusterLacksIsAnErrorListingItsRoles) {
  absl::Status status =
      WithClusterDefaults(Launcher(R"(partition_role: "global")"), ClusterEnv(kCluster)).status();
  EXPECT_EQ(
      status.message(),
      "launcher.slurm.partition_role: 'global' is no partition role of cluster c1 of "
      "/conf/env/default.prototxt; its roles: default, team (or set launcher.slurm.partition)");
  // No role asked for and no "default" role: Slurm's default partition.
  absl::StatusOr<SlurmLauncher> slurm =
      WithClusterDefaults(Launcher(""), ClusterEnv(R"(name: "c2")"));
  ASSERT_TRUE(slurm.ok()) << slurm.status();
  EXPECT_FALSE(slurm->has_partition());
}

TEST(ClusterDefaults, ABadSbatchArgOfTheClusterIsAnErrorNamingTheClusterAndItsEnvFile) {
  absl::Status status =
      WithClusterDefaults(Launcher("sbatch_args: \"--x=1\""),
                          ClusterEnv(R"(name: "c1" sbatch_args: "--ok" sbatch_args: "--a=\"b\"")"))
          .status();
  EXPECT_THAT(status.message(),
              HasSubstr("cluster c1 of /conf/env/default.prototxt: sbatch_args[1]: '--a=\\\"b\\\"' "
                        "holds a double quote"));
}

TEST(ClusterDefaults, EnvDefaultsAppearInTheSbatchScriptButNotInTheSignature) {
  LoadOptions options;
  options.root_type = MetaCfg::descriptor();
  absl::StatusOr<Composed> composed = LoadConfig(
      std::string(HEYHI_SOURCE_DIR) + "/conf/c90_test/sleep_slurm.prototxt", {}, options);
  ASSERT_TRUE(composed.ok()) << composed.status();
  const std::string sig = Signature(*composed->task);
  const ActiveEnv one = ClusterEnv(kCluster);
  const ActiveEnv other = ClusterEnv(R"(name: "c2" partition { role: "default" name: "cpu" })");
  absl::StatusOr<LaunchPlan> on_one = PlanLaunch(*composed->task, &one);
  absl::StatusOr<LaunchPlan> on_other = PlanLaunch(*composed->task, &other);
  ASSERT_TRUE(on_one.ok() && on_other.ok());
  absl::StatusOr<std::string> script_one = MakeSbatchScript(on_one->slurm, "/exp", "/bin/run");
  absl::StatusOr<std::string> script_other = MakeSbatchScript(on_other->slurm, "/exp", "/bin/run");
  ASSERT_TRUE(script_one.ok() && script_other.ok());
  EXPECT_THAT(*script_one, HasSubstr("#SBATCH --partition=learnfair\n"));
  EXPECT_THAT(*script_one, HasSubstr("#SBATCH --account=research\n"));
  EXPECT_THAT(*script_one, HasSubstr("#SBATCH --mail-type=END\n"));
  EXPECT_THAT(*script_one, HasSubstr("--kill-on-bad-exit=1 --cpu-bind=cores /bin/run --worker"));
  EXPECT_THAT(*script_other, HasSubstr("#SBATCH --partition=cpu\n"));
  EXPECT_THAT(*script_other, Not(HasSubstr("--account")));
  // The composed config, and so the signature, is the same on both clusters.
  EXPECT_EQ(Signature(*composed->task), sig);
  EXPECT_FALSE(on_one->launcher->GetDescriptor()->FindFieldByName("partition") == nullptr);
  EXPECT_FALSE(dynamic_cast<const SlurmLauncher&>(*on_one->launcher).has_partition());
}

}  // namespace
}  // namespace heyhi
