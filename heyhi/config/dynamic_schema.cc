// Run-time schemas: compiler::Importer over the user's proto paths, with
// heyhi's own schema and protobuf's well-known files always reachable, and
// the descriptor cache in front of it.
#include "heyhi/config/dynamic_schema.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <optional>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/compiler/importer.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "heyhi/base/files.h"
#include "heyhi/base/hash.h"
#include "heyhi/config/descriptor_cache.h"
#include "heyhi/config/heyhi_proto_text.h"

namespace heyhi {
namespace {

namespace fs = std::filesystem;
using google::protobuf::Descriptor;
using google::protobuf::FileDescriptor;

constexpr char kWellKnownDir[] = "/usr/include";

class CollectingErrors : public google::protobuf::compiler::MultiFileErrorCollector {
 public:
  void AddError(const std::string& file, int line, int column,
                const std::string& message) override {
    if (line < 0) {
      errors_.push_back(absl::StrCat(file, ": ", message));
    } else {
      errors_.push_back(absl::StrCat(file, ":", line + 1, ":", column + 1, ": ", message));
    }
  }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::vector<std::string> errors_;
};

void AddMessages(const Descriptor* type, std::vector<const Descriptor*>* out) {
  if (type->options().map_entry()) return;
  out->push_back(type);
  for (int i = 0; i < type->nested_type_count(); ++i) AddMessages(type->nested_type(i), out);
}

void AddFile(const FileDescriptor* file, std::set<const FileDescriptor*>* seen,
             std::vector<const Descriptor*>* out) {
  if (!seen->insert(file).second) return;
  if (absl::StartsWith(file->name(), "google/protobuf/")) return;
  for (int i = 0; i < file->message_type_count(); ++i) AddMessages(file->message_type(i), out);
  for (int i = 0; i < file->dependency_count(); ++i) AddFile(file->dependency(i), seen, out);
}

constexpr char kHeyhiProtoName[] = "heyhi/heyhi.proto";

// The largest .proto file the cache check reads; a larger one is a miss, and
// the import reads it.
constexpr size_t kMaxCheckedProtoBytes = 64 << 20;

// The user's proto paths, then heyhi's own schema from the text compiled into
// the library (so an installed or moved heyhi needs no path to it). When
// recording, it notes the name and content hash of every file it opens.
class SchemaSourceTree : public google::protobuf::compiler::SourceTree {
 public:
  google::protobuf::compiler::DiskSourceTree& disk() { return disk_; }

  // Maps `virtual_path` to `disk_path` as DiskSourceTree::MapPath does.
  void MapPath(const std::string& virtual_path, const std::string& disk_path) {
    disk_.MapPath(virtual_path, disk_path);
    mappings_.emplace_back(virtual_path, disk_path);
  }

  // The bytes an import of `filename` (a name the importer took) would read,
  // in fewer system calls than DiskSourceTree's stat, open, fcntl and reads:
  // open in each mapped folder in turn, the first that opens gives the file.
  // nullopt where an import might read something else (a folder, an
  // unreadable file): the cache check then misses, and the import decides.
  std::optional<std::string> ReadAsImportWould(const std::string& filename) {
    for (const auto& [virtual_path, disk_path] : mappings_) {
      std::string on_disk;
      if (virtual_path.empty()) {
        on_disk = disk_path.empty() ? filename : absl::StrCat(disk_path, "/", filename);
      } else if (absl::StartsWith(filename, virtual_path + "/")) {
        on_disk = absl::StrCat(disk_path, filename.substr(virtual_path.size()));
      } else {
        continue;
      }
      absl::StatusOr<std::string> content = ReadRegularFile(on_disk, kMaxCheckedProtoBytes);
      if (content.ok()) return std::move(*content);
      struct stat info;
      if (::stat(on_disk.c_str(), &info) != 0 && (errno == ENOENT || errno == ENOTDIR)) {
        continue;  // not in this folder
      }
      return std::nullopt;
    }
    if (filename != kHeyhiProtoName) return std::nullopt;
    return std::string(kHeyhiProtoText);
  }

