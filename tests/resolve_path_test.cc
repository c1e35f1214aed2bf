// heyhi::ResolvePath and JobContext::ResolvePath (SPEC §13): path_map first,
// then //reference/x, //sig/SIG[/rest], and relative paths against the
// launch dir.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "heyhi/exp_dir.h"
#include "heyhi/experiment/xp_index.h"
#include "heyhi/paths.h"
#include "heyhi/task.h"
#include "tests/temp_tree.h"

namespace heyhi {
namespace {

using ::testing::HasSubstr;

class ResolvePathTest : public ::testing::Test {
 protected:
  ResolvePathTest() {
    env_.set_env_file("/conf/env/default.prototxt");
    env_.mutable_active_cluster()->set_name("c1");
    env_.mutable_active_cluster()->set_exp_dir(tree_.Path("exp"));
    env_.mutable_active_cluster()->set_reference_dir(tree_.Path("ref"));
    env_.set_reference_dir_from("HH_REFERENCE_DIR");
    tree_.Write("ref/models/base.pt", "weights");
  }

  // An experiment folder indexed under the exp root with signature `sig`.
  std::string AddXp(const std::string& sig) {
    const std::string dir = tree_.Path("exp/p/cfg/default_" + sig);
    EXPECT_TRUE(ExpDir(dir, tree_.Path("exp")).Create().ok());
    EXPECT_TRUE(IndexXp(tree_.Path("exp"), sig, dir).ok());
    return dir;
  }

  std::string Error(const std::string& path) {
    absl::StatusOr<std::string> resolved = ResolvePath(path, env_, "/launch");
    EXPECT_FALSE(resolved.ok()) << *resolved;
    return resolved.ok() ? "" : std::string(resolved.status().message());
  }

  TempTree tree_;
  ActiveEnv env_;
};

TEST_F(ResolvePathTest, ReferencePrefixIsTheFileInTheReferenceDir) {
  EXPECT_EQ(ResolvePath("//reference/models/base.pt", env_, "/launch").value(),
            tree_.Path("ref/models/base.pt"));
  EXPECT_EQ(ResolvePath("//reference", env_, "/launch").value(), tree_.Path("ref"));
}

TEST_F(ResolvePathTest, AMissingReferenceFileIsAnErrorNamingTheWrittenAndTheResolvedPath) {
  const std::string error = Error("//reference/models/other.pt");
  EXPECT_THAT(error, HasSubstr("'//reference/models/other.pt' is " +
                               tree_.Path("ref/models/other.pt") + ", which does not exist"));
  EXPECT_THAT(error, HasSubstr("HH_REFERENCE_DIR"));
}

TEST_F(ResolvePathTest, NoReferenceDirIsAnErrorSayingHowToSetOne) {
  env_.mutable_active_cluster()->clear_reference_dir();
  EXPECT_THAT(Error("//reference/models/base.pt"),
              HasSubstr("no reference dir is set for cluster c1; set HH_REFERENCE_DIR or the "
                        "cluster's reference_dir in /conf/env/default.prototxt"));
}

TEST_F(ResolvePathTest, SigPrefixIsThatExperimentsFolderPlusTheRest) {
  const std::string dir = AddXp("0123456789ab");
  AddXp("fedcba987654");
  EXPECT_EQ(ResolvePath("//sig/0123456789ab/checkpoint.pt", env_, "/launch").value(),
            dir + "/checkpoint.pt");
  EXPECT_EQ(ResolvePath("//sig/0123456789ab", env_, "/launch").value(), dir);
}

TEST_F(ResolvePathTest, AnyUniquePrefixOfTheSignatureWorks) {
  const std::string dir = AddXp("0123456789ab");
  AddXp("0199999999ab");
  EXPECT_EQ(ResolvePath("//sig/0123/checkpoint.pt", env_, "/launch").value(),
            dir + "/checkpoint.pt");
}

TEST_F(ResolvePathTest, AnAmbiguousOrUnknownSignatureIsAnErrorNamingThePath) {
  const std::string first = AddXp("0123456789ab");
  const std::string second = AddXp("0123556789ab");
  const std::string ambiguous = Error("//sig/0123/x");
  EXPECT_THAT(ambiguous, HasSubstr("'//sig/0123/x': signature prefix 0123 is ambiguous"));
  EXPECT_THAT(ambiguous, HasSubstr("0123456789ab " + first));
  EXPECT_THAT(ambiguous, HasSubstr("0123556789ab " + second));
  EXPECT_THAT(
      Error("//sig/abcd/x"),
      HasSubstr("'//sig/abcd/x': no experiment with signature abcd... under " + tree_.Path("exp")));
  EXPECT_THAT(Error("//sig/012/x"), HasSubstr("'//sig/012/x': //sig/ is followed by"));
  EXPECT_THAT(Error("//sig/xyz0/x"), HasSubstr("at least 4 hex characters"));
}

TEST_F(ResolvePathTest, PathMapRewritesThePathBeforeItsPrefixIsResolved) {
  PathMap* map = env_.mutable_active_cluster()->add_path_map();
  map->set_regex("^/datasets/(\\w+)");
  map->set_replace("//reference/models/$1");
  PathMap* second = env_.mutable_active_cluster()->add_path_map();
  second->set_regex("^old/");
  second->set_replace("new/");
  EXPECT_EQ(ResolvePath("/datasets/base.pt", env_, "/launch").value(),
            tree_.Path("ref/models/base.pt"));
  EXPECT_EQ(ResolvePath("old/x", env_, "/launch").value(), "/launch/new/x");
}

TEST_F(ResolvePathTest, OtherPathsAreAbsoluteAsIsOrRelativeToTheLaunchDir) {
  EXPECT_EQ(ResolvePath("data/x", env_, "/launch").value(), "/launch/data/x");
  EXPECT_EQ(ResolvePath("/abs/x", env_, "/launch").value(), "/abs/x");
  EXPECT_EQ(ResolvePath("data/x", env_, "").value(), "data/x");
  EXPECT_EQ(ResolvePath("", env_, "/launch").value(), "");
}

TEST_F(ResolvePathTest, AnUnknownDoubleSlashPrefixIsAnErrorListingTheKnownOnes) {
  const std::string error = Error("//refrence/models/base.pt");
  EXPECT_THAT(error, HasSubstr("unknown path prefix '//refrence'"));
  EXPECT_THAT(error, HasSubstr("//reference/PATH"));
  EXPECT_THAT(error, HasSubstr("//sig/SIG[/PATH]"));
}

TEST_F(ResolvePathTest, JobContextResolvesInTheJobsEnvironmentAndLaunchDir) {
  const std::string dir = AddXp("0123456789ab");
  JobContext::Job job;
  job.launch_dir = "/launch";
  job.env = env_;
  const JobContext ctx(job);
  EXPECT_EQ(ctx.ResolvePath("//sig/0123/checkpoint.pt").value(), dir + "/checkpoint.pt");
  EXPECT_EQ(ctx.ResolvePath("//reference/models/base.pt").value(),
            tree_.Path("ref/models/base.pt"));
  EXPECT_EQ(ctx.ResolvePath("data/x").value(), "/launch/data/x");
  EXPECT_FALSE(ctx.ResolvePath("//reference/none").ok());
}

}  // namespace
}  // namespace heyhi
