// Env files (SPEC §13): the team's file, the cluster chosen for this machine
// (HH_CLUSTER, host globs, "default"), HH_EXP_DIR and HH_REFERENCE_DIR, the
// built-in defaults, and errors that name the file.
#include "heyhi/config/environment.h"

#include <unistd.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "heyhi/base/host.h"
#include "heyhi/config/include_resolver.h"
#include "heyhi/env.h"
#include "tests/scoped_env.h"
#include "tests/temp_tree.h"

namespace heyhi {
namespace {

using ::testing::HasSubstr;

constexpr char kTwoClusters[] = R"pb(
  cluster {
    name: "alpha"
    host: "*.alpha.example.org"
    exp_dir: "/exp/alpha"
    reference_dir: "/ref/alpha"
    partition { role: "default" name: "a-gpu" }
  }
  cluster {
    name: "beta"
    host: "login?.beta.example.org"
    host: "node[0-9]*.beta.example.org"
    exp_dir: "/exp/beta"
  }
  cluster { name: "default" exp_dir: "/exp/default" }
)pb";

Env ParseEnv(const std::string& text) {
  Env env;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &env)) << text;
  return env;
}

std::string Chosen(const std::string& text, const std::string& fqdn,
                   const std::string& hh_cluster = "") {
  const Env env = ParseEnv(text);
  absl::StatusOr<ClusterChoice> choice = ChooseCluster(env, "team.prototxt", fqdn, hh_cluster);
  if (!choice.ok()) return "error: " + std::string(choice.status().message());
  return env.cluster(choice->index).name();
}

// Every HH_ variable of the environment unset for the test; a conf root with
// an env folder in a temp tree.
class EnvFileTest : public ::testing::Test {
 protected:
  EnvFileTest() {
    for (const char* name :
         {"HH_ENV", "HH_TEAM", "HH_CLUSTER", "HH_EXP_DIR", "HH_REFERENCE_DIR", "HH_CONF_ROOT"}) {
      saved_.push_back(std::make_unique<ScopedEnv>(name, std::nullopt));
    }
  }

  std::string ConfRoot() const { return tree_.Path("conf"); }
  std::string WriteEnv(const std::string& team, const std::string& text) const {
    return tree_.Write("conf/env/" + team + ".prototxt", text);
  }
  absl::StatusOr<ActiveEnv> Load() const { return LoadEnvironment(ConfRoot()); }

  TempTree tree_;
  std::vector<std::unique_ptr<ScopedEnv>> saved_;
};

TEST(ChooseCluster, TheFirstClusterWhoseHostGlobMatchesTheHostNameIsChosen) {
  EXPECT_EQ(Chosen(kTwoClusters, "n12.alpha.example.org"), "alpha");
  EXPECT_EQ(Chosen(kTwoClusters, "login2.beta.example.org"), "beta");
  EXPECT_EQ(Chosen(kTwoClusters, "node17.beta.example.org"), "beta");
  // Both match: the first listed wins.
  EXPECT_EQ(Chosen(R"pb(cluster { name: "x" host: "*.org" }
                        cluster { name: "y" host: "a.example.org" })pb",
                   "a.example.org"),
            "x");
}

TEST(ChooseCluster, HostGlobsIgnoreCase) {
  EXPECT_EQ(Chosen(kTwoClusters, "N12.Alpha.Example.ORG"), "alpha");
}

TEST(ChooseCluster, HhClusterNamesTheClusterWhateverTheHost) {
  EXPECT_EQ(Chosen(kTwoClusters, "n12.alpha.example.org", "beta"), "beta");
}

TEST(ChooseCluster, HhClusterNamingNoClusterIsAnErrorListingTheClusters) {
  EXPECT_EQ(Chosen(kTwoClusters, "x", "gamma"),
            "error: HH_CLUSTER=gamma: team.prototxt has no cluster of that name; its clusters: "
            "alpha, beta, default");
}

TEST(ChooseCluster, NoHostMatchesTheClusterNamedDefaultIsChosen) {
  EXPECT_EQ(Chosen(kTwoClusters, "laptop.home"), "default");
}