  // The bytes of `filename` as an import of it reads them; nullopt if none.
  std::optional<std::string> Read(const std::string& filename) {
    std::unique_ptr<google::protobuf::io::ZeroCopyInputStream> on_disk(disk_.Open(filename));
    if (on_disk == nullptr) {
      if (filename != kHeyhiProtoName) return std::nullopt;
      return std::string(kHeyhiProtoText);
    }
    std::string content;
    const void* data = nullptr;
    int size = 0;
    while (on_disk->Next(&data, &size)) content.append(static_cast<const char*>(data), size);
    return content;
  }

  google::protobuf::io::ZeroCopyInputStream* Open(const std::string& filename) override {
    if (!recording_) {
      google::protobuf::io::ZeroCopyInputStream* on_disk = disk_.Open(filename);
      if (on_disk != nullptr || filename != kHeyhiProtoName) return on_disk;
      return new google::protobuf::io::ArrayInputStream(kHeyhiProtoText,
                                                        static_cast<int>(strlen(kHeyhiProtoText)));
    }
    std::optional<std::string> content = Read(filename);
    if (!content.has_value()) return nullptr;
    opened_.push_back(ProtoFileHash{filename, Sha256Hex(*content)});
    contents_.push_back(std::move(*content));
    return new google::protobuf::io::ArrayInputStream(contents_.back().data(),
                                                      static_cast<int>(contents_.back().size()));
  }
  std::string GetLastErrorMessage() override { return disk_.GetLastErrorMessage(); }

  void set_recording(bool recording) { recording_ = recording; }
  const std::vector<ProtoFileHash>& opened() const { return opened_; }

 private:
  google::protobuf::compiler::DiskSourceTree disk_;
  std::vector<std::pair<std::string, std::string>> mappings_;  // as given to MapPath
  bool recording_ = false;
  std::vector<ProtoFileHash> opened_;
  std::deque<std::string> contents_;  // what the streams handed out point into
};

// Every file of `file`'s import graph, each after the files it imports.
void AddWithDependencies(const FileDescriptor* file, std::set<const FileDescriptor*>* seen,
                         google::protobuf::FileDescriptorSet* set) {
  if (!seen->insert(file).second) return;
  for (int i = 0; i < file->dependency_count(); ++i) {
    AddWithDependencies(file->dependency(i), seen, set);
  }
  google::protobuf::FileDescriptorProto* proto = set->add_file();
  file->CopyTo(proto);
  file->CopySourceCodeInfoTo(proto);  // the doc comments, for --describe
}

class SilentErrors : public google::protobuf::DescriptorPool::ErrorCollector {
 public:
  void AddError(const std::string&, const std::string&, const google::protobuf::Message*,
                ErrorLocation, const std::string&) override {}
};

// The question the cache indexes: the proto paths as absolute folders (what
// relative ones mean depends on the current folder) and the schema's name.
std::string CacheQuestion(const std::vector<std::string>& roots, const std::string& virtual_name) {
  std::string question;
  for (const std::string& root : roots) {
    std::error_code error;
    fs::path absolute = fs::absolute(root.empty() ? "." : root, error);
    absl::StrAppend(&question, "proto_path ", absolute.lexically_normal().string(), "\n");
  }
  absl::StrAppend(&question, "schema ", virtual_name, "\n");
  return question;
}

}  // namespace

struct DynamicSchema::Impl {
  SchemaSourceTree source_tree;
  CollectingErrors errors;
  std::unique_ptr<google::protobuf::compiler::Importer> importer;
  std::unique_ptr<google::protobuf::DescriptorPool> cached_pool;  // on a cache hit

