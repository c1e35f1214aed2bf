// The bad-input catalogue (tests/BAD_INPUTS.md), the command line and its
// surroundings: bad flags of run and pp, bad environment variables and exp
// dirs that are not what heyhi left there. Each is refused with exit code 1
// (2 for bad usage), a message that names the flag, variable or path and,
// where they are a short list, the valid values; nothing is created, nothing
// deleted.
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "bad_inputs_helpers.h"
#include "gtest/gtest.h"

namespace heyhi_test {
namespace {

std::vector<std::string> Sleep(std::vector<std::string> more) {
  std::vector<std::string> args = {"-c", SleepConfig()};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

TEST(BadFlag, UnknownModeListsTheModes) {
  Sandbox box;
  box.ExpectRefused(Sleep({"--mode", "gentle"}), 2,
                    {"--mode gentle: unknown mode; expected gentle_start, start_continue, "
                     "start_restart, restart or dryrun"});
}

TEST(BadFlag, UnknownLogLevelListsTheLevels) {
  Sandbox box;
  box.ExpectRefused(Sleep({"--log_level", "LOUD"}), 2,
                    {"--log_level LOUD: expected INFO, WARNING, ERROR or 0, 1, 2", "usage: run"});
}

TEST(BadFlag, ConfigFlagWithoutItsValue) {
  Sandbox box;
  box.ExpectRefused({"-c"}, 2, {"-c needs a value", "usage: run"});
}

TEST(BadFlag, NoConfigAtAll) {
  Sandbox box;
  box.ExpectRefused({"lr=0.5"}, 2, {"missing -c CFG", "usage: run"});
}

TEST(BadFlag, TwoPrintModesListsTheFour) {
  Sandbox box;
  box.ExpectRefused(Sleep({"--print", "--print-flat"}), 2,
                    {"choose one of --print, --print-flat, --print-flat-all, --describe"});
}

TEST(BadFlag, DescribeOfAnUnknownKeyListsTheClosestKeysOnce) {
  Sandbox box;
  const Outcome refused = box.ExpectRefused(
      Sleep({"--describe", "lrr"}), 1,
      {"run: --describe lrr: TestSleepTask has no field \"lrr\"; did you mean: lr, fail"});
  EXPECT_FALSE(Contains(refused.err, "--describe lrr: --describe")) << refused.err;
}

TEST(BadFlag, ConfigAndFromTogetherIsBadUsage) {
  Sandbox box;
  box.ExpectRefused(Sleep({"-f", "abcd"}), 2, {"give -c CFG or -f SIG, not both", "usage: run"});
}

TEST(BadFlag, SwitchWithAValueThatIsNoBool) {
  Sandbox box;
  box.ExpectRefused(Sleep({"--force=maybe"}), 2, {"--force=maybe: expected true or false"});
}

TEST(BadFlag, UnknownTagInOutListsTheTags) {
  Sandbox box;
  box.ExpectRefused(
      Sleep({"--out", "%(cfgs)s"}), 1,
      {"unknown tag %(cfgs)s in exp id pattern '%(cfgs)s'; known tags: %(cfg)s "
       "%(cfg_folder)s %(date)s %(prefix)s %(redefines)s %(redefines_hash)s %(sig)s"});
}

TEST(BadFlag, RelativeOutThatLeavesTheExpRoot) {
  Sandbox box;
  box.ExpectRefused(
      Sleep({"--out", "../elsewhere"}), 1,
      {"exp id '../elsewhere' does not name a folder inside the exp root " + box.exp_root});
}

TEST(BadFlag, BadValueOfAGlogFlag) {
  Sandbox box;
  box.ExpectRefused(Sleep({"--v=abc"}), 2, {"bad value for --v: \"abc\""});
}

TEST(BadFlag, UnknownDashedWordIsAnOverrideWithoutEquals) {
  Sandbox box;
  box.ExpectRefused(Sleep({"--dry_run"}), 1,
                    {"override '--dry_run' has no '=': expected key=value"});
}

TEST(BadFlag, PrefixOfAFlagIsAnOverrideOfAnUnknownKey) {
  Sandbox box;
  box.ExpectRefused(Sleep({"--mod=restart"}), 1,
                    {"override --mod=restart: unknown key 'mod'", "did you mean: "});
}

TEST(BadFlag, FromAnUnknownSig) {
  Sandbox box;
  box.ExpectRefused({"-f", "abcd"}, 1,
                    {"no experiment with signature abcd... under " + box.exp_root});
}

TEST(BadFlag, FromASigTooShort) {
  Sandbox box;
  box.ExpectRefused({"-f", "abc"}, 1,
                    {"'abc' is neither an exp dir nor a signature (at least 4 hex characters"});
}

TEST(BadFlag, FromAnAmbiguousPrefixListsTheCandidates) {
  Sandbox box;
  for (const std::string sig : {"abcd11112222", "abcd33334444"}) {
    box.Write("exp/xps/" + sig + "/.heyhi", "");
    std::filesystem::create_directories(box.exp_root + "/.xps");
    std::filesystem::create_directory_symlink(box.exp_root + "/xps/" + sig,
                                              box.exp_root + "/.xps/" + sig);
  }
  box.ExpectRefused({"-f", "abcd"}, 1,
                    {"signature prefix abcd is ambiguous; it matches:",
                     "abcd11112222 " + box.exp_root + "/xps/abcd11112222",
                     "abcd33334444 " + box.exp_root + "/xps/abcd33334444"});
}

TEST(BadFlag, FromAFolderThatIsNoExpDir) {
  Sandbox box;
  box.Write("mine/data.txt", "keep");
  box.ExpectRefused({"-f", box.Path("mine")}, 1,
                    {box.Path("mine") + " is not a heyhi exp dir (no .heyhi marker)"});
}

TEST(BadFlag, CheckpointFolderInsideAFile) {
  Sandbox box;
  const std::string file = box.Write("file", "x");
  box.ExpectRefused(Sleep({"--checkpoint", file + "/cache"}), 1,
                    {"cannot create folder " + file + "/cache: Not a directory"});
}

TEST(BadFlag, InfoOfAnUnknownSig) {
  Sandbox box;
  box.ExpectRefused({"info", "abcd1234"}, 1, {"run info: no experiment with signature abcd1234"});
}

TEST(BadFlag, LsWithAnUnknownStatusListsTheStatuses) {
  Sandbox box;
  box.ExpectRefused({"ls", "--status", "FINISHED"}, 2,
                    {"--status FINISHED: expected NOT_STARTED, RUNNING, DONE or DEAD"});
}

TEST(BadFlag, LsWithABadDuration) {
  Sandbox box;
  box.ExpectRefused({"ls", "--since", "yesterday"}, 2,
                    {"--since yesterday: expected a duration such as 90s, 30m, 2h or 1d"});
}

TEST(BadFlag, DiffWithOneExperiment) {
  Sandbox box;
  box.ExpectRefused({"diff", "abcd"}, 2, {"usage: run diff A B"});
}

TEST(BadFlag, PpTypeThatIsNotInTheSchemaListsTheTypes) {
  Sandbox box;
  box.ExpectPpRefused({SleepConfig(), "--type", "SleepTask"}, 2,
                      {"SleepTask", "the schema has: ", "TestSleepTask"});
}

TEST(BadFlag, PpSchemaFileThatDoesNotExist) {
  Sandbox box;
  box.ExpectPpRefused({SleepConfig(), "--proto_path", box.work, "--schema", "nope.proto"}, 1,
                      {"nope.proto: File not found.", "(proto paths: " + box.work + ")"});
}

TEST(BadFlag, PpRepeatThatIsNoWholeNumber) {
  Sandbox box;
  box.ExpectPpRefused({SleepConfig(), "--repeat", "1e3"}, 2,
                      {"--repeat 1e3: expected a whole number"});
}

TEST(BadFlag, PpConfRootThatIsNoFolder) {
  Sandbox box;
  box.ExpectPpRefused({SleepConfig(), "--conf_root", box.Path("nope")}, 1,
                      {"conf_root " + box.Path("nope") + ": no such folder"});
}

TEST(BadEnv, ExpRootInsideAFile) {
  Sandbox box;
  const std::string file = box.Write("file", "x");
  Launch launch = Args(Sleep({}));
  launch.env = {"HH_EXP_DIR=" + file};
  box.ExpectRefused(launch, 1, {"cannot create folder " + file + "/", "Not a directory"});
}

TEST(BadEnv, ExpRootWhereNoFolderCanBeMade) {
  Sandbox box;
  Launch launch = Args(Sleep({}));
  launch.env = {"HH_EXP_DIR=/proc/heyhi-test-exp-root"};
  box.ExpectRefused(launch, 1, {"cannot create folder /proc/heyhi-test-exp-root"});
}

TEST(BadEnv, ConfRootThatDoesNotExist) {
  Sandbox box;
  Launch launch = Args(Sleep({}));
  launch.env = {"HH_CONF_ROOT=" + box.Path("nope")};
  box.ExpectRefused(launch, 1,
                    {"HH_CONF_ROOT=" + box.Path("nope") + ": no such folder; the conf root is"});
}

TEST(BadEnv, ConfRootThatIsAFile) {
  Sandbox box;
  Launch launch = Args(Sleep({}));
  launch.env = {"HH_CONF_ROOT=" + box.Write("file", "x")};
  box.ExpectRefused(launch, 1, {"HH_CONF_ROOT=" + box.Path("file") + ": not a folder"});
}

TEST(BadEnv, ConfRootThatDoesNotExistForPp) {
  Sandbox box;
  Launch launch = Args({SleepConfig()});
  launch.binary = PpBinaryPath();
  launch.env = {"HH_CONF_ROOT=" + box.Path("nope")};
  box.ExpectRefused(launch, 1, {"pp: HH_CONF_ROOT=" + box.Path("nope") + ": no such folder"});
}

TEST(BadEnv, TestKillAtAnUnknownStepListsTheSteps) {
  Sandbox box;
  Launch launch = Args(Sleep({}));
  launch.env = {"HH_TEST_KILL_AT=after_lunch"};
  box.ExpectRefused(launch, 2,
                    {"HH_TEST_KILL_AT=after_lunch: not a step of run (a test hook); expected one "
                     "of after_snapshot, after_lock, after_config, after_record, after_index, "
                     "after_jobid, after_workers, after_task, after_done or writing:<file name>"});
}

// The exp dir `--out xp` names, made by hand.
class BadExpDir : public ::testing::Test {
 protected:
  std::string Xp(const std::string& relative = "") const {
    return box_.exp_root + "/xp" + (relative.empty() ? "" : "/" + relative);
  }
  // --checkpoint="": a refusal after the snapshot leaves no .bin either.
  std::vector<std::string> RunXp(std::vector<std::string> more = {}) const {
    std::vector<std::string> args = Sleep({"--out", "xp", "--checkpoint="});
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }

  Sandbox box_;
};

TEST_F(BadExpDir, FolderWithoutTheMarker) {
  box_.Write("exp/xp/precious.txt", "keep");
  box_.ExpectRefused(RunXp(), 1,
                     {Xp() + " exists and is not heyhi's (no .heyhi marker); refusing to run or "
                             "wipe there"});
}

TEST_F(BadExpDir, FolderWithoutTheMarkerOnStartRestart) {
  box_.Write("exp/xp/precious.txt", "keep");
  box_.ExpectRefused(RunXp({"--mode", "start_restart", "--force"}), 1,
                     {Xp() + " exists and is not heyhi's"});
}

TEST_F(BadExpDir, MarkerThatIsAFolder) {
  box_.Write("exp/xp/.heyhi/inside", "");
  box_.ExpectRefused(RunXp(), 1, {Xp() + " exists and is not heyhi's (no .heyhi marker)"});
}

TEST_F(BadExpDir, LockThatIsAFolder) {
  box_.Write("exp/xp/.heyhi", "");
  box_.Write("exp/xp/heyhi.lock/inside", "");
  box_.ExpectRefused(RunXp(), 1, {"cannot open " + Xp("heyhi.lock") + ": Is a directory"});
}

TEST_F(BadExpDir, OutThatIsAFile) {
  const std::string file = box_.Write("file", "x");
  box_.ExpectRefused(Sleep({"--out", file, "--checkpoint="}), 1,
                     {file + " exists and is not a folder"});
}

TEST_F(BadExpDir, OutThroughASymbolicLinkInsideTheExpRoot) {
  box_.Write("exp/real/data.txt", "keep");
  std::filesystem::create_directory_symlink(box_.exp_root + "/real", Xp());
  box_.ExpectRefused(RunXp(), 1, {Xp() + " is a symbolic link"});
}

TEST_F(BadExpDir, JobIdThatNoLauncherKnowsIsRunningAndNeverWiped) {
  box_.Write("exp/xp/.heyhi", "");
  box_.Write("exp/xp/heyhi.jobid", "cluster-7:12\n");
  box_.Write("exp/xp/result.txt", "keep");
  const Outcome looked = box_.Run(RunXp());
  EXPECT_EQ(looked.exit_code, 0);
  EXPECT_EQ(Line(looked.out, "status"), "RUNNING");
  EXPECT_TRUE(Contains(looked.err, "cannot tell whether job cluster-7:12 lives")) << looked.err;
  box_.ExpectRefused(RunXp({"--mode", "restart", "--force"}), 1,
                     {"cannot stop job cluster-7:12: this run binary has no launcher for it"});
}

TEST_F(BadExpDir, IndexFolderThatIsAFile) {
  box_.Write("exp/.xps", "not a folder");
  box_.ExpectRefused(RunXp(), 1, {box_.exp_root + "/.xps exists and is not a folder"});
}

TEST_F(BadExpDir, CorruptRecordForInfo) {
  const Outcome made = box_.Run(RunXp());
  ASSERT_EQ(made.exit_code, 0) << made.err;
  box_.Write("exp/xp/heyhi.xp.prototxt", "sig: \"abc");
  box_.ExpectRefused({"info", Xp()}, 1,
                     {Xp("heyhi.xp.prototxt") + " is corrupt; its other files remain"});
}

TEST_F(BadExpDir, CorruptStoredConfigForFrom) {
  const Outcome made = box_.Run(RunXp());
  ASSERT_EQ(made.exit_code, 0) << made.err;
  box_.Write("exp/xp/config_meta.prototxt", "test_sleep {\n  lr: x\n}\n");
  box_.ExpectRefused({"-f", Xp(), "lr=0.5", "--checkpoint="}, 1,
                     {Xp("config_meta.prototxt") + ":2:7: Expected double, got: x"});
}

TEST_F(BadExpDir, IndexLinkToAFolderThatIsGone) {
  std::filesystem::create_directories(box_.exp_root + "/.xps");
  std::filesystem::create_directory_symlink(box_.exp_root + "/gone",
                                            box_.exp_root + "/.xps/abcdabcdabcd");
  box_.ExpectRefused({"info", "abcd"}, 1, {"no experiment with signature abcd"});
}

}  // namespace
}  // namespace heyhi_test