TEST(ChooseCluster, NoHostMatchesAndNoDefaultIsAnErrorNamingTheEnvFileAndTheHost) {
  const std::string error = Chosen(R"pb(cluster { name: "alpha" host: "*.alpha" })pb", "laptop");
  EXPECT_THAT(error, HasSubstr("team.prototxt: no cluster's host matches this machine (laptop)"));
  EXPECT_THAT(error, HasSubstr("set HH_CLUSTER to one of: alpha"));
}

TEST_F(EnvFileTest, TwoClustersSelectedByHostNameOneThroughThisMachinesRealName) {
  // The second cluster's glob is this machine's own name, the first's matches
  // no machine: the host picks the second.
  WriteEnv("default", absl::StrCat("cluster { name: \"elsewhere\" host: \"*.invalid\" exp_dir: "
                                   "\"/exp/elsewhere\" }\n",
                                   "cluster { name: \"here\" host: \"", ThisHostFqdn(),
                                   "\" exp_dir: \"/exp/here\" }\n"));
  absl::StatusOr<ActiveEnv> env = Load();
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->active_cluster().name(), "here");
  EXPECT_EQ(env->host(), ThisHostFqdn());
  EXPECT_EQ(env->chosen_by(),
            absl::StrCat("host ", ThisHostFqdn(), " matches \"", ThisHostFqdn(), "\""));
  EXPECT_EQ(env->active_cluster().exp_dir(), "/exp/here");
  ScopedEnv cluster("HH_CLUSTER", "elsewhere");
  env = Load();
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->active_cluster().name(), "elsewhere");
  EXPECT_EQ(env->chosen_by(), "HH_CLUSTER=elsewhere");
  EXPECT_EQ(env->active_cluster().exp_dir(), "/exp/elsewhere");
}

TEST_F(EnvFileTest, AGlobMatchingThisMachinesNameChoosesItsCluster) {
  const std::string host = ThisHostFqdn();
  WriteEnv("default",
           absl::StrCat("cluster { name: \"here\" host: \"", host.substr(0, 1), "*\" }\n"));
  absl::StatusOr<ActiveEnv> env = Load();
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->active_cluster().name(), "here");
}

TEST_F(EnvFileTest, NoHostMatchesTheDefaultThenNoDefaultIsAnErrorNamingTheFileAndTheHost) {
  const std::string file = WriteEnv("default", R"pb(cluster { name: "far" host: "*.invalid" }
                                                    cluster { name: "default" })pb");
  absl::StatusOr<ActiveEnv> env = Load();
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->active_cluster().name(), "default");
  EXPECT_THAT(env->chosen_by(), HasSubstr("the one named \"default\""));
  WriteEnv("default", R"pb(cluster { name: "far" host: "*.invalid" })pb");
  env = Load();
  ASSERT_FALSE(env.ok());
  EXPECT_THAT(env.status().message(), HasSubstr(file));
  EXPECT_THAT(
      env.status().message(),
      HasSubstr(absl::StrCat("no cluster's host matches this machine (", ThisHostFqdn(), ")")));
}

TEST_F(EnvFileTest, HhExpDirAndHhReferenceDirWinOverTheClustersFolders) {
  WriteEnv("default",
           R"pb(cluster { name: "default" exp_dir: "/exp/c" reference_dir: "/ref/c" })pb");
  absl::StatusOr<ActiveEnv> env = Load();
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->active_cluster().exp_dir(), "/exp/c");
  EXPECT_EQ(env->active_cluster().reference_dir(), "/ref/c");
  EXPECT_THAT(env->exp_dir_from(), HasSubstr("cluster default of"));
  ScopedEnv exp_dir("HH_EXP_DIR", "/exp/mine/");
  ScopedEnv reference_dir("HH_REFERENCE_DIR", "/ref/mine");
  env = Load();
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->active_cluster().exp_dir(), "/exp/mine");
  EXPECT_EQ(env->exp_dir_from(), "HH_EXP_DIR");
  EXPECT_EQ(env->active_cluster().reference_dir(), "/ref/mine");
  EXPECT_EQ(env->reference_dir_from(), "HH_REFERENCE_DIR");
}

