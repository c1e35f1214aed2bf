// Tests of SPEC §1 (conf root) and §2 (include resolution, first match wins).
#include "heyhi/config/include_resolver.h"

#include <stdlib.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scoped_env.h"
#include "temp_tree.h"

namespace heyhi {
namespace {

using ::testing::HasSubstr;

// A project: <root>/conf/{exp/cfg.prototxt, common/...}.
class IncludeResolution : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = tree_.Write("conf/exp/cfg.prototxt", "");
    search_ = MakeSearchPath(config_);
  }
  std::string Resolve(const std::string& path, const std::string& mount = "") {
    absl::StatusOr<std::string> resolved =
        ResolveInclude(path, mount, tree_.Path("conf/exp"), search_);
    return resolved.ok() ? *resolved : "ERROR: " + std::string(resolved.status().message());
  }

  ScopedEnv conf_root_{"HH_CONF_ROOT", std::nullopt};
  TempTree tree_;
  std::string config_;
  SearchPath search_;
};

TEST_F(IncludeResolution, ConfRootIsTheNearestAncestorNamedConf) {
  EXPECT_EQ(search_.conf_root, tree_.Path("conf"));
  EXPECT_EQ(search_.project_root, tree_.root());
  const std::string deeper = tree_.Write("conf/a/conf/b/x.prototxt", "");
  EXPECT_EQ(FindConfRoot(deeper), tree_.Path("conf/a/conf"));
}

TEST_F(IncludeResolution, ConfRootFromHhConfRootWhenSet) {
  conf_root_.Set(tree_.Path("elsewhere"));
  EXPECT_EQ(FindConfRoot(config_), tree_.Path("elsewhere"));
}

TEST_F(IncludeResolution, ConfRootGivenExplicitlyWins) {
  SearchPath search = MakeSearchPath(config_, tree_.Path("conf/exp"));
  EXPECT_EQ(search.conf_root, tree_.Path("conf/exp"));
  EXPECT_EQ(search.project_root, tree_.Path("conf"));
}

TEST_F(IncludeResolution, ConfRootIsTheFileFolderWithoutAnAncestorNamedConf) {
  const std::string loose = tree_.Write("loose/x.prototxt", "");
  EXPECT_EQ(FindConfRoot(loose), tree_.Path("loose"));
}

TEST_F(IncludeResolution, AbsolutePathIsUsedAsIsWithoutAddingAnExtension) {
  const std::string file = tree_.Write("abs/chunk.txt", "");
  EXPECT_EQ(Resolve(file), file);
  EXPECT_THAT(Resolve(tree_.Path("abs/chunk")), HasSubstr("ERROR: "));
  EXPECT_THAT(Resolve(tree_.Path("abs/missing.prototxt")), HasSubstr("no such file"));
}

TEST_F(IncludeResolution, PathWithSlashThatExistsUnderTheProjectRootIsUsedAsIs) {
  const std::string file = tree_.Write("conf/common/launcher/local.prototxt", "");
  tree_.Write("conf/exp/conf/common/launcher/local.prototxt", "");  // must not win
  EXPECT_EQ(Resolve("conf/common/launcher/local.prototxt"), file);
}

TEST_F(IncludeResolution, NameIsLookedUpInTheIncludingFolderFirst) {
  const std::string here = tree_.Write("conf/exp/agent.prototxt", "");
  tree_.Write("conf/common/agent.prototxt", "");
  EXPECT_EQ(Resolve("agent"), here);
}

TEST_F(IncludeResolution, ThenInConfCommon) {
  const std::string common = tree_.Write("conf/common/launcher/slurm.prototxt", "");
  EXPECT_EQ(Resolve("launcher/slurm"), common);
}

TEST_F(IncludeResolution, ThenInTheExtraIncludeDirsInOrder) {
  const std::string first = tree_.Write("extra1/thing.prototxt", "");
  tree_.Write("extra2/thing.prototxt", "");
  const std::string only_second = tree_.Write("extra2/other.prototxt", "");
  search_ = MakeSearchPath(config_, "", {tree_.Path("extra1"), tree_.Path("extra2")});
  EXPECT_EQ(Resolve("thing"), first);
  EXPECT_EQ(Resolve("other"), only_second);
}

TEST_F(IncludeResolution, ThenEachFolderJoinedWithTheMountDotsBecomeSlashes) {
  const std::string in_mount = tree_.Write("conf/common/encoder/mlp/small.prototxt", "");
  EXPECT_EQ(Resolve("small", "encoder.mlp"), in_mount);
  const std::string here_in_mount = tree_.Write("conf/exp/encoder/mlp/small.prototxt", "");
  EXPECT_EQ(Resolve("small", "encoder.mlp"), here_in_mount);
  // The plain folders come before any mount folder.
  const std::string plain = tree_.Write("conf/common/small.prototxt", "");
  EXPECT_EQ(Resolve("small", "encoder.mlp"), plain);
}

TEST_F(IncludeResolution, MountFoldersDropIndexSteps) {
  const std::string file = tree_.Write("conf/common/agents/random.prototxt", "");
  EXPECT_EQ(Resolve("random", "agents.-1"), file);
  EXPECT_EQ(Resolve("random", "agents.0"), file);
}

TEST_F(IncludeResolution, TrailingPrototxtIsStripped) {
  const std::string file = tree_.Write("conf/common/launcher/slurm.prototxt", "");
  EXPECT_EQ(Resolve("launcher/slurm.prototxt"), file);
  EXPECT_EQ(Resolve("slurm.prototxt", "launcher"), file);
}

TEST_F(IncludeResolution, NotFoundListsSearchedFoldersKnownNamesAndTheClosest) {
  for (const char* name : {"local", "slurm", "slurm_8gpus", "a", "b", "c", "d"}) {
    tree_.Write(std::string("conf/common/launcher/") + name + ".prototxt", "");
  }
  tree_.Write("conf/common/launcher/notes.txt", "");
  const std::string error = Resolve("slrum", "launcher");
  EXPECT_THAT(error, HasSubstr("include \"slrum\" (mount \"launcher\") not found"));
  EXPECT_THAT(error, HasSubstr(tree_.Path("conf/exp") + ", " + tree_.Path("conf/common") + ", " +
                               tree_.Path("conf/exp/launcher") + ", " +
                               tree_.Path("conf/common/launcher")));
  EXPECT_THAT(error, HasSubstr("known names: a, b, c, cfg, d, local, slurm, slurm_8gpus;"));
  EXPECT_THAT(error, HasSubstr("closest: slurm, "));
  EXPECT_THAT(error, ::testing::Not(HasSubstr("notes")));
}

TEST_F(IncludeResolution, NotFoundNamesIncludeTheFolderPartOfThePath) {
  tree_.Write("conf/common/launcher/slurm.prototxt", "");
  const std::string error = Resolve("launcher/slrum", "launcher");
  EXPECT_THAT(error, HasSubstr("known names: launcher/slurm;"));
  EXPECT_THAT(error, HasSubstr("closest: launcher/slurm"));
}

}  // namespace
}  // namespace heyhi
