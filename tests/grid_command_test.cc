// SPEC §12 `run grid` and `run --sweep` on the test binary: launch what is
// missing, dedupe, retry/replace/cancel/clear/dropped, dry run, init,
// --jobs/--fail_fast, patterns.
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "heyhi/exp_dir.h"
#include "nlohmann/json.hpp"
#include "run_test_helpers.h"

namespace heyhi_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

class GridCommandTest : public ::testing::Test {
 protected:
  // A grid of the test task: `body` after the config line.
  std::string WriteGrid(const std::string& name, const std::string& body) {
    return box_.tree.Write("grids/" + name + ".prototxt",
                           "config: '" + SourceDir() + "/conf/c90_test/sleep.prototxt'\n" + body);
  }

  std::string GridFolder(const std::string& name) const { return box_.exp_root + "/grids/" + name; }

  // The exp dirs the grid links, by sig.
  std::map<std::string, std::string> Linked(const std::string& name) const {
    std::map<std::string, std::string> out;
    if (!fs::exists(GridFolder(name))) return out;
    for (const auto& entry : fs::directory_iterator(GridFolder(name))) {
      if (entry.is_symlink()) out[entry.path().filename()] = fs::read_symlink(entry.path());
    }
    return out;
  }

  std::vector<std::string> Statuses(const std::string& name) const {
    std::vector<std::string> out;
    for (const auto& [sig, dir] : Linked(name)) {
      out.push_back(heyhi::XpStatusName(heyhi::ExpDir(dir, box_.exp_root).Status()));
    }
    return out;
  }

  std::string Runs(const std::string& file) const { return box_.tree.Path("runs_" + file); }

  RunSandbox box_;
};

TEST_F(GridCommandTest, GridLaunchesEveryNotStartedMemberAndRunAgainLaunchesNothing) {
  const std::string grid = WriteGrid("four",
                                     "axis { key: 'lr' sweep: '0.1,0.2' }\n"
                                     "axis { key: 'tags' sweep: '[a],[b,c]' }\n");
  RunResult first = box_.Run({"grid", grid, "--jobs", "2", "--wait"});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_THAT(first.out, HasSubstr("launched 4 of 4 member(s)"));
  EXPECT_THAT(Statuses("four"), ::testing::Each("DONE"));
  EXPECT_EQ(Linked("four").size(), 4u);
  RunResult again = box_.Run({"grid", grid});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("nothing to launch"));
  EXPECT_THAT(again.out, Not(HasSubstr("launched ")));
}

