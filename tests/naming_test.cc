// Tests of experiment naming (SPEC §6): the redefines tag and hash exactly as
// HeyHi wrote them, the exp id pattern, cfg_folder, prefix and the exp dir.
// Expected HeyHi values were produced by HeyHi's own Python code.
#include "heyhi/experiment/naming.h"

#include <stdlib.h>
#include <time.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scoped_env.h"

namespace heyhi {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr std::time_t kSomeTime = 1795437901;  // 2026-11-23 12:45:01 UTC

std::string Tag(const std::vector<std::string>& tokens) {
  absl::StatusOr<std::string> tag = RedefinesTag(tokens);
  EXPECT_TRUE(tag.ok()) << tag.status();
  return tag.ok() ? *tag : "";
}

std::string Hash(const std::vector<std::string>& tokens) {
  absl::StatusOr<std::string> hash = RedefinesHash(tokens);
  EXPECT_TRUE(hash.ok()) << hash.status();
  return hash.ok() ? *hash : "";
}

std::string Id(absl::string_view pattern, const ExpIdFields& fields) {
  absl::StatusOr<std::string> id = ExpId(pattern, fields);
  EXPECT_TRUE(id.ok()) << id.status();
  return id.ok() ? *id : "";
}

// TZ for one scope, with tzset() run as it changes and as it is put back.
class ScopedTimeZone {
 public:
  explicit ScopedTimeZone(const std::string& tz) {
    tz_.emplace("TZ", tz);
    tzset();
  }
  ~ScopedTimeZone() {
    tz_.reset();
    tzset();
  }
  void Set(const std::string& tz) {
    tz_->Set(tz);
    tzset();
  }

