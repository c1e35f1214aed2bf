// The descriptor cache of run-time schemas (DynamicSchema::Import): a hit is
// the schema a parse gives, any change of a file read is a miss, a bad cache
// file is a miss and is rewritten, and without a usable folder it still works.
#include "heyhi/config/descriptor_cache.h"

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "heyhi/base/files.h"
#include "heyhi/base/hash.h"
#include "heyhi/config/dynamic_schema.h"
#include "heyhi/config/heyhi_proto_text.h"
#include "heyhi/heyhi.pb.h"
#include "scoped_env.h"
#include "temp_tree.h"

namespace heyhi {
namespace {

namespace fs = std::filesystem;
using google::protobuf::FileDescriptor;
using google::protobuf::FileDescriptorProto;
using ::testing::HasSubstr;

std::string ReadSource(const std::string& relative) {
  absl::StatusOr<std::string> text =
      ReadFileToString(std::string(HEYHI_SOURCE_DIR) + "/" + relative);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : "";
}

// Every file of `file`'s import graph as a proto, by name, with its source
// code info when `with_source_info`.
std::map<std::string, FileDescriptorProto> AllFiles(const FileDescriptor* file,
                                                    bool with_source_info) {
  std::map<std::string, FileDescriptorProto> out;
  std::vector<const FileDescriptor*> pending = {file};
  while (!pending.empty()) {
    const FileDescriptor* next = pending.back();
    pending.pop_back();
    if (out.count(next->name()) != 0) continue;
    FileDescriptorProto& proto = out[next->name()];
    next->CopyTo(&proto);
    if (with_source_info) next->CopySourceCodeInfoTo(&proto);
    for (int i = 0; i < next->dependency_count(); ++i) pending.push_back(next->dependency(i));
  }
  return out;
}

void ExpectSameFiles(const std::map<std::string, FileDescriptorProto>& got,
                     const std::map<std::string, FileDescriptorProto>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [name, proto] : want) {
    ASSERT_EQ(got.count(name), 1u) << name;
    std::string diff;
    google::protobuf::util::MessageDifferencer differencer;
    differencer.ReportDifferencesToString(&diff);
    EXPECT_TRUE(differencer.Compare(got.at(name), proto)) << name << ":\n" << diff;
  }
}

int EntriesIn(const std::string& folder) {
  std::error_code error;
  if (!fs::exists(folder, error)) return 0;
  int entries = 0;
  for (auto it = fs::recursive_directory_iterator(folder, error);
       it != fs::recursive_directory_iterator(); ++it) {
    ++entries;
  }
  return entries;
}

class DescriptorCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // x.proto (this repo's schema: imports heyhi.proto and, through it,
    // descriptor.proto) under top.proto, which imports it and sub/extra.proto.
    tree_.Write("schema/x.proto", ReadSource("proto/conf.proto"));
    tree_.Write(
        "schema/sub/extra.proto",
        "syntax = \"proto2\";\npackage extra;\n"
        "// Extra settings.\nmessage Extra {\n  // How many.\n  optional int32 n = 1;\n}\n");
    WriteTop("");
  }
  void WriteTop(const std::string& more_fields) {
    tree_.Write("schema/top.proto",
                "syntax = \"proto2\";\npackage top;\nimport \"x.proto\";\n"
                "import \"sub/extra.proto\";\n"
                "// The top message.\nmessage Top {\n  // Its extra part.\n"
                "  optional extra.Extra extra = 1;\n  optional TrainTask train = 2;\n" +
                    more_fields + "}\n");
  }
  std::unique_ptr<DynamicSchema> Import(bool use_cache = true, bool keep_comments = true) {
    DynamicSchema::ImportOptions options;
    options.use_cache = use_cache;
    options.keep_comments = keep_comments;
    absl::StatusOr<std::unique_ptr<DynamicSchema>> imported =
        DynamicSchema::Import({tree_.Path("schema")}, "top.proto", options);
    EXPECT_TRUE(imported.ok()) << imported.status();
    return imported.ok() ? std::move(*imported) : nullptr;
  }
  std::string CacheDir() const { return tree_.Path("cache/heyhi"); }
  // The cache's files, by kind: "index", "set", "comments".
  std::map<std::string, std::string> CacheFiles() const {
    std::map<std::string, std::string> files;
    for (const auto& entry : fs::directory_iterator(CacheDir())) {
      const std::string name = entry.path().filename().string();
      const std::string kind = name.rfind("index-", 0) == 0             ? "index"
                               : name.find(".comments.pb") != name.npos ? "comments"
                                                                        : "set";
      EXPECT_EQ(files.count(kind), 0u) << "two " << kind << " files";
      files[kind] = entry.path().string();
    }
    return files;
  }

  TempTree tree_;
  ScopedEnv cache_home_{"XDG_CACHE_HOME", tree_.Path("cache")};
  ScopedEnv cache_on_{"HH_NO_CACHE", std::nullopt};
};

