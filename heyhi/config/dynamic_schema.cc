// Run-time schemas: compiler::Importer over the user's proto paths, with
// heyhi's own schema and protobuf's well-known files always reachable.
#include "heyhi/config/dynamic_schema.h"

#include <cstring>
#include <filesystem>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/compiler/importer.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
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

// The user's proto paths, then heyhi's own schema from the text compiled into
// the library (so an installed or moved heyhi needs no path to it).
class SchemaSourceTree : public google::protobuf::compiler::SourceTree {
 public:
  google::protobuf::compiler::DiskSourceTree& disk() { return disk_; }

  google::protobuf::io::ZeroCopyInputStream* Open(const std::string& filename) override {
    google::protobuf::io::ZeroCopyInputStream* on_disk = disk_.Open(filename);
    if (on_disk != nullptr || filename != kHeyhiProtoName) return on_disk;
    return new google::protobuf::io::ArrayInputStream(kHeyhiProtoText,
                                                      static_cast<int>(strlen(kHeyhiProtoText)));
  }
  std::string GetLastErrorMessage() override { return disk_.GetLastErrorMessage(); }

 private:
  google::protobuf::compiler::DiskSourceTree disk_;
};

}  // namespace

struct DynamicSchema::Impl {
  SchemaSourceTree source_tree;
  CollectingErrors errors;
  std::unique_ptr<google::protobuf::compiler::Importer> importer;
};

DynamicSchema::DynamicSchema() : impl_(new Impl) {}
DynamicSchema::~DynamicSchema() = default;

const google::protobuf::DescriptorPool* DynamicSchema::pool() const {
  return impl_->importer->pool();
}

absl::StatusOr<std::unique_ptr<DynamicSchema>> DynamicSchema::Import(
    const std::vector<std::string>& proto_paths, const std::string& schema) {
  std::unique_ptr<DynamicSchema> result(new DynamicSchema);
  google::protobuf::compiler::DiskSourceTree& tree = result->impl_->source_tree.disk();
  std::vector<std::string> roots = proto_paths;
  if (roots.empty()) roots.push_back(fs::path(schema).parent_path().string());
  for (const std::string& root : roots) {
    tree.MapPath("", root.empty() ? "." : root);
  }
  // Fallback: the well-known files, only under their own names.
  tree.MapPath("google/protobuf", std::string(kWellKnownDir) + "/google/protobuf");

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
  result->impl_->importer.reset(new google::protobuf::compiler::Importer(
      &result->impl_->source_tree, &result->impl_->errors));
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