TEST_F(EnvFileTest, NoEnvFileGivesTheBuiltInDefaultsOfTodaysBehaviour) {
  ScopedEnv home("HOME", tree_.Path("home"));
  absl::StatusOr<ActiveEnv> env = Load();
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->env_file(), "");
  EXPECT_EQ(env->active_cluster().name(), "default");
  EXPECT_EQ(env->active_cluster().exp_dir(), tree_.Path("home/results/heyhi"));
  EXPECT_EQ(env->active_cluster().reference_dir(), "");
  EXPECT_THAT(env->chosen_by(), HasSubstr("built-in defaults"));
  ScopedEnv exp_dir("HH_EXP_DIR", "/exp/mine");
  EXPECT_EQ(Load()->active_cluster().exp_dir(), "/exp/mine");
  // Without a conf root at all, the same.
  EXPECT_EQ(LoadEnvironment("")->active_cluster().exp_dir(), "/exp/mine");
}

TEST_F(EnvFileTest, HhClusterWithoutAnEnvFileIsAnErrorUnlessItNamesDefault) {
  ScopedEnv cluster("HH_CLUSTER", "alpha");
  absl::StatusOr<ActiveEnv> env = Load();
  ASSERT_FALSE(env.ok());
  EXPECT_THAT(env.status().message(), HasSubstr("HH_CLUSTER=alpha: there is no env file"));
  cluster.Set("default");
  EXPECT_TRUE(Load().ok());
}

TEST_F(EnvFileTest, TheRepositorysDefaultEnvKeepsTodaysBehaviour) {
  ScopedEnv home("HOME", tree_.Path("home"));
  absl::StatusOr<ActiveEnv> env = LoadEnvironment(std::string(HEYHI_SOURCE_DIR) + "/conf");
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->env_file(), std::string(HEYHI_SOURCE_DIR) + "/conf/env/default.prototxt");
  ActiveEnv expected;
  google::protobuf::TextFormat::ParseFromString(
      absl::StrCat("name: \"default\" exp_dir: \"", tree_.Path("home/results/heyhi"), "\""),
      expected.mutable_active_cluster());
  EXPECT_EQ(env->active_cluster().DebugString(), expected.active_cluster().DebugString());
}

TEST_F(EnvFileTest, HhTeamChoosesConfEnvTeamPrototxt) {
  WriteEnv("default", R"pb(cluster { name: "default" exp_dir: "/exp/default-team" })pb");
  const std::string labs =
      WriteEnv("labs", R"pb(cluster { name: "default" exp_dir: "/exp/labs" })pb");
  ScopedEnv team("HH_TEAM", "labs");
  absl::StatusOr<ActiveEnv> env = Load();
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->team(), "labs");
  EXPECT_EQ(env->env_file(), labs);
  EXPECT_EQ(env->active_cluster().exp_dir(), "/exp/labs");
}

TEST_F(EnvFileTest, ATeamWithoutAnEnvFileIsAnErrorListingTheTeamsThatHaveOne) {
  WriteEnv("default", R"pb(cluster { name: "default" })pb");
  WriteEnv("labs", R"pb(cluster { name: "default" })pb");
  ScopedEnv team("HH_TEAM", "lab");
  absl::StatusOr<ActiveEnv> env = Load();
  ASSERT_FALSE(env.ok());
  EXPECT_THAT(env.status().message(), HasSubstr("HH_TEAM=lab: no env file"));
  EXPECT_THAT(env.status().message(), HasSubstr("teams with one: default, labs"));
  team.Set("../x");
  EXPECT_THAT(Load().status().message(), HasSubstr("a team name has only letters"));
}

