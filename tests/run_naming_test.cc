// The run command names one experiment by what its config means (SPEC §6).
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "run_test_helpers.h"

namespace heyhi_test {
namespace {

const char kSleep[] = "conf/c90_test/sleep.prototxt";

std::string DryRunDir(const RunSandbox& box, std::vector<std::string> args) {
  args.push_back("--mode");
  args.push_back("dryrun");
  RunResult r = box.Run(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return Line(r.out, "exp dir");
}

TEST(RunNaming, SameCommandTwiceSameFolderAndTheSecondSkips) {
  RunSandbox box;
  const std::string log = box.scratch + "/ran.txt";
  RunResult first = box.Run({"-c", kSleep, "write_file=" + log});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(Line(first.out, "status after"), "DONE");
  RunResult second = box.Run({"-c", kSleep, "write_file=" + log});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(Line(second.out, "exp dir"), Line(first.out, "exp dir"));
  EXPECT_EQ(Line(second.out, "status"), "DONE");
  EXPECT_EQ(Line(second.out, "mode"), "gentle_start -> skip");
  EXPECT_EQ(CountLines(log), 1);
}

TEST(RunNaming, EqualValuesSpelledDifferentlyNameOneFolder) {
  RunSandbox box;
  const std::string a = DryRunDir(box, {"-c", kSleep, "lr=0.1"});
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(DryRunDir(box, {"-c", kSleep, "lr=.1"}), a);
  EXPECT_EQ(DryRunDir(box, {"-c", kSleep, "--lr=0.10"}), a);
  EXPECT_NE(DryRunDir(box, {"-c", kSleep, "lr=0.2"}), a);
}

TEST(RunNaming, OverridesInAnotherOrderNameOneFolder) {
  RunSandbox box;
  const std::string a = DryRunDir(box, {"-c", kSleep, "lr=0.5", "seconds=2", "fail=true"});
  EXPECT_EQ(DryRunDir(box, {"-c", kSleep, "fail=true", "lr=0.5", "seconds=2"}), a);
  EXPECT_EQ(DryRunDir(box, {"-c", kSleep, "seconds=2", "fail=true", "lr=0.5"}), a);
}

TEST(RunNaming, EditingAValueInAnIncludedFileNamesANewFolder) {
  RunSandbox box;
  const std::string cfg = box.tree.Write(
      "conf/c90_test/inc.prototxt",
      "includes { path: \"launcher/mine\" mount: \"launcher\" }\ntest_sleep { lr: 0.5 }\n");
  box.tree.Write("conf/common/launcher/mine.prototxt", "local { num_procs: 3 }\n");
  const std::string before = DryRunDir(box, {"-c", cfg});
  EXPECT_EQ(DryRunDir(box, {"-c", cfg}), before);
  box.tree.Write("conf/common/launcher/mine.prototxt", "local { num_procs: 4 }\n");
  const std::string after = DryRunDir(box, {"-c", cfg});
  EXPECT_NE(after, before);
  EXPECT_EQ(std::filesystem::path(after).parent_path(),
            std::filesystem::path(before).parent_path());
}

// A field added to a schema with a default keeps the signature: shown on a
// schema built before and after the change in
// Signature.AddingAFieldWithADefaultToTheSchemaKeepsTheSignature
// (tests/signature_test.cc); here: a field set to its default is no change.
TEST(RunNaming, FieldSetToItsDefaultKeepsTheSignature) {
  RunSandbox box;
  const std::string plain = DryRunDir(box, {"-c", kSleep});
  const std::string with_default = DryRunDir(box, {"-c", kSleep, "lr=0.01"});
  const auto sig = [](const std::string& dir) { return dir.substr(dir.rfind('_') + 1); };
  EXPECT_EQ(sig(with_default), sig(plain));
}

TEST(RunNaming, RedefinesTagAndHashAsHeyHi) {
  RunSandbox box;
  const std::string sl = "conf/c02_sup_train/sl.prototxt";
  const std::string out = "%(redefines)s_%(redefines_hash)s";
  EXPECT_EQ(DryRunDir(box, {"-c", sl, "--mode", "dryrun", "--out", out}),
            box.exp_root + "/default_d7517139");
  EXPECT_EQ(DryRunDir(box, {"-c", sl, "--out", out, "Ilauncher=local", "batch_size=10",
                            "encoder.transformer.num_heads=9"}),
            box.exp_root + "/Ila@local@bat@10@enc.tra.num@9_db1f20d2");
  EXPECT_EQ(DryRunDir(box, {"-c", sl, "--out", "%(redefines_hash)s", "Ilauncher=local"}),
            box.exp_root + "/7352e7df");
  EXPECT_TRUE(IsEmptyDir(box.exp_root));
}

TEST(RunNaming, DefaultPatternNamesConfigFolderFileTagAndSignature) {
  RunSandbox box;
  const std::string dir = DryRunDir(box, {"-c", kSleep, "seconds=1"});
  EXPECT_EQ(dir.rfind(box.exp_root + "/p/c90_test/sleep/sec@1_", 0), 0u) << dir;
  EXPECT_EQ(dir.size() - dir.rfind('_') - 1, 12u) << dir;
  const std::string adhoc = DryRunDir(box, {"-c", kSleep, "--adhoc"});
  EXPECT_EQ(adhoc.rfind(box.exp_root + "/adhoc/", 0), 0u) << adhoc;
}

TEST(RunNaming, OnlyExactFlagNamesAreFlags) {
  RunSandbox box;
  // --ad is not --adhoc: it is an override, and no such field exists.
  RunResult r = box.Run({"-c", kSleep, "--ad", "--mode", "dryrun"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--ad"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace heyhi_test
