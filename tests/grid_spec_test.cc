// SPEC §12 grid files: product of axes, zip, explicit xps, sub-grids and
// included grids, launcher overrides; errors name the file and line.
#include "heyhi/config/grid_spec.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scoped_env.h"
#include "temp_tree.h"

namespace heyhi {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class GridSpecTest : public ::testing::Test {
 protected:
  GridSpecTest() { tree_.Write("conf/c/base.prototxt", "test_sleep { }\n"); }

  absl::StatusOr<GridSpec> Load(const std::string& text, const std::string& name = "g") {
    return LoadGridFile(tree_.Write("conf/grids/" + name + ".prototxt", text));
  }

  std::vector<std::vector<std::string>> Members(const GridSpec& spec) {
    std::vector<std::vector<std::string>> out;
    for (const GridMember& member : spec.members) out.push_back(member.overrides);
    return out;
  }

  TempTree tree_;
};

TEST_F(GridSpecTest, AxesAreAProductAfterTheCommonOverrides) {
  absl::StatusOr<GridSpec> spec = Load(
      "config: 'c/base.prototxt'\n"
      "overrides: 'seconds=0'\n"
      "axis { key: 'lr' sweep: '1,2' }\n"
      "axis { key: 'tags' values: '[a,b]' values: '[c]' }\n");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->name, "g");
  EXPECT_THAT(Members(*spec), ElementsAre(ElementsAre("seconds=0", "lr=1", "tags=[a,b]"),
                                          ElementsAre("seconds=0", "lr=1", "tags=[c]"),
                                          ElementsAre("seconds=0", "lr=2", "tags=[a,b]"),
                                          ElementsAre("seconds=0", "lr=2", "tags=[c]")));
  EXPECT_EQ(spec->members[0].config, tree_.Path("conf/c/base.prototxt"));
}

TEST_F(GridSpecTest, ZipWalksItsAxesTogether) {
  absl::StatusOr<GridSpec> spec = Load(
      "config: 'c/base.prototxt'\n"
      "zip { axis { key: 'lr' sweep: '1,2' } axis { key: 'seconds' sweep: '0,0.5' } }\n");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_THAT(Members(*spec),
              ElementsAre(ElementsAre("lr=1", "seconds=0"), ElementsAre("lr=2", "seconds=0.5")));
}

TEST_F(GridSpecTest, ZipOfUnequalLengthsNamesTheLine) {
  absl::StatusOr<GridSpec> spec = Load(
      "config: 'c/base.prototxt'\n"
      "zip { axis { key: 'lr' sweep: '1,2' } axis { key: 'seconds' sweep: '0' } }\n");
  ASSERT_FALSE(spec.ok());
  EXPECT_THAT(std::string(spec.status().message()), HasSubstr("g.prototxt:2"));
  EXPECT_THAT(std::string(spec.status().message()), HasSubstr("same number of values"));
}

TEST_F(GridSpecTest, EachXpIsCrossedWithTheAxes) {
  absl::StatusOr<GridSpec> spec = Load(
      "config: 'c/base.prototxt'\n"
      "xp { overrides: 'lr=1' }\n"
      "xp { overrides: 'lr=2' overrides: 'seconds=1' }\n"
      "axis { key: 'tags' sweep: '[a],[b]' }\n"
      "launcher: 'launcher.local.num_procs=1'\n");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_THAT(
      Members(*spec),
      ElementsAre(ElementsAre("lr=1", "tags=[a]", "launcher.local.num_procs=1"),
                  ElementsAre("lr=1", "tags=[b]", "launcher.local.num_procs=1"),
                  ElementsAre("lr=2", "seconds=1", "tags=[a]", "launcher.local.num_procs=1"),
                  ElementsAre("lr=2", "seconds=1", "tags=[b]", "launcher.local.num_procs=1")));
  EXPECT_THAT(spec->members[2].origin, HasSubstr("g.prototxt:3"));
}