TEST_F(DescriptorCacheTest, AHitGivesTheSchemaAFreshParseGivesEveryFileEqual) {
  std::unique_ptr<DynamicSchema> first = Import();
  ASSERT_NE(first, nullptr);
  EXPECT_FALSE(first->from_cache());
  std::unique_ptr<DynamicSchema> hit = Import();
  ASSERT_NE(hit, nullptr);
  EXPECT_TRUE(hit->from_cache());
  std::unique_ptr<DynamicSchema> parsed = Import(/*use_cache=*/false);
  ASSERT_NE(parsed, nullptr);
  EXPECT_FALSE(parsed->from_cache());
  const auto want = AllFiles(parsed->file(), /*with_source_info=*/true);
  EXPECT_EQ(want.size(), 5u);  // top, x, sub/extra, heyhi/heyhi, google/protobuf/descriptor
  ExpectSameFiles(AllFiles(hit->file(), true), want);
  // Doc comments are there for describe.
  google::protobuf::SourceLocation location;
  ASSERT_TRUE(
      hit->FindMessage("TrainTask")->FindFieldByName("batch_size")->GetSourceLocation(&location));
  EXPECT_THAT(location.leading_comments, HasSubstr("batch size"));
  // Without comments asked for: the same descriptors, no source code info.
  std::unique_ptr<DynamicSchema> bare = Import(true, /*keep_comments=*/false);
  ASSERT_NE(bare, nullptr);
  EXPECT_TRUE(bare->from_cache());
  ExpectSameFiles(AllFiles(bare->file(), false), AllFiles(parsed->file(), false));
  // Options of generated extensions read the same on a hit.
  const google::protobuf::Descriptor* train = hit->FindMessage("TrainTask");
  EXPECT_TRUE(train->FindFieldByName("log_every")->options().GetExtension(heyhi::sig_exclude));
}

TEST_F(DescriptorCacheTest, TheKeyHoldsEveryFileReadWithTheCompiledInHeyhiProto) {
  ASSERT_NE(Import(), nullptr);
  std::map<std::string, std::string> files = CacheFiles();
  ASSERT_EQ(files.size(), 3u);
  absl::StatusOr<std::string> index = ReadFileToString(files["index"]);
  ASSERT_TRUE(index.ok());
  EXPECT_THAT(*index, HasSubstr(Sha256Hex(kHeyhiProtoText) + " heyhi/heyhi.proto\n"));
  EXPECT_THAT(*index,
              HasSubstr(Sha256Hex(tree_.Read("schema/sub/extra.proto")) + " sub/extra.proto\n"));
  EXPECT_THAT(*index, HasSubstr(" google/protobuf/descriptor.proto\n"));
  EXPECT_THAT(*index, HasSubstr("\nend 5\n"));
}

TEST_F(DescriptorCacheTest, EditingAnImportedProtoIsAMissAndTheNewFieldIsVisible) {
  ASSERT_NE(Import(), nullptr);
  ASSERT_TRUE(Import()->from_cache());
  tree_.Write("schema/sub/extra.proto",
              "syntax = \"proto2\";\npackage extra;\n"
              "message Extra {\n  optional int32 n = 1;\n  optional string added = 2;\n}\n");
  std::unique_ptr<DynamicSchema> edited = Import();
  ASSERT_NE(edited, nullptr);
  EXPECT_FALSE(edited->from_cache());
  ASSERT_NE(edited->FindMessage("Extra")->FindFieldByName("added"), nullptr);
  std::unique_ptr<DynamicSchema> again = Import();
  EXPECT_TRUE(again->from_cache());
  EXPECT_NE(again->FindMessage("Extra")->FindFieldByName("added"), nullptr);
  // The set of the old files is gone; one set remains.
  EXPECT_EQ(CacheFiles().size(), 3u);
}

