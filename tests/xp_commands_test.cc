// Finding, inspecting, comparing and rerunning experiments (SPEC §11): run
// info, ls, diff, plot and -f SIG on real exp dirs made by the test binary.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "heyhi/exp_dir.h"
#include "heyhi/experiment/metrics.h"
#include "heyhi/experiment/xp_index.h"
#include "heyhi/experiment/xp_record.h"
#include "heyhi/task.h"
#include "nlohmann/json.hpp"
#include "run_test_helpers.h"

namespace {

namespace fs = std::filesystem;
using heyhi_test::Line;
using heyhi_test::ReadAll;
using heyhi_test::RunResult;
using heyhi_test::RunSandbox;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

const char kSleep[] = "conf/c90_test/sleep.prototxt";

// The sig at the end of an exp dir's name.
std::string SigOf(const std::string& dir) { return heyhi::SigFromExpDirName(dir); }

// The value of the aligned line "<label>:   value" of `info`'s summary.
std::string Field(const std::string& out, const std::string& label) {
  std::string value = Line(out, label);
  value.erase(0, value.find_first_not_of(' '));
  return value;
}

json ParseJson(const std::string& text) {
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(parsed.is_discarded()) << "not JSON:\n" << text;
  return parsed;
}

// Runs the sleep config with `overrides` and returns its exp dir.
std::string Launch(const RunSandbox& box, std::vector<std::string> overrides) {
  overrides.insert(overrides.begin(), {"-c", kSleep});
  const RunResult r = box.Run(overrides);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  return Line(r.out, "exp dir");
}

// Every file under `root`, for "nothing was written" checks.
std::vector<std::string> Tree(const std::string& root) {
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(XpIndex, EveryLaunchedXpIsIndexedUnderItsSigAndKeepsARecord) {
  RunSandbox box;
  const std::string dir = Launch(box, {"lr=0.5"});
  const std::string sig = SigOf(dir);
  ASSERT_EQ(sig.size(), 12u);
  EXPECT_EQ(fs::read_symlink(box.exp_root + "/.xps/" + sig).string(), dir);
  absl::StatusOr<heyhi::XpRecord> record = heyhi::ReadXpRecord(heyhi::ExpDir(dir, box.exp_root));
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->sig(), sig);
  EXPECT_EQ(record->config(), kSleep);
  EXPECT_EQ(record->config_abs(), heyhi_test::SourceDir() + "/" + kSleep);
  ASSERT_EQ(record->overrides_size(), 1);
  EXPECT_EQ(record->overrides(0), "lr=0.5");
  EXPECT_EQ(record->task(), "test_sleep");
  EXPECT_EQ(record->tag(), "lr@0.5");
  EXPECT_THAT(record->command(), HasSubstr(" -c conf/c90_test/sleep.prototxt lr=0.5"));
  EXPECT_GT(record->created(), 0);
  EXPECT_GE(record->started(), record->created());
  EXPECT_GE(record->ended(), record->started());
  ASSERT_EQ(record->job_ids_size(), 1);
  EXPECT_EQ(record->job_ids(0).rfind("local:", 0), 0u);
}

TEST(XpIndex, ALinkThatAKilledRunLeftHalfMadeIsRemovedByTheNext) {
  RunSandbox box;
  const std::string dir = Launch(box, {"lr=0.5"});
  const std::string sig = SigOf(dir);
  // A run killed between making its temporary link and renaming it.
  fs::create_directory_symlink(dir, box.exp_root + "/.xps/" + sig + ".tmp.999999");
  ASSERT_TRUE(heyhi::IndexXp(box.exp_root, sig, dir).ok());  // already right: nothing done
  ASSERT_TRUE(heyhi::IndexXp(box.exp_root, sig, box.exp_root).ok());
  EXPECT_FALSE(fs::is_symlink(box.exp_root + "/.xps/" + sig + ".tmp.999999"));
  EXPECT_EQ(fs::read_symlink(box.exp_root + "/.xps/" + sig).string(), box.exp_root);
}

TEST(Info, ShowsStatusConfigOverridesGitTimesMetricsAndLogs) {
  RunSandbox box;
  const std::string dir = Launch(box, {"lr=0.5", "metrics_epochs=3"});
  const RunResult r = box.Run({"info", SigOf(dir)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Field(r.out, "exp dir"), dir);
  EXPECT_THAT(Field(r.out, "status"), HasSubstr("DONE"));
  EXPECT_THAT(Field(r.out, "config"), HasSubstr(kSleep));
  EXPECT_THAT(Field(r.out, "overrides"), HasSubstr("lr=0.5 metrics_epochs=3"));
  EXPECT_THAT(Field(r.out, "jobs"), HasSubstr("local:"));
  EXPECT_THAT(Field(r.out, "metrics"), HasSubstr("\"epoch\":3"));
  EXPECT_THAT(Field(r.out, "logs"), HasSubstr(dir + "/run.log"));
  EXPECT_THAT(Field(r.out, "stale"), HasSubstr("no"));
  EXPECT_NE(Field(r.out, "git"), "");
}

TEST(Info, JsonIsOneDocumentWithEveryField) {
  RunSandbox box;
  const std::string dir = Launch(box, {"metrics_epochs=2"});
  const RunResult r = box.Run({"info", SigOf(dir).substr(0, 6), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json info = ParseJson(r.out);
  EXPECT_EQ(info["exp_dir"], dir);
  EXPECT_EQ(info["sig"], SigOf(dir));
  EXPECT_EQ(info["status"], "DONE");
  EXPECT_EQ(info["overrides"], json::array({"metrics_epochs=2"}));
  EXPECT_EQ(info["last_metrics"]["epoch"], 2);
  EXPECT_EQ(info["last_metrics"]["step"], 20);
  EXPECT_DOUBLE_EQ(info["last_metrics"]["loss"].get<double>(), 0.5);
  EXPECT_EQ(info["stale"]["checked"], true);
  EXPECT_TRUE(info["stale"]["changed"].empty());
  EXPECT_TRUE(info["git"].contains("dirty"));
  EXPECT_GT(info["created"].get<int64_t>(), 0);
}

TEST(Info, TheExpDirPathWorksWhereASigDoes) {
  RunSandbox box;
  const std::string dir = Launch(box, {});
  const RunResult r = box.Run({"info", dir, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ParseJson(r.out)["sig"], SigOf(dir));
}

TEST(Info, TailPrintsTheLastLinesOfTheMainLog) {
  RunSandbox box;
  const std::string dir = Launch(box, {});
  const RunResult r = box.Run({"info", SigOf(dir), "--tail", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("==> " + dir + "/run.log <=="));
  EXPECT_THAT(r.out, HasSubstr("task test_sleep done"));
  EXPECT_THAT(r.out, Not(HasSubstr("running task test_sleep")));
}

TEST(Info, UnknownOrShortSigAndAFolderNotHeyhisAreErrorsThatWriteNothing) {
  RunSandbox box;
  Launch(box, {});
  const std::vector<std::string> before = Tree(box.exp_root);
  RunResult r = box.Run({"info", "ffffffff"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("no experiment with signature ffffffff"));
  r = box.Run({"info", "abc"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("at least 4 hex characters"));
  r = box.Run({"info", box.scratch});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("is not a heyhi exp dir"));
  EXPECT_EQ(Tree(box.exp_root), before);
}

TEST(Info, AfterEditingAnIncludedFileReportsTheStaleKeyAndTheFileThatNowSetsIt) {
  RunSandbox box;
  box.tree.Write("proj/conf/common/rate.prototxt", "lr: 0.25\n");
  box.tree.Write("proj/conf/exps/x.prototxt",
                 "includes { path: \"rate\" mount: \"\" }\ntest_sleep { seconds: 0 }\n");
  const RunResult launched = box.Run({"-c", box.tree.Path("proj/conf/exps/x.prototxt")});
  ASSERT_EQ(launched.exit_code, 0) << launched.err;
  const std::string sig = SigOf(Line(launched.out, "exp dir"));
  box.tree.Write("proj/conf/common/rate.prototxt", "# edited\nlr: 0.75\n");
  const RunResult r = box.Run({"info", sig});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(Field(r.out, "stale"), HasSubstr("yes"));
  EXPECT_THAT(r.out, HasSubstr("lr: 0.25 -> 0.75"));
  EXPECT_THAT(r.out, HasSubstr("rate.prototxt:2"));
  const json info = ParseJson(box.Run({"info", sig, "--json"}).out);
  ASSERT_EQ(info["stale"]["changed"].size(), 1u);
  EXPECT_EQ(info["stale"]["changed"][0]["key"], "lr");
  EXPECT_EQ(info["stale"]["changed"][0]["ran"], "0.25");
  EXPECT_EQ(info["stale"]["changed"][0]["today"], "0.75");
}

TEST(Info, AnXpWhoseConfigFileWasDeletedStillShowsWhatItRan) {
  RunSandbox box;
  box.tree.Write("proj/conf/exps/gone.prototxt", "test_sleep { lr: 0.125 }\n");
  const RunResult launched = box.Run({"-c", box.tree.Path("proj/conf/exps/gone.prototxt")});
  ASSERT_EQ(launched.exit_code, 0) << launched.err;
  fs::remove(box.tree.Path("proj/conf/exps/gone.prototxt"));
  const std::string sig = SigOf(Line(launched.out, "exp dir"));
  const RunResult r = box.Run({"info", sig});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(Field(r.out, "stale"), HasSubstr("no longer exists"));
  const RunResult diff = box.Run({"diff", sig, sig});
  ASSERT_EQ(diff.exit_code, 0) << diff.err;
  EXPECT_THAT(diff.out, HasSubstr("same config"));
}

TEST(Ls, OneRowPerXpNewestFirstFilteredByPatternsAndStatus) {
  RunSandbox box;
  const std::string done = Launch(box, {"lr=0.5", "metrics_epochs=1"});
  const RunResult failed = box.Run({"-c", kSleep, "fail=true"});
  ASSERT_EQ(failed.exit_code, 1);
  const std::string dead = Line(failed.out, "exp dir");
  RunResult r = box.Run({"ls"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(SigOf(done)));
  EXPECT_THAT(r.out, HasSubstr(SigOf(dead)));
  EXPECT_THAT(r.out, HasSubstr("2 experiment(s)"));
  EXPECT_THAT(r.out, HasSubstr("loss=1"));
  r = box.Run({"ls", "--status", "DEAD"});
  EXPECT_THAT(r.out, HasSubstr(SigOf(dead)));
  EXPECT_THAT(r.out, Not(HasSubstr(SigOf(done))));
  r = box.Run({"ls", "lr@0.5"});
  EXPECT_THAT(r.out, HasSubstr(SigOf(done)));
  EXPECT_THAT(r.out, Not(HasSubstr(SigOf(dead))));
  r = box.Run({"ls", "!lr@0.5"});
  EXPECT_THAT(r.out, Not(HasSubstr(SigOf(done))));
  EXPECT_THAT(r.out, HasSubstr(SigOf(dead)));
  r = box.Run({"ls", "--status", "sleeping"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("expected NOT_STARTED, RUNNING, DONE or DEAD"));
}

TEST(Ls, JsonIsAnArrayOfRowsNewestFirst) {
  RunSandbox box;
  const std::string first = Launch(box, {"lr=0.5", "metrics_epochs=2"});
  const std::string second = Launch(box, {"lr=0.75"});
  const json rows = ParseJson(box.Run({"ls", "--json", "--since", "1h"}).out);
  ASSERT_EQ(rows.size(), 2u);
  std::set<std::string> sigs = {rows[0]["sig"], rows[1]["sig"]};
  EXPECT_EQ(sigs, (std::set<std::string>{SigOf(first), SigOf(second)}));
  EXPECT_GE(rows[0]["created"].get<int64_t>(), rows[1]["created"].get<int64_t>());
  for (const json& row : rows) {
    EXPECT_EQ(row["status"], "DONE");
    if (row["sig"] == SigOf(first)) {
      EXPECT_EQ(row["epoch"], 2);
      EXPECT_DOUBLE_EQ(row["metrics"]["loss"].get<double>(), 0.5);
      EXPECT_FALSE(row["metrics"].contains("time"));
    }
  }
}

TEST(RunFrom, NoOverridesIsTheSameXpAndTheSameFolder) {
  RunSandbox box;
  const std::string dir = Launch(box, {"lr=0.5"});
  const RunResult r = box.Run({"-f", SigOf(dir)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Line(r.out, "exp dir"), dir);
  EXPECT_EQ(Line(r.out, "status"), "DONE");  // gentle_start: already done, skipped
}

TEST(RunFrom, AnOverrideMakesANewXpWhoseDiffAgainstTheParentIsExactlyThatKey) {
  RunSandbox box;
  const std::string parent = Launch(box, {"lr=0.5"});
  const RunResult r = box.Run({"-f", SigOf(parent).substr(0, 5), "lr=0.01"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string child = Line(r.out, "exp dir");
  EXPECT_NE(child, parent);
  EXPECT_THAT(child, HasSubstr("lr@0.5@lr@0.01_"));  // the parent's tag, then the new one
  const json diff = ParseJson(box.Run({"diff", SigOf(parent), SigOf(child), "--json"}).out);
  ASSERT_EQ(diff["changed"].size(), 1u);
  EXPECT_EQ(diff["changed"][0]["key"], "lr");
  EXPECT_EQ(diff["changed"][0]["a"], "0.5");
  EXPECT_EQ(diff["changed"][0]["b"], "0.01");
  EXPECT_TRUE(diff["only_in_a"].empty());
  EXPECT_TRUE(diff["only_in_b"].empty());
  const json info = ParseJson(box.Run({"info", SigOf(child), "--json"}).out);
  EXPECT_EQ(info["parent_sig"], SigOf(parent));
}

TEST(RunFrom, AnXpMadeBeforeRecordsExistedIsFoundAgainWithNoOverrides) {
  RunSandbox box;
  const std::string dir = Launch(box, {"lr=0.5"});
  std::filesystem::remove(dir + "/heyhi.xp.prototxt");  // as a folder of an older heyhi
  const RunResult info = box.Run({"info", dir, "--json"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_EQ(ParseJson(info.out)["tag"], "lr@0.5");
  const RunResult r = box.Run({"-f", dir});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Line(r.out, "exp dir"), dir);
}

TEST(RunFrom, StartsFromTheStoredConfigNotTodaysFiles) {
  RunSandbox box;
  box.tree.Write("proj/conf/exps/y.prototxt", "test_sleep { lr: 0.25 }\n");
  const RunResult launched = box.Run({"-c", box.tree.Path("proj/conf/exps/y.prototxt")});
  ASSERT_EQ(launched.exit_code, 0) << launched.err;
  const std::string parent = SigOf(Line(launched.out, "exp dir"));
  box.tree.Write("proj/conf/exps/y.prototxt", "test_sleep { lr: 0.75 seconds: 1 }\n");
  const RunResult r = box.Run({"-f", parent, "--print-flat"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "lr=0.25\n");
}

TEST(RunFrom, AnOverrideThatNoLongerFitsTheSchemaIsAnErrorThatWritesNothing) {
  RunSandbox box;
  const std::string parent = Launch(box, {});
  const std::vector<std::string> before = Tree(box.exp_root);
  RunResult r = box.Run({"-f", SigOf(parent), "no_such_field=1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("no_such_field"));
  r = box.Run({"-f", SigOf(parent), "Ilauncher=slurm"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("give key=value overrides"));
  r = box.Run({"-f", SigOf(parent), "-c", kSleep});
  EXPECT_EQ(r.exit_code, 2);  // bad usage
  EXPECT_THAT(r.err, HasSubstr("not both"));
  EXPECT_EQ(Tree(box.exp_root), before);
}

TEST(RunFrom, ADamagedStoredConfigIsAnErrorAtItsLineAndColumnThatWritesNothing) {
  RunSandbox box;
  const std::string parent = Launch(box, {});
  box.tree.Write(parent.substr(box.tree.root().size() + 1) + "/config_meta.prototxt",
                 "test_sleep {\n  lr: x\n}\n");
  const std::vector<std::string> before = Tree(box.exp_root);
  const RunResult r = box.Run({"-f", SigOf(parent), "lr=0.5"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err,
              HasSubstr("run: " + parent + "/config_meta.prototxt:2:7: Expected double, got: x"));
  EXPECT_THAT(r.err, HasSubstr("written by another schema, or damaged"));
  EXPECT_THAT(r.err, Not(HasSubstr("libprotobuf")));
  EXPECT_EQ(Tree(box.exp_root), before);
}

TEST(Diff, ComparesASigWithAConfigAndOverridesKeyByKey) {
  RunSandbox box;
  const std::string dir = Launch(box, {"lr=0.5"});
  const RunResult r =
      box.Run({"diff", SigOf(dir), "-c", kSleep, "lr=0.5", "tags=[a]", "seconds=0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("only in B:\n  tags.0=a\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("changed:")));
  const RunResult bad = box.Run({"diff", SigOf(dir)});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("usage: run diff A B"));
}

TEST(Plot, DrawsOneChartPerMetricWithOneLinePerXp) {
  RunSandbox box;
  const std::string a = Launch(box, {"lr=0.5", "metrics_epochs=3"});
  const std::string b = Launch(box, {"lr=0.25", "metrics_epochs=2"});
  const std::string svg = box.scratch + "/curves.svg";
  const RunResult r = box.Run({"plot", SigOf(a), SigOf(b), "-o", svg, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ParseJson(r.out)["metrics"], json::array({"loss", "lr"}));
  const std::string text = ReadAll(svg);
  size_t paths = 0;
  for (size_t at = text.find("class=\"series\""); at != std::string::npos;
       at = text.find("class=\"series\"", at + 1)) {
    ++paths;
  }
  EXPECT_EQ(paths, 4u);  // 2 metrics x 2 experiments
  EXPECT_THAT(text, HasSubstr("data-label=\"lr@0.5@met@3 " + SigOf(a) + "\""));
  const RunResult one = box.Run({"plot", SigOf(a), "--metric", "loss", "-o", svg});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_THAT(one.out, HasSubstr("1 chart(s)"));
}

TEST(Metrics, AResumedRunContinuesTheHistoryWithoutRepeatingAnEpoch) {
  heyhi::TempTree tree;
  heyhi::JobContext::Job job;
  job.exp_dir = tree.root();
  const heyhi::JobContext first_run(job);
  for (int epoch : {1, 2, 3}) ASSERT_TRUE(first_run.LogMetrics({{"loss", epoch}}, epoch).ok());
  // Resumed from the checkpoint of epoch 1: epoch 2 is done again, and twice
  // in one epoch is two lines.
  const heyhi::JobContext resumed(job);
  ASSERT_TRUE(resumed.LogMetrics({{"loss", 20}}, 2, 5).ok());
  ASSERT_TRUE(resumed.LogMetrics({{"loss", 21}}, 2, 6).ok());
  std::vector<std::string> warnings;
  const auto lines = heyhi::ReadMetrics(tree.Path("metrics.jsonl"), &warnings);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].values.at("epoch"), 1);
  EXPECT_EQ(lines[1].values.at("loss"), 20);
  EXPECT_EQ(lines[1].values.at("step"), 5);
  EXPECT_EQ(lines[2].values.at("loss"), 21);
  EXPECT_TRUE(warnings.empty());
}

TEST(Metrics, OnlyRankZeroWrites) {
  heyhi::TempTree tree;
  heyhi::JobContext::Job job;
  job.exp_dir = tree.root();
  job.rank = 1;
  ASSERT_TRUE(heyhi::JobContext(job).LogMetrics({{"loss", 1}}, 1).ok());
  EXPECT_FALSE(fs::exists(tree.Path("metrics.jsonl")));
}

TEST(Metrics, ALineThatDoesNotParseIsSkippedWithAWarningNamingFileAndLine) {
  heyhi::TempTree tree;
  const std::string path =
      tree.Write("metrics.jsonl", "{\"epoch\": 1, \"loss\": 2}\n{\"epoch\": 2, \"lo\n[1]\n");
  std::vector<std::string> warnings;
  const auto lines = heyhi::ReadMetrics(path, &warnings);
  ASSERT_EQ(lines.size(), 1u);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_THAT(warnings[0], HasSubstr(path + ":2: skipped: not valid JSON"));
  EXPECT_THAT(warnings[1], HasSubstr(path + ":3: skipped: not a JSON object"));
  absl::StatusOr<heyhi::MetricsLine> last = heyhi::LastMetrics(path);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->values.at("loss"), 2);
}

TEST(Metrics, ALineCutShortByAKilledRunSpoilsNoLaterLine) {
  heyhi::TempTree tree;
  const std::string path = tree.Write("metrics.jsonl", "{\"epoch\": 1}\n{\"epoch\": 2, \"lo");
  ASSERT_TRUE(heyhi::AppendMetrics(path, {{"loss", 3}}, 3, 30, /*drop_from_epoch=*/false).ok());
  std::vector<std::string> warnings;
  const auto lines = heyhi::ReadMetrics(path, &warnings);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].values.at("loss"), 3);
  EXPECT_EQ(warnings.size(), 1u);  // the cut line
}

TEST(Metrics, ALineThatDoesNotFitOnTheDiskIsTakenBackWhole) {
  heyhi::TempTree tree;
  const std::string path = tree.Write("metrics.jsonl", "{\"epoch\": 1}\n");
  // A child whose files may grow by 10 bytes: the line does not fit.
  const pid_t child = fork();
  if (child == 0) {
    signal(SIGXFSZ, SIG_IGN);
    const struct rlimit limit = {static_cast<rlim_t>(fs::file_size(path) + 10),
                                 static_cast<rlim_t>(fs::file_size(path) + 10)};
    setrlimit(RLIMIT_FSIZE, &limit);
    absl::Status appended = heyhi::AppendMetrics(path, {{"loss", 3}}, 2, 20, false);
    _exit(!appended.ok() && appended.message().find("File too large") != std::string::npos ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the append did not fail as asked";
  EXPECT_EQ(tree.Read("metrics.jsonl"), "{\"epoch\": 1}\n");
}

TEST(XpIndex, AnAmbiguousPrefixListsTheCandidates) {
  heyhi::TempTree tree;
  const std::string root = tree.Path("exps");
  for (const char* sig : {"abcd00000001", "abcd00000002"}) {
    const std::string dir = root + "/p/x_" + sig;
    tree.Write("exps/p/x_" + std::string(sig) + "/.heyhi", "");
    ASSERT_TRUE(heyhi::IndexXp(root, sig, dir).ok());
  }
  absl::StatusOr<std::string> found = heyhi::FindXp(root, "abcd");
  ASSERT_FALSE(found.ok());
  EXPECT_THAT(found.status().message(), HasSubstr("ambiguous"));
  EXPECT_THAT(found.status().message(), HasSubstr("abcd00000001"));
  EXPECT_THAT(found.status().message(), HasSubstr("abcd00000002"));
  EXPECT_EQ(*heyhi::FindXp(root, "ABCD00000002"), root + "/p/x_abcd00000002");
}

}  // namespace