 private:
  std::optional<ScopedEnv> tz_;
};

// --- HeyHi compatibility ----------------------------------------------------

TEST(HeyHiCompatibility, NoOverridesNamesDefaultD7517139) {
  ExpIdFields fields;
  fields.redefines = Tag({});
  fields.redefines_hash = Hash({});
  EXPECT_EQ(Id("%(redefines)s_%(redefines_hash)s", fields), "default_d7517139");
}

TEST(HeyHiCompatibility, IncludeScalarAndNestedOverridesNameAsHeyHiDid) {
  const std::vector<std::string> tokens = {"Ilauncher=local", "batch_size=10",
                                           "encoder.transformer.num_heads=9"};
  ExpIdFields fields;
  fields.redefines = Tag(tokens);
  fields.redefines_hash = Hash(tokens);
  EXPECT_EQ(Id("%(redefines)s_%(redefines_hash)s", fields),
            "Ila@local@bat@10@enc.tra.num@9_db1f20d2");
}

TEST(HeyHiCompatibility, IncludeOverrideAloneHashesTo7352e7df) {
  EXPECT_EQ(Hash({"Ilauncher=local"}), "7352e7df");
  EXPECT_EQ(Tag({"Ilauncher=local"}), "Ila@local");
}

TEST(HeyHiCompatibility, HeyHiPatternFindsTheFolderOfTheHeyHiDocExample) {
  // HeyHi doc: `run.py --cfg conf/c02_sup_train/sl.prototxt` writes to
  // p/c02_sup_train/sl/default_d7517139.
  absl::StatusOr<ExpIdFields> fields = MakeExpIdFields("/proj/conf/c02_sup_train/sl.prototxt",
                                                       "/proj/conf", {}, false, "0123456789ab", 0);
  ASSERT_TRUE(fields.ok()) << fields.status();
  EXPECT_EQ(Id(kHeyHiExpIdPattern, *fields), "p/c02_sup_train/sl/default_d7517139");
}

// --- %(redefines)s ------------------------------------------------------------

TEST(RedefinesTag, DefaultWhenNoOverrides) { EXPECT_EQ(Tag({}), "default"); }

TEST(RedefinesTag, SortedByDepthThenKeyThenToken) {
  EXPECT_EQ(Tag({"a.b=1", "b=2", "a=3", "aa.b.c=4", "a=1"}), "a@1@a@3@b@2@a.b@1@aa.b.c@4");
  EXPECT_EQ(Hash({"a.b=1", "b=2", "a=3", "aa.b.c=4", "a=1"}), "aedb89ca");
}

TEST(RedefinesTag, OverrideOrderOnTheLineIsIrrelevant) {
  EXPECT_EQ(Tag({"lr=0.1", "seed=3"}), Tag({"seed=3", "lr=0.1"}));
  EXPECT_EQ(Hash({"lr=0.1", "seed=3"}), Hash({"seed=3", "lr=0.1"}));
}

TEST(RedefinesTag, LeadingDashesAreStripped) {
  EXPECT_EQ(Tag({"--lr=0.1"}), Tag({"lr=0.1"}));
  EXPECT_EQ(Hash({"--lr=0.1"}), "966845b0");
  EXPECT_EQ(Hash({"-lr=0.1"}), Hash({"lr=0.1"}));
  EXPECT_EQ(StripOverrideDashes("---x=1"), "x=1");
}

TEST(RedefinesTag, KeysLongerThanFiveCharsKeepThreeLettersPerDottedPart) {
  EXPECT_EQ(Tag({"seed=3"}), "seed@3");              // 4 chars: whole
  EXPECT_EQ(Tag({"lrate=3"}), "lrate@3");            // 5 chars: whole
  EXPECT_EQ(Tag({"lr_max=3"}), "lr_@3");             // 6 chars: shortened
  EXPECT_EQ(Tag({"I.agent_one=x"}), "I.age@x");      // every part, even "I"
  EXPECT_EQ(Tag({"Ilauncher=slurm"}), "Ila@slurm");  // include keeps its I
}

TEST(RedefinesTag, ValuesWithSlashKeepTheirLastTwoPartsJoinedByUnderscore) {
  EXPECT_EQ(Tag({"I.agent_one=agents/searchbot", "lr=0.1", "out=/tmp/a b/c d.json", "seed=3"}),
            "lr@0.1@out@a_b_c_d.json@seed@3@I.age@agents_searchbot");
  EXPECT_EQ(Hash({"I.agent_one=agents/searchbot", "lr=0.1", "out=/tmp/a b/c d.json", "seed=3"}),
            "a790b854");
  EXPECT_EQ(Tag({"p=/abs"}), "p@_abs");
  EXPECT_EQ(Tag({"p=dir/"}), "p@dir_");
}

TEST(RedefinesTag, SpacesBecomeUnderscores) {
  EXPECT_EQ(Tag({"name=café au lait", "lr=0.1"}), "lr@0.1@name@café_au_lait");
  EXPECT_EQ(Hash({"name=café au lait", "lr=0.1"}), "9ce2bfc3");
}

TEST(RedefinesTag, KeySplitsAtTheFirstEqualsSign) {
  EXPECT_EQ(Tag({"x=a=b", "lr=", "I=slurm"}), "I@slurm@lr@@x@a=b");
  EXPECT_EQ(Hash({"x=a=b", "lr=", "I=slurm"}), "a6e45a25");
}

TEST(RedefinesTag, CutAtOneHundredCharacters) {
  const std::string tag = Tag({std::string(30, 'k') + "=" + std::string(120, 'v')});
  EXPECT_EQ(tag, "kkk@" + std::string(96, 'v'));
  EXPECT_EQ(Hash({std::string(30, 'k') + "=" + std::string(120, 'v')}), "b4c9ee66");
}

TEST(RedefinesTag, CutCountsCharactersNotBytes) {
  std::string accents;
  for (int i = 0; i < 120; ++i) accents += "é";
  std::string expected = "k@";
  for (int i = 0; i < 98; ++i) expected += "é";
  EXPECT_EQ(Tag({"k=" + accents}), expected);
  EXPECT_EQ(Hash({"k=" + accents}), "32e56826");
}

TEST(RedefinesTag, TokenWithoutEqualsIsAnErrorShowingTheExpectedForm) {
  const absl::StatusOr<std::string> tag = RedefinesTag({"lr=0.1", "--verbose"});
  ASSERT_FALSE(tag.ok());
  EXPECT_EQ(tag.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(tag.status().message()),
              AllOf(HasSubstr("--verbose"), HasSubstr("key=value")));
  EXPECT_FALSE(RedefinesHash({"novalue"}).ok());
}

// --- %(redefines_hash)s -------------------------------------------------------

TEST(RedefinesHash, IsMd5OfPythonReprOfTheSortedList) {
  EXPECT_EQ(Hash({}), "d7517139");
  EXPECT_EQ(Hash({"msg=it's"}), "c9cf723c");  // repr switches to double quotes
}

// --- %(prefix)s, %(date)s, %(cfg)s, %(cfg_folder)s ---------------------------

TEST(ExpIdPrefix, IsPWithoutAdhoc) { EXPECT_EQ(ExpIdPrefix(false, kSomeTime), "p"); }

TEST(ExpIdPrefix, AdhocAddsTheLocalIsoTimeWithoutColons) {
  ScopedTimeZone tz("UTC");
  EXPECT_EQ(ExpIdPrefix(true, kSomeTime), "adhoc/2026-11-23T124501");
  EXPECT_EQ(LocalTimeTag(0), "1970-01-01T000000");
  tz.Set("EST5");  // POSIX rule: needs no tz database
  EXPECT_EQ(LocalTimeTag(kSomeTime), "2026-11-23T074501");
}

TEST(ConfigNameTag, IsTheFileNameWithoutItsExtension) {
  EXPECT_EQ(ConfigNameTag("conf/c02_sup_train/sl.prototxt"), "sl");
  EXPECT_EQ(ConfigNameTag("a.b.prototxt"), "a.b");
  EXPECT_EQ(ConfigNameTag("/x/noext"), "noext");
}

TEST(ConfigFolderTag, IsTheFolderRelativeToTheConfRootWithSlashesAsUnderscores) {
  EXPECT_EQ(ConfigFolderTag("/proj/conf/c02_sup_train/sl.prototxt", "/proj/conf"), "c02_sup_train");
  EXPECT_EQ(ConfigFolderTag("/proj/conf/a/b/x.prototxt", "/proj/conf/"), "a_b");
  EXPECT_EQ(ConfigFolderTag("/proj/conf/./a//b/../c/x.prototxt", "/proj/conf"), "a_c");
}

TEST(ConfigFolderTag, ConfigDirectlyInTheConfRootIsRoot) {
  EXPECT_EQ(ConfigFolderTag("/proj/conf/x.prototxt", "/proj/conf"), "root");
}

TEST(ConfigFolderTag, OutsideTheConfRootIsEightHexOfTheAbsoluteFolder) {
  // md5("/tmp/elsewhere/cfgs")[:8], as HeyHi.
  EXPECT_EQ(ConfigFolderTag("/tmp/elsewhere/cfgs/x.prototxt", "/proj/conf"), "c79d2187");
  EXPECT_EQ(ConfigFolderTag("/tmp/elsewhere/cfgs/x.prototxt", ""), "c79d2187");
  // A sibling that merely starts with the root's name is outside.
  EXPECT_THAT(ConfigFolderTag("/proj/conf_other/x.prototxt", "/proj/conf"),
              ::testing::MatchesRegex("[0-9a-f]{8}"));
}

TEST(ConfigFolderTag, RelativePathsAreTakenFromTheWorkingDirectory) {
  const fs::path cwd = fs::current_path();
  EXPECT_EQ(ConfigFolderTag("conf/c01_eval/x.prototxt", (cwd / "conf").string()), "c01_eval");
  EXPECT_EQ(ConfigFolderTag((cwd / "conf/c01_eval/x.prototxt").string(), "conf"), "c01_eval");
}

TEST(ConfigFolderTag, FolderReachedThroughASymlinkIsStillInside) {
  const fs::path base = fs::path(::testing::TempDir()) / "naming_symlink";
  fs::remove_all(base);
  fs::create_directories(base / "real/conf/c03");
  std::ofstream(base / "real/conf/c03/x.prototxt") << "";
  fs::create_directory_symlink(base / "real", base / "link");
  EXPECT_EQ(
      ConfigFolderTag((base / "link/conf/c03/x.prototxt").string(), (base / "real/conf").string()),
      "c03");
  fs::remove_all(base);
}

// --- the exp id ----------------------------------------------------------------

TEST(ExpId, DefaultPatternIsPrefixFolderConfigRedefinesAndSignature) {
  absl::StatusOr<ExpIdFields> fields =
      MakeExpIdFields("/proj/conf/c02_sup_train/sl.prototxt", "/proj/conf",
                      {"--lr=0.1", "Ilauncher=slurm_8gpus"}, false, "0123456789ab", kSomeTime);
  ASSERT_TRUE(fields.ok()) << fields.status();
  EXPECT_EQ(Id(kDefaultExpIdPattern, *fields),
            "p/c02_sup_train/sl/Ila@slurm_8gpus@lr@0.1_0123456789ab");
}

TEST(ExpId, AdhocPrefixesTheIdWithTheTime) {
  ScopedTimeZone tz("UTC");
  absl::StatusOr<ExpIdFields> fields = MakeExpIdFields(
      "/proj/conf/c01_eval/ev.prototxt", "/proj/conf", {}, true, "abcdef012345", kSomeTime);
  ASSERT_TRUE(fields.ok()) << fields.status();
  EXPECT_EQ(Id(kDefaultExpIdPattern, *fields),
            "adhoc/2026-11-23T124501/c01_eval/ev/default_abcdef012345");
  EXPECT_EQ(Id("%(date)s", *fields), "2026-11-23T124501");
}

TEST(ExpId, OutPatternReplacesTheWholePatternAndStillExpandsTags) {
  ExpIdFields fields;
  fields.cfg = "sl";
  fields.sig = "0123456789ab";
  EXPECT_EQ(Id("/checkpoint/me/%(cfg)s_%(sig)s", fields), "/checkpoint/me/sl_0123456789ab");
  EXPECT_EQ(Id("sweeps/lr_0.1", fields), "sweeps/lr_0.1");
  EXPECT_EQ(Id("100%%/%(cfg)s", fields), "100%/sl");
}

TEST(ExpId, UnknownTagIsAnErrorListingTheKnownOnes) {
  const absl::StatusOr<std::string> id = ExpId("%(prefix)s/%(user)s", ExpIdFields());
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(id.status().message()),
              AllOf(HasSubstr("%(user)s"), HasSubstr("%(prefix)s"), HasSubstr("%(cfg_folder)s"),
                    HasSubstr("%(cfg)s"), HasSubstr("%(redefines)s"),
                    HasSubstr("%(redefines_hash)s"), HasSubstr("%(sig)s")));
}