TEST_F(DescriptorCacheTest, AddingOrRemovingAnImportIsAMiss) {
  ASSERT_NE(Import(), nullptr);
  tree_.Write("schema/sub/more.proto",
              "syntax = \"proto2\";\npackage more;\nmessage More { optional int32 m = 1; }\n");
  tree_.Write("schema/top.proto",
              "syntax = \"proto2\";\npackage top;\nimport \"sub/more.proto\";\n"
              "message Top { optional more.More more = 1; }\n");
  std::unique_ptr<DynamicSchema> added = Import();
  ASSERT_NE(added, nullptr);
  EXPECT_FALSE(added->from_cache());
  EXPECT_NE(added->FindMessage("More"), nullptr);
  EXPECT_EQ(added->FindMessage("TrainTask"), nullptr);  // x.proto no longer imported
  EXPECT_TRUE(Import()->from_cache());
  WriteTop("");
  std::unique_ptr<DynamicSchema> back = Import();
  EXPECT_FALSE(back->from_cache());
  EXPECT_EQ(back->FindMessage("More"), nullptr);
  EXPECT_NE(back->FindMessage("TrainTask"), nullptr);
}

TEST_F(DescriptorCacheTest, AFileThatNowShadowsAnImportInAnEarlierProtoPathIsAMiss) {
  auto import = [this]() {
    absl::StatusOr<std::unique_ptr<DynamicSchema>> imported =
        DynamicSchema::Import({tree_.Path("first"), tree_.Path("schema")}, "top.proto");
    EXPECT_TRUE(imported.ok()) << imported.status();
    return imported.ok() ? std::move(*imported) : nullptr;
  };
  ASSERT_NE(import(), nullptr);
  ASSERT_TRUE(import()->from_cache());
  tree_.Write(
      "first/sub/extra.proto",
      "syntax = \"proto2\";\npackage extra;\nmessage Extra { optional bool shadow = 7; }\n");
  std::unique_ptr<DynamicSchema> shadowed = import();
  ASSERT_NE(shadowed, nullptr);
  EXPECT_FALSE(shadowed->from_cache());
  EXPECT_NE(shadowed->FindMessage("Extra")->FindFieldByName("shadow"), nullptr);
}

// The check reads each file where an import would: a folder that now has an
// import's name in an earlier proto path is no file of the schema, and the
// import (not the check) decides what it means.
TEST_F(DescriptorCacheTest, AFolderNamedLikeAnImportInAnEarlierProtoPathIsAMiss) {
  auto import = [this](bool use_cache) {
    DynamicSchema::ImportOptions options;
    options.use_cache = use_cache;
    return DynamicSchema::Import({tree_.Path("first"), tree_.Path("schema")}, "top.proto", options);
  };
  ASSERT_TRUE(import(true).ok());
  ASSERT_TRUE((*import(true))->from_cache());
  ASSERT_TRUE(MakeDirs(tree_.Path("first/sub/extra.proto")).ok());
  absl::StatusOr<std::unique_ptr<DynamicSchema>> cached = import(true);
  absl::StatusOr<std::unique_ptr<DynamicSchema>> parsed = import(false);
  ASSERT_EQ(cached.ok(), parsed.ok()) << cached.status() << "\n" << parsed.status();
  if (!parsed.ok()) {
    EXPECT_EQ(cached.status(), parsed.status());
    return;
  }
  EXPECT_FALSE((*cached)->from_cache());
  ExpectSameFiles(AllFiles((*cached)->file(), true), AllFiles((*parsed)->file(), true));
}