TEST_F(EnvFileTest, HhEnvNamesTheFileToRead) {
  WriteEnv("default", R"pb(cluster { name: "default" exp_dir: "/exp/team" })pb");
  const std::string other = tree_.Write("elsewhere/mine.prototxt",
                                        R"pb(cluster { name: "default" exp_dir: "/exp/mine" })pb");
  ScopedEnv file("HH_ENV", other);
  absl::StatusOr<ActiveEnv> env = Load();
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->env_file(), other);
  EXPECT_EQ(env->active_cluster().exp_dir(), "/exp/mine");
  file.Set(tree_.Path("missing.prototxt"));
  EXPECT_THAT(
      Load().status().message(),
      HasSubstr(absl::StrCat("HH_ENV=", tree_.Path("missing.prototxt"), ": no such env file")));
}

TEST_F(EnvFileTest, TildeAndVariablesAreExpandedInFolders) {
  ScopedEnv home("HOME", "/home/someone");
  ScopedEnv user("HH_TEST_USER", "ana");
  WriteEnv("default", R"pb(cluster {
                             name: "default"
                             exp_dir: "~/xps"
                             reference_dir: "/shared/${HH_TEST_USER}/ref"
                           })pb");
  absl::StatusOr<ActiveEnv> env = Load();
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->active_cluster().exp_dir(), "/home/someone/xps");
  EXPECT_EQ(env->active_cluster().reference_dir(), "/shared/ana/ref");
}

TEST_F(EnvFileTest, BadValuesAreErrorsWithFileLineAndColumn) {
  const std::string file = tree_.Path("conf/env/default.prototxt");
  struct Case {
    std::string text, error;
  };
  const std::vector<Case> cases = {
      {"cluster {\n  name: \"a\"\n  hots: \"x\"\n}\n", ":3:"},
      {"cluster {\n  exp_dir: \"/x\"\n}\n", ":1:1: cluster 1 has no name"},
      {"cluster { name: \"a\" }\ncluster { name: \"a\" }\n",
       ":2:1: cluster name 'a' is used twice (also at "},
      {"cluster {\n  name: \"a\"\n  exp_dir: \"results\"\n}\n",
       ":3:3: exp_dir 'results' is not an absolute folder"},
      {"cluster {\n  name: \"a\"\n  reference_dir: \"/r/${HH_TEST_NO_SUCH_VARIABLE}\"\n}\n",
       ":3:3: reference_dir '/r/${HH_TEST_NO_SUCH_VARIABLE}': ${HH_TEST_NO_SUCH_VARIABLE}: no such "
       "environment variable"},
      {"cluster {\n  name: \"a\"\n  path_map { regex: \"([a-z\" replace: \"x\" }\n}\n",
       ":3:3: cluster a: path_map 0: regex '([a-z' is not an ECMAScript regular expression"},
      {"cluster {\n  name: \"a\"\n  partition { role: \"team\" }\n}\n",
       ":3:3: cluster a: partition 0 needs a role and a name"},
      {"cluster { name: \"a b\" }\n", "cluster a b: a name has only letters"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    WriteEnv("default", c.text);
    absl::StatusOr<ActiveEnv> env = Load();
    ASSERT_FALSE(env.ok());
    EXPECT_THAT(std::string(env.status().message()), HasSubstr("env/default.prototxt"));
    EXPECT_THAT(std::string(env.status().message()), HasSubstr(c.error));
  }
}

TEST_F(EnvFileTest, ConfRootOfTheWorkingDirIsTheNearestConfFolder) {
  tree_.Write("project/conf/env/default.prototxt", "");
  tree_.Write("project/src/deep/file.txt", "");
  const std::string saved = CurrentDir();
  ASSERT_EQ(chdir(tree_.Path("project/src/deep").c_str()), 0);
  EXPECT_EQ(ConfRootOfWorkingDir(), tree_.Path("project/conf"));
  ASSERT_EQ(chdir(tree_.Path("project/conf/env").c_str()), 0);
  EXPECT_EQ(ConfRootOfWorkingDir(), tree_.Path("project/conf"));
  ScopedEnv root("HH_CONF_ROOT", tree_.Path("other"));
  EXPECT_EQ(ConfRootOfWorkingDir(), tree_.Path("other"));
  ASSERT_EQ(chdir(saved.c_str()), 0);
}

}  // namespace
}  // namespace heyhi