TEST(ExpId, MalformedTagIsAnError) {
  EXPECT_FALSE(ExpId("50%", ExpIdFields()).ok());
  EXPECT_FALSE(ExpId("%s", ExpIdFields()).ok());
  EXPECT_FALSE(ExpId("%(cfg", ExpIdFields()).ok());
  const absl::StatusOr<std::string> id = ExpId("%(cfg)d", ExpIdFields());
  ASSERT_FALSE(id.ok());
  EXPECT_THAT(std::string(id.status().message()), HasSubstr("%(cfg)s"));
}

// --- the exp dir ----------------------------------------------------------------

TEST(ExpDirPath, RelativeIdGoesUnderTheExpRoot) {
  const absl::StatusOr<std::string> dir = ExpDirPath("/data/exps", "p/c02/sl/default_x");
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_EQ(*dir, "/data/exps/p/c02/sl/default_x");
  EXPECT_EQ(*ExpDirPath("/data/exps/", "a//b/./c/"), "/data/exps/a/b/c");
}

TEST(ExpDirPath, AbsoluteIdIsUsedAsIs) {
  EXPECT_EQ(*ExpDirPath("/data/exps", "/checkpoint/me/run1"), "/checkpoint/me/run1");
}

TEST(ExpDirPath, RefusesIdsThatNameNoFolderOfTheirOwn) {
  EXPECT_FALSE(ExpDirPath("/data/exps", "").ok());
  EXPECT_FALSE(ExpDirPath("/data/exps", ".").ok());
  EXPECT_FALSE(ExpDirPath("/data/exps", "a/..").ok());
  EXPECT_FALSE(ExpDirPath("/", "/").ok());
  const absl::StatusOr<std::string> escape = ExpDirPath("/data/exps", "../elsewhere");
  ASSERT_FALSE(escape.ok());
  EXPECT_THAT(std::string(escape.status().message()),
              AllOf(HasSubstr("../elsewhere"), HasSubstr("/data/exps"), HasSubstr("--out")));
}

TEST(DefaultExpRoot, IsHhExpDirWhenSet) {
  ScopedEnv exp_dir("HH_EXP_DIR", "/data/exps");
  EXPECT_EQ(DefaultExpRoot(), "/data/exps");
  exp_dir.Set("rel/exps");
  EXPECT_EQ(DefaultExpRoot(), (fs::current_path() / "rel/exps").string());
}

TEST(DefaultExpRoot, IsResultsHeyhiInTheHomeFolderOtherwise) {
  ScopedEnv exp_dir("HH_EXP_DIR", std::nullopt);
  ScopedEnv home("HOME", "/home/someone");
  EXPECT_EQ(DefaultExpRoot(), "/home/someone/results/heyhi");
  exp_dir.Set("");
  EXPECT_EQ(DefaultExpRoot(), "/home/someone/results/heyhi");
}

}  // namespace
}  // namespace heyhi