TEST_F(DescriptorCacheTest, ATruncatedOrCorruptCacheFileIsAMissAndIsRewritten) {
  ASSERT_NE(Import(), nullptr);
  for (const std::string kind : {"index", "set", "comments"}) {
    for (const bool corrupt : {false, true}) {
      SCOPED_TRACE(kind + (corrupt ? " corrupt" : " truncated"));
      const std::string path = CacheFiles()[kind];
      const std::string good = *ReadFileToString(path);
      std::string bad = good.substr(0, good.size() / 2);
      if (corrupt) {
        bad = good;
        bad[bad.size() - 3] ^= 0x20;
      }
      ASSERT_TRUE(WriteFileAtomically(path, bad).ok());
      // Comments are read only when asked for.
      std::unique_ptr<DynamicSchema> miss = Import(true, /*keep_comments=*/true);
      ASSERT_NE(miss, nullptr);
      EXPECT_FALSE(miss->from_cache());
      EXPECT_EQ(*ReadFileToString(path), good);  // rewritten, valid again
      std::unique_ptr<DynamicSchema> hit = Import(true, true);
      EXPECT_TRUE(hit->from_cache());
      ExpectSameFiles(AllFiles(hit->file(), true), AllFiles(Import(false)->file(), true));
    }
  }
  // A cut exactly at the end of a line of the index is no shorter list.
  const std::string index = CacheFiles()["index"];
  const std::string text = *ReadFileToString(index);
  ASSERT_TRUE(WriteFileAtomically(index, text.substr(0, text.find('\n', 70) + 1)).ok());
  EXPECT_FALSE(Import()->from_cache());
}

TEST_F(DescriptorCacheTest, AnUnwritableCacheFolderStillWorks) {
  // Tests run as root: a folder under a regular file is unwritable for anyone.
  tree_.Write("file-not-dir", "");
  ScopedEnv unwritable("XDG_CACHE_HOME", tree_.Path("file-not-dir/sub"));
  for (int i = 0; i < 2; ++i) {
    std::unique_ptr<DynamicSchema> schema = Import();
    ASSERT_NE(schema, nullptr);
    EXPECT_FALSE(schema->from_cache());
    EXPECT_NE(schema->FindMessage("TrainTask"), nullptr);
  }
  // HOME's ~/.cache when XDG_CACHE_HOME is not set.
  ScopedEnv no_xdg("XDG_CACHE_HOME", std::nullopt);
  ScopedEnv home("HOME", tree_.Path("file-not-dir/home"));
  EXPECT_EQ(DescriptorCacheDir(), tree_.Path("file-not-dir/home/.cache/heyhi"));
  std::unique_ptr<DynamicSchema> schema = Import();
  ASSERT_NE(schema, nullptr);
  EXPECT_FALSE(schema->from_cache());
}

TEST_F(DescriptorCacheTest, NoCacheOptionAndHhNoCacheNeverReadNorWrite) {
  ASSERT_NE(Import(/*use_cache=*/false), nullptr);
  EXPECT_EQ(EntriesIn(tree_.Path("cache")), 0);
  {
    ScopedEnv off("HH_NO_CACHE", "1");
    EXPECT_EQ(DescriptorCacheDir(), "");
    ASSERT_NE(Import(), nullptr);
    EXPECT_EQ(EntriesIn(tree_.Path("cache")), 0);
  }
  ASSERT_NE(Import(), nullptr);  // primes it
  const int entries = EntriesIn(tree_.Path("cache"));
  EXPECT_GT(entries, 0);
  {
    ScopedEnv off("HH_NO_CACHE", "1");
    EXPECT_FALSE(Import()->from_cache());
  }
  EXPECT_FALSE(Import(/*use_cache=*/false)->from_cache());
  EXPECT_EQ(EntriesIn(tree_.Path("cache")), entries);
  ScopedEnv zero("HH_NO_CACHE", "0");  // "0" leaves it on
  EXPECT_TRUE(Import()->from_cache());
}

TEST_F(DescriptorCacheTest, ParseErrorsReadTheSameWithTheCache) {
  tree_.Write("schema/bad.proto",
              "syntax = \"proto2\";\nimport \"x.proto\";\nmessage A {\n  optional int32 = 1;\n}\n");
  std::vector<std::string> messages;
  for (const bool use_cache : {false, true, true}) {
    DynamicSchema::ImportOptions options;
    options.use_cache = use_cache;
    absl::StatusOr<std::unique_ptr<DynamicSchema>> imported =
        DynamicSchema::Import({tree_.Path("schema")}, "bad.proto", options);
    ASSERT_FALSE(imported.ok());
    messages.emplace_back(imported.status().message());
  }
  EXPECT_THAT(messages[0], HasSubstr("bad.proto:4:18: "));
  EXPECT_EQ(messages[1], messages[0]);
  EXPECT_EQ(messages[2], messages[0]);
  EXPECT_EQ(EntriesIn(tree_.Path("cache")), 0);  // failures are not cached
}

}  // namespace
}  // namespace heyhi