  // Builds the pool from a cached set; false (and no pool) if it does not build.
  bool BuildFromCache(const google::protobuf::FileDescriptorSet& set) {
    cached_pool = std::make_unique<google::protobuf::DescriptorPool>();
    SilentErrors silent;
    for (const google::protobuf::FileDescriptorProto& file : set.file()) {
      if (cached_pool->BuildFileCollectingErrors(file, &silent) == nullptr) {
        cached_pool.reset();
        return false;
      }
    }
    return true;
  }
};

DynamicSchema::DynamicSchema() : impl_(new Impl) {}
DynamicSchema::~DynamicSchema() = default;

const google::protobuf::DescriptorPool* DynamicSchema::pool() const {
  return impl_->cached_pool != nullptr ? impl_->cached_pool.get() : impl_->importer->pool();
}

absl::StatusOr<std::unique_ptr<DynamicSchema>> DynamicSchema::Import(
    const std::vector<std::string>& proto_paths, const std::string& schema,
    const ImportOptions& options) {
  std::unique_ptr<DynamicSchema> result(new DynamicSchema);
  SchemaSourceTree& source_tree = result->impl_->source_tree;
  google::protobuf::compiler::DiskSourceTree& tree = result->impl_->source_tree.disk();
  std::vector<std::string> roots = proto_paths;
  if (roots.empty()) roots.push_back(fs::path(schema).parent_path().string());
  for (const std::string& root : roots) {
    source_tree.MapPath("", root.empty() ? "." : root);
  }
  // Fallback: the well-known files, only under their own names.
  source_tree.MapPath("google/protobuf", std::string(kWellKnownDir) + "/google/protobuf");

  std::string virtual_name = schema;
  std::error_code error;
  if (fs::is_regular_file(schema, error)) {
    std::string shadowing;
    if (tree.DiskFileToVirtualFile(schema, &virtual_name, &shadowing) !=
        google::protobuf::compiler::DiskSourceTree::SUCCESS) {
      // Not inside a proto path: look it up by name relative to one.
      virtual_name = schema;
    }
  }

  // A hit: every file of the last parse still reads as it did then.
  const DescriptorCache cache(options.use_cache ? DescriptorCacheDir() : "",
                              CacheQuestion(roots, virtual_name));
  if (cache.enabled()) {
    std::optional<std::vector<ProtoFileHash>> files = cache.IndexedFiles();
    bool unchanged = files.has_value();
    for (size_t i = 0; unchanged && i < files->size(); ++i) {
      std::optional<std::string> content = source_tree.ReadAsImportWould((*files)[i].name);
      unchanged = content.has_value() && Sha256Hex(*content) == (*files)[i].sha256;
    }
    google::protobuf::Arena arena;  // the set is read, built into the pool, then dropped
    const google::protobuf::FileDescriptorSet* set =
        unchanged ? cache.LoadSet(*files, options.keep_comments, &arena) : nullptr;
    if (set != nullptr && result->impl_->BuildFromCache(*set)) {
      result->file_ = result->impl_->cached_pool->FindFileByName(virtual_name);
      if (result->file_ != nullptr) {
        result->from_cache_ = true;
        return result;
      }
      result->impl_->cached_pool.reset();
    }
    source_tree.set_recording(true);
  }

  result->impl_->importer.reset(
      new google::protobuf::compiler::Importer(&source_tree, &result->impl_->errors));
  result->file_ = result->impl_->importer->Import(virtual_name);
  if (result->file_ == nullptr) {
    const std::vector<std::string>& errors = result->impl_->errors.errors();
    std::string detail = errors.empty() ? absl::StrCat(schema, ": not found under --proto_path ",
                                                       absl::StrJoin(roots, ", "))
                                        : absl::StrJoin(errors, "\n");
    if (!errors.empty() && absl::StrContains(detail, "File not found")) {
      absl::StrAppend(&detail, "\n(proto paths: ", absl::StrJoin(roots, ", "), ")");
    }
    return absl::InvalidArgumentError(detail);
  }
  if (cache.enabled()) {
    google::protobuf::FileDescriptorSet set;
    std::set<const FileDescriptor*> seen;
    AddWithDependencies(result->file_, &seen, &set);
    cache.Store(source_tree.opened(), set);
  }
  return result;
}

const Descriptor* DynamicSchema::FindMessage(const std::string& name) const {
  const Descriptor* by_full_name = pool()->FindMessageTypeByName(name);
  if (by_full_name != nullptr) return by_full_name;
  const Descriptor* found = nullptr;
  for (const Descriptor* type : SchemaMessages(file_)) {
    if (type->name() != name) continue;
    if (found != nullptr) return nullptr;  // ambiguous
    found = type;
  }
  return found;
}

std::vector<const Descriptor*> SchemaMessages(const FileDescriptor* file) {
  std::vector<const Descriptor*> out;
  std::set<const FileDescriptor*> seen;
  AddFile(file, &seen, &out);
  return out;
}

}  // namespace heyhi