TEST_F(GridCommandTest, DryRunLaunchesNothingAndWritesNothing) {
  const std::string grid = WriteGrid("dry", "axis { key: 'lr' sweep: '0.1,0.2,0.3' }\n");
  RunResult dry = box_.Run({"grid", grid, "--dry_run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_THAT(dry.out, HasSubstr("would launch 3 of 3"));
  EXPECT_TRUE(IsEmptyDir(box_.exp_root));
}

TEST_F(GridCommandTest, MembersThatComposeToOneConfigAreOneXp) {
  // lr=0.01 is the default: both members are the same experiment.
  const std::string grid = WriteGrid("dup",
                                     "xp { overrides: 'lr=0.01' }\nxp { }\n"
                                     "xp { overrides: 'lr=0.5' }\n");
  RunResult run = box_.Run({"grid", grid, "--wait"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("member 2 (" + box_.tree.Path("grids/dup.prototxt")));
  EXPECT_THAT(run.out, HasSubstr("composes to the config of member 1"));
  EXPECT_EQ(Linked("dup").size(), 2u);
}

TEST_F(GridCommandTest, AMemberThatDoesNotComposeNamesItselfAndNothingIsLaunched) {
  const std::string grid = WriteGrid("bad", "axis { key: 'lr' sweep: '0.1,oops' }\n");
  RunResult run = box_.Run({"grid", grid});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("member 2"));
  EXPECT_THAT(run.err, HasSubstr("lr=oops"));
  EXPECT_THAT(run.err, HasSubstr("nothing launched"));
  EXPECT_TRUE(IsEmptyDir(box_.exp_root));
  RunResult skip = box_.Run({"grid", grid, "--skip_bad", "--wait"});
  EXPECT_EQ(skip.exit_code, 0) << skip.err;
  EXPECT_THAT(skip.out, HasSubstr("launched 1 of 1"));
}

TEST_F(GridCommandTest, DeadMembersLaunchAgainOnlyWithRetry) {
  const std::string grid =
      WriteGrid("dead", "overrides: 'fail=true'\noverrides: 'write_file=" + Runs("dead") + "'\n");
  RunResult first = box_.Run({"grid", grid, "--wait"});
  EXPECT_EQ(first.exit_code, 1);
  EXPECT_THAT(first.err, HasSubstr("1 member(s) failed"));
  EXPECT_THAT(first.err, HasSubstr("test_sleep asked to fail"));  // the last lines of its log
  EXPECT_THAT(Statuses("dead"), ::testing::ElementsAre("DEAD"));
  RunResult again = box_.Run({"grid", grid, "--wait"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(CountLines(Runs("dead")), 1);
  RunResult retry = box_.Run({"grid", grid, "--wait", "--retry"});
  EXPECT_EQ(retry.exit_code, 1);
  EXPECT_EQ(CountLines(Runs("dead")), 2);
}

TEST_F(GridCommandTest, RunningMembersAreReplacedOnlyWithReplace) {
  const std::string release = box_.tree.Path("release");
  const std::string grid =
      WriteGrid("busy", "overrides: 'wait_file=" + release +
                            "'\noverrides: 'write_file=" + Runs("busy") + "'\n");
  RunResult first = box_.Run({"grid", grid});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_TRUE(WaitForFile(Runs("busy")));
  EXPECT_THAT(Statuses("busy"), ::testing::ElementsAre("RUNNING"));
  RunResult again = box_.Run({"grid", grid});
  EXPECT_THAT(again.out, HasSubstr("nothing to launch"));
  RunResult replace = box_.Run({"grid", grid, "--replace"});
  ASSERT_EQ(replace.exit_code, 0) << replace.err;
  for (int i = 0; i < 6000 && CountLines(Runs("busy")) < 2; ++i) usleep(10000);
  EXPECT_EQ(CountLines(Runs("busy")), 2);
  std::ofstream(release).put('\n');
  RunResult wait = box_.Run({"grid", grid, "--watch=1"});
  EXPECT_THAT(Statuses("busy"), ::testing::ElementsAre("DONE"));
}

TEST_F(GridCommandTest, DoneMembersLaunchAgainOnlyWithReplaceDone) {
  const std::string grid = WriteGrid("done", "overrides: 'write_file=" + Runs("done") + "'\n");
  ASSERT_EQ(box_.Run({"grid", grid, "--wait"}).exit_code, 0);
  ASSERT_EQ(box_.Run({"grid", grid, "--wait", "--retry", "--replace"}).exit_code, 0);
  EXPECT_EQ(CountLines(Runs("done")), 1);
  RunResult replace = box_.Run({"grid", grid, "--wait", "--replace_done"});
  ASSERT_EQ(replace.exit_code, 0) << replace.err;
  EXPECT_EQ(CountLines(Runs("done")), 2);
  EXPECT_THAT(Statuses("done"), ::testing::ElementsAre("DONE"));
}

TEST_F(GridCommandTest, CancelStopsTheRunningMembersAndLaunchesNothing) {
  const std::string grid = WriteGrid("stop", "overrides: 'wait_file=" + box_.tree.Path("never") +
                                                 "'\noverrides: 'write_file=" + Runs("stop") +
                                                 "'\naxis { key: 'lr' sweep: '1,2' }\n");
  ASSERT_EQ(box_.Run({"grid", grid, "--jobs", "2"}).exit_code, 0);
  for (int i = 0; i < 6000 && CountLines(Runs("stop")) < 2; ++i) usleep(10000);
  ASSERT_THAT(Statuses("stop"), ::testing::Each("RUNNING"));
  RunResult cancel = box_.Run({"grid", grid, "lr=1", "--cancel"});
  ASSERT_EQ(cancel.exit_code, 0) << cancel.err;
  EXPECT_THAT(cancel.out, HasSubstr("cancelling"));
  EXPECT_THAT(Statuses("stop"), ::testing::UnorderedElementsAre("DEAD", "RUNNING"));
  ASSERT_EQ(box_.Run({"grid", grid, "--cancel"}).exit_code, 0);
  EXPECT_THAT(Statuses("stop"), ::testing::Each("DEAD"));
  EXPECT_EQ(CountLines(Runs("stop")), 2);
}

TEST_F(GridCommandTest, ClearCancelsWipesAndLaunchesTheMatchingMembers) {
  const std::string grid = WriteGrid("clear", "overrides: 'write_file=" + Runs("clear") + "'\n");
  ASSERT_EQ(box_.Run({"grid", grid, "--wait"}).exit_code, 0);
  const std::string exp_dir = Linked("clear").begin()->second;
  box_.tree.Write(fs::relative(exp_dir, box_.tree.root()).string() + "/old_output.txt", "x");
  RunResult clear = box_.Run({"grid", grid, "--clear", "--force", "--wait"});
  ASSERT_EQ(clear.exit_code, 0) << clear.err;
  EXPECT_FALSE(fs::exists(exp_dir + "/old_output.txt"));
  EXPECT_EQ(CountLines(Runs("clear")), 2);
  EXPECT_THAT(Statuses("clear"), ::testing::ElementsAre("DONE"));
}

TEST_F(GridCommandTest, DroppedMembersAreListedAndCancelledOnlyWithCancelDropped) {
  const std::string never = box_.tree.Path("never");
  std::string grid = WriteGrid("drop", "overrides: 'wait_file=" + never +
                                           "'\noverrides: " + "'write_file=" + Runs("drop") +
                                           "'\naxis { key: 'lr' sweep: '1,2' }\n");
  ASSERT_EQ(box_.Run({"grid", grid, "--jobs", "2"}).exit_code, 0);
  for (int i = 0; i < 6000 && CountLines(Runs("drop")) < 2; ++i) usleep(10000);
  // Another grid links the lr=2 member too.
  WriteGrid("keep", "overrides: 'wait_file=" + never + "'\noverrides: 'write_file=" + Runs("drop") +
                        "'\noverrides: 'lr=2'\n");
  ASSERT_EQ(box_.Run({"grid", box_.tree.Path("grids/keep.prototxt")}).exit_code, 0);
  grid = WriteGrid("drop", "overrides: 'wait_file=" + never + "'\n");
  RunResult shown = box_.Run({"grid", grid, "--dry_run"});
  EXPECT_THAT(shown.out, HasSubstr("DROPPED"));
  EXPECT_THAT(Statuses("drop"), ::testing::Contains("RUNNING").Times(2));
  RunResult cancel = box_.Run({"grid", grid, "--cancel_dropped"});
  ASSERT_EQ(cancel.exit_code, 0) << cancel.err;
  EXPECT_THAT(cancel.out, HasSubstr("is linked by another grid: left alone"));
  EXPECT_THAT(cancel.out, HasSubstr("cancelling dropped"));
  EXPECT_THAT(Statuses("keep"), ::testing::ElementsAre("RUNNING"));
  ASSERT_EQ(box_.Run({"grid", box_.tree.Path("grids/keep.prototxt"), "--cancel"}).exit_code, 0);
  ASSERT_EQ(box_.Run({"grid", grid, "--cancel"}).exit_code, 0);
}

TEST_F(GridCommandTest, FailFastLaunchesNothingAfterTheFirstFailure) {
  const std::string grid = WriteGrid("ff",
                                     "xp { overrides: 'fail=true' }\nxp { overrides: 'lr=1' }\n"
                                     "xp { overrides: 'lr=2' }\n");
  RunResult run = box_.Run({"grid", grid, "--fail_fast", "--jobs", "1"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.out, HasSubstr("2 member(s) not launched after a failure"));
  EXPECT_THAT(Statuses("ff"),
              ::testing::UnorderedElementsAre("DEAD", "NOT_STARTED", "NOT_STARTED"));
}

TEST_F(GridCommandTest, InitRecordsEveryMemberWithoutLaunching) {
  const std::string grid = WriteGrid("init", "axis { key: 'lr' sweep: '1,2' }\n");
  RunResult init = box_.Run({"grid", grid, "--init"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_THAT(init.out, HasSubstr("recorded 2 member(s) without launching"));
  EXPECT_THAT(Statuses("init"), ::testing::Each("NOT_STARTED"));
  const std::string sig = Linked("init").begin()->first;
  RunResult info = box_.Run({"info", sig});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_THAT(info.out, HasSubstr("NOT_STARTED"));
  ASSERT_EQ(box_.Run({"grid", grid, "--wait"}).exit_code, 0);
  EXPECT_THAT(Statuses("init"), ::testing::Each("DONE"));
}

TEST_F(GridCommandTest, PatternsNarrowTheMembersActedOn) {
  const std::string grid = WriteGrid("pat", "axis { key: 'lr' sweep: '1,2,3' }\n");
  RunResult run = box_.Run({"grid", grid, "lr=2", "--wait"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("launched 1 of 1"));
  RunResult rest = box_.Run({"grid", grid, "!lr=2", "--wait"});
  EXPECT_THAT(rest.out, HasSubstr("launched 2 of 2"));
}

TEST_F(GridCommandTest, SweepOnTheCommandLineIsTheProductOfItsAxes) {
  RunResult run = box_.Run({"-c", "conf/c90_test/sleep.prototxt", "--sweep", "lr=0.1,0.2",
                            "tags=[a,b]", "seed=range(0,2)", "--dry_run"});
  // seed is no field of the test task: named, nothing launched.
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("seed"));
  RunResult sweep = box_.Run(
      {"-c", "conf/c90_test/sleep.prototxt", "--sweep", "lr=0.1,0.2", "tags=[a,b]", "--wait"});
  ASSERT_EQ(sweep.exit_code, 0) << sweep.err;
  EXPECT_THAT(sweep.out, HasSubstr("launched 2 of 2"));
  RunResult again =
      box_.Run({"-c", "conf/c90_test/sleep.prototxt", "--sweep", "lr=0.1,0.2", "tags=[a,b]"});
  EXPECT_THAT(again.out, HasSubstr("nothing to launch"));
}

TEST_F(GridCommandTest, CommaWithoutSweepIsJustACharacter) {
  RunResult run = box_.Run({"-c", "conf/c90_test/sleep.prototxt", "tags=[a,b]", "--print-flat"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("tags.0=a"));
  RunResult bad = box_.Run({"-c", "conf/c90_test/sleep.prototxt", "lr=0.1,0.2", "--print"});
  EXPECT_NE(bad.exit_code, 0);
}

TEST_F(GridCommandTest, JsonPrintsOneDocumentOnStdout) {
  const std::string grid = WriteGrid("js", "axis { key: 'lr' sweep: '1,2' }\n");
  RunResult run = box_.Run({"grid", grid, "--wait", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  nlohmann::json doc = nlohmann::json::parse(run.out);
  EXPECT_EQ(doc["grid"], "js");
  ASSERT_EQ(doc["rows"].size(), 2u);
  EXPECT_EQ(doc["rows"][0]["status"], "DONE");
  EXPECT_THAT(run.err, HasSubstr("launched 2 of 2"));
}

TEST_F(GridCommandTest, HtmlWritesOnePageWithTheTableAndAChartPerMetric) {
  const std::string grid = WriteGrid("page",
                                     "overrides: 'metrics_epochs=2'\n"
                                     "axis { key: 'lr' sweep: '1,2' }\nmetrics: 'loss'\n");
  const std::string page = box_.tree.Path("page.html");
  RunResult run = box_.Run({"grid", grid, "--wait", "--html", page});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string html = ReadAll(page);
  EXPECT_THAT(html, HasSubstr("status-DONE"));
  EXPECT_THAT(html, HasSubstr("data-metric=\"loss\""));
  EXPECT_THAT(html, HasSubstr("<svg"));
  RunResult dry = box_.Run({"grid", grid, "--dry_run", "--html", box_.tree.Path("dry.html")});
  EXPECT_FALSE(fs::exists(box_.tree.Path("dry.html")));
}

TEST_F(GridCommandTest, UnknownGridListsTheGrids) {
  RunResult run = box_.Run({"grid", "no_such_grid"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("no grid \"no_such_grid\""));
  EXPECT_THAT(run.err, HasSubstr("mlp_lr"));
  RunResult usage = box_.Run({"grid", "x", "--jobs", "0"});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_THAT(usage.err, HasSubstr("--jobs 0"));
}

}  // namespace
}  // namespace heyhi_test
