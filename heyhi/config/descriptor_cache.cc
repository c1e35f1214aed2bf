// The descriptor cache's files: where they live, their keys, their formats.
#include "heyhi/config/descriptor_cache.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/stubs/common.h"
#include "heyhi/base/files.h"
#include "heyhi/base/hash.h"

namespace heyhi {
namespace {

// Changes whenever the files' format or what a parse produces may change:
// heyhi's format number and the protobuf library that parses.
const std::string& FormatVersion() {
  static const std::string* const version =
      new std::string(absl::StrCat("heyhi-descriptor-cache 1 protobuf ", GOOGLE_PROTOBUF_VERSION));
  return *version;
}

constexpr size_t kHexSize = 64;

bool IsHex(absl::string_view text) {
  return text.size() == kHexSize && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// "<version>\n", "<sha256> <name>\n" per file, then "end <count>\n" (so that
// a file cut at the end of a line is not taken for a shorter list).
std::string IndexText(const std::vector<ProtoFileHash>& files) {
  std::string text = absl::StrCat(FormatVersion(), "\n");
  for (const ProtoFileHash& file : files) absl::StrAppend(&text, file.sha256, " ", file.name, "\n");
  absl::StrAppend(&text, "end ", files.size(), "\n");
  return text;
}

std::optional<std::vector<ProtoFileHash>> ParseIndex(const std::string& text) {
  if (text.empty() || text.back() != '\n') return std::nullopt;  // truncated
  std::vector<absl::string_view> lines =
      absl::StrSplit(absl::string_view(text.data(), text.size() - 1), '\n');
  if (lines.size() < 3 || lines[0] != FormatVersion() ||
      lines.back() != absl::StrCat("end ", lines.size() - 2)) {
    return std::nullopt;
  }
  std::vector<ProtoFileHash> files;
  for (size_t i = 1; i + 1 < lines.size(); ++i) {
    const absl::string_view line = lines[i];
    if (line.size() < kHexSize + 2 || line[kHexSize] != ' ' || !IsHex(line.substr(0, kHexSize))) {
      return std::nullopt;
    }
    files.push_back(ProtoFileHash{std::string(line.substr(kHexSize + 1)),
                                  std::string(line.substr(0, kHexSize))});
  }
  return files;
}

// The set's key: every file's name and content hash, in name order.
std::string SetKey(std::vector<ProtoFileHash> files) {
  std::sort(files.begin(), files.end(),
            [](const ProtoFileHash& a, const ProtoFileHash& b) { return a.name < b.name; });
  std::string keyed = absl::StrCat(FormatVersion(), "\nset\n");
  for (const ProtoFileHash& file : files) {
    absl::StrAppend(&keyed, file.name.size(), ":", file.name, " ", file.sha256, "\n");
  }
  return Sha256Hex(keyed);
}

// "<sha256 of the message's bytes>\n<the bytes>".
std::string Checked(const google::protobuf::Message& message) {
  std::string payload;
  if (!message.SerializeToString(&payload)) return "";
  return absl::StrCat(Sha256Hex(payload), "\n", payload);
}

bool ParseChecked(const std::string& path, google::protobuf::Message* message) {
  absl::StatusOr<std::string> content = ReadFileToString(path);
  if (!content.ok() || content->size() < kHexSize + 1 || (*content)[kHexSize] != '\n') {
    return false;
  }
  const absl::string_view payload = absl::string_view(*content).substr(kHexSize + 1);
  if (Sha256Hex(payload) != absl::string_view(*content).substr(0, kHexSize)) return false;
  return message->ParseFromArray(payload.data(), static_cast<int>(payload.size()));
}

}  // namespace

std::string DescriptorCacheDir() {
  const char* off = std::getenv("HH_NO_CACHE");
  if (off != nullptr && *off != '\0' && std::string(off) != "0") return "";
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && xdg[0] == '/') return absl::StrCat(xdg, "/heyhi");
  const char* home = std::getenv("HOME");
  if (home != nullptr && *home != '\0') return absl::StrCat(home, "/.cache/heyhi");
  return "";
}

DescriptorCache::DescriptorCache(std::string dir, const std::string& question)
    : dir_(std::move(dir)) {
  if (enabled()) {
    index_key_ = Sha256Hex(absl::StrCat(FormatVersion(), "\nindex\n", question));
  }
}

std::string DescriptorCache::IndexPath() const { return absl::StrCat(dir_, "/index-", index_key_); }

std::string DescriptorCache::SetPath(const std::vector<ProtoFileHash>& files) const {
  return absl::StrCat(dir_, "/set-", SetKey(files), ".pb");
}

std::string DescriptorCache::CommentsPath(const std::vector<ProtoFileHash>& files) const {
  return absl::StrCat(dir_, "/set-", SetKey(files), ".comments.pb");
}

std::optional<std::vector<ProtoFileHash>> DescriptorCache::IndexedFiles() const {
  if (!enabled()) return std::nullopt;
  absl::StatusOr<std::string> text = ReadFileToString(IndexPath());
  if (!text.ok()) return std::nullopt;
  return ParseIndex(*text);
}

google::protobuf::FileDescriptorSet* DescriptorCache::LoadSet(
    const std::vector<ProtoFileHash>& files, bool with_comments,
    google::protobuf::Arena* arena) const {
  if (!enabled() || files.empty()) return nullptr;
  auto* set = google::protobuf::Arena::CreateMessage<google::protobuf::FileDescriptorSet>(arena);
  if (!ParseChecked(SetPath(files), set)) return nullptr;
  std::set<std::string> names;
  for (const ProtoFileHash& file : files) names.insert(file.name);
  std::set<std::string> stored;
  for (const google::protobuf::FileDescriptorProto& file : set->file()) stored.insert(file.name());
  if (stored != names || static_cast<size_t>(set->file_size()) != names.size()) return nullptr;
  if (!with_comments) return set;
  // The comments file holds, for each file of the set in the same order, its
  // name and its source code info.
  auto* comments =
      google::protobuf::Arena::CreateMessage<google::protobuf::FileDescriptorSet>(arena);
  if (!ParseChecked(CommentsPath(files), comments) || comments->file_size() != set->file_size()) {
    return nullptr;
  }
  for (int i = 0; i < set->file_size(); ++i) {
    if (comments->file(i).name() != set->file(i).name()) return nullptr;
    if (!comments->file(i).has_source_code_info()) continue;
    set->mutable_file(i)->mutable_source_code_info()->Swap(
        comments->mutable_file(i)->mutable_source_code_info());
  }
  return set;
}

void DescriptorCache::Store(const std::vector<ProtoFileHash>& files,
                            const google::protobuf::FileDescriptorSet& set) const {
  if (!enabled() || files.empty()) return;
  for (const ProtoFileHash& file : files) {
    if (absl::StrContains(file.name, '\n')) return;  // not representable in the index
  }
  if (!MakeDirs(dir_).ok()) return;
  google::protobuf::FileDescriptorSet descriptors = set, comments;
  for (google::protobuf::FileDescriptorProto& file : *descriptors.mutable_file()) {
    google::protobuf::FileDescriptorProto* commented = comments.add_file();
    commented->set_name(file.name());
    if (file.has_source_code_info()) {
      commented->mutable_source_code_info()->Swap(file.mutable_source_code_info());
      file.clear_source_code_info();
    }
  }
  const std::string set_text = Checked(descriptors), comments_text = Checked(comments);
  if (set_text.empty() || comments_text.empty()) return;
  const std::optional<std::vector<ProtoFileHash>> before = IndexedFiles();
  if (!WriteFileAtomically(SetPath(files), set_text).ok() ||
      !WriteFileAtomically(CommentsPath(files), comments_text).ok() ||
      !WriteFileAtomically(IndexPath(), IndexText(files)).ok()) {
    return;
  }
  if (before.has_value() && SetKey(*before) != SetKey(files)) {
    ::unlink(SetPath(*before).c_str());
    ::unlink(CommentsPath(*before).c_str());
  }
}

}  // namespace heyhi