TEST_F(GridSpecTest, SubGridsAndIncludedGridsInheritConfigAndOverrides) {
  tree_.Write("conf/c/other.prototxt", "test_sleep { lr: 3 }\n");
  tree_.Write("conf/grids/part.prototxt", "axis { key: 'seconds' sweep: '0,1' }\n");
  absl::StatusOr<GridSpec> spec = Load(
      "config: 'c/base.prototxt'\n"
      "overrides: 'lr=5'\n"
      "metrics: 'loss'\n"
      "grid { config: 'c/other.prototxt' xp { overrides: 'tags=[x]' } }\n"
      "include: 'part'\n");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_THAT(Members(*spec),
              ElementsAre(ElementsAre("lr=5", "tags=[x]"), ElementsAre("lr=5", "seconds=0"),
                          ElementsAre("lr=5", "seconds=1")));
  EXPECT_EQ(spec->members[0].config, tree_.Path("conf/c/other.prototxt"));
  EXPECT_EQ(spec->members[1].config, tree_.Path("conf/c/base.prototxt"));
  EXPECT_THAT(spec->metrics, ElementsAre("loss"));
}

TEST_F(GridSpecTest, GridIncludeCycleIsAnError) {
  tree_.Write("conf/grids/a.prototxt", "config: 'c/base.prototxt' include: 'b'\n");
  tree_.Write("conf/grids/b.prototxt", "include: 'a'\n");
  absl::StatusOr<GridSpec> spec = LoadGridFile(tree_.Path("conf/grids/a.prototxt"));
  ASSERT_FALSE(spec.ok());
  EXPECT_THAT(std::string(spec.status().message()), HasSubstr("grid include cycle"));
}

TEST_F(GridSpecTest, MissingConfigAndBadFieldsAreLocated) {
  absl::StatusOr<GridSpec> none = Load("axis { key: 'lr' sweep: '1' }\n");
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(std::string(none.status().message()), HasSubstr("names no config"));
  absl::StatusOr<GridSpec> typo = Load("config: 'c/base.prototxt'\naxes { key: 'lr' }\n");
  ASSERT_FALSE(typo.ok());
  EXPECT_THAT(std::string(typo.status().message()), HasSubstr("g.prototxt:2:"));
  absl::StatusOr<GridSpec> missing = Load("config: 'c/nope.prototxt'\n");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("g.prototxt:1"));
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("c/nope.prototxt"));
  absl::StatusOr<GridSpec> empty_axis = Load("config: 'c/base.prototxt'\naxis { key: 'lr' }\n");
  ASSERT_FALSE(empty_axis.ok());
  EXPECT_THAT(std::string(empty_axis.status().message()), HasSubstr("has no values"));
}

TEST_F(GridSpecTest, FindGridFileListsTheGridsWhenNotFound) {
  tree_.Write("conf/grids/mine.prototxt", "config: 'c/base.prototxt'\n");
  ScopedEnv conf_root("HH_CONF_ROOT", tree_.Path("conf"));
  absl::StatusOr<std::string> found = FindGridFile("mine");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, tree_.Path("conf/grids/mine.prototxt"));
  absl::StatusOr<std::string> missing = FindGridFile("mien");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("grids in"));
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("mine"));
}

TEST_F(GridSpecTest, SweepGridIsNamedByItsCommandLine) {
  const std::string config = tree_.Path("conf/c/base.prototxt");
  absl::StatusOr<GridSpec> a = SweepGrid(config, {"lr=1,2", "tags=[a,b]"});
  absl::StatusOr<GridSpec> b = SweepGrid(config, {"lr=1,2", "tags=[a,b]"});
  absl::StatusOr<GridSpec> c = SweepGrid(config, {"lr=1,3"});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->name, b->name);
  EXPECT_NE(a->name, c->name);
  EXPECT_THAT(Members(*a),
              ElementsAre(ElementsAre("lr=1", "tags=[a,b]"), ElementsAre("lr=2", "tags=[a,b]")));
}

}  // namespace
}  // namespace heyhi
