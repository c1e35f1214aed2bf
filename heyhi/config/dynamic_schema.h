// Schemas loaded at run time from .proto files (pp --proto_path/--schema),
// so any project's configs can be composed without compiling them in.
#ifndef HEYHI_CONFIG_DYNAMIC_SCHEMA_H_
#define HEYHI_CONFIG_DYNAMIC_SCHEMA_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"

namespace heyhi {

// An imported schema and the factory for its messages.
//
// Field options keep their extensions: with heyhi's generated code linked in
// (the `heyhi` library links it), `field->options().GetExtension(
// heyhi::sig_exclude)` reads the option on dynamically loaded fields too.
class DynamicSchema {
 public:
  struct ImportOptions {
    // Use the descriptor cache (config/descriptor_cache.h) of
    // DescriptorCacheDir(); false: no read, no write (pp --no_cache).
    bool use_cache = true;
    // Keep the source code info (doc comments, for describe) of the files.
    // false: a schema from the cache comes without it (and loads faster); a
    // parsed one has it anyway.
    bool keep_comments = true;
  };

  // Imports `schema` (a path relative to one of `proto_paths`, or a file
  // inside one) and everything it imports. heyhi/heyhi.proto and
  // google/protobuf/*.proto are found even when not under `proto_paths`.
  // With no `proto_paths`, the schema's own folder is used.
  // Errors name the .proto file, line and column.
  //
  // The parsed descriptors of every file read are cached: an import whose
  // files (the last parse's, re-read through the proto paths) all have the
  // content they had then loads them from the cache instead of parsing;
  // anything else parses as without the cache, and stores the result.
  static absl::StatusOr<std::unique_ptr<DynamicSchema>> Import(
      const std::vector<std::string>& proto_paths, const std::string& schema,
      const ImportOptions& options);
  static absl::StatusOr<std::unique_ptr<DynamicSchema>> Import(
      const std::vector<std::string>& proto_paths, const std::string& schema) {
    return Import(proto_paths, schema, ImportOptions());
  }

  const google::protobuf::FileDescriptor* file() const { return file_; }
  // Whether the descriptors came from the descriptor cache (else parsed).
  bool from_cache() const { return from_cache_; }
  const google::protobuf::DescriptorPool* pool() const;
  google::protobuf::MessageFactory* factory() { return &factory_; }
  // A message type by full name, or by short name when unique among the
  // schema file and its imports; null if none.
  const google::protobuf::Descriptor* FindMessage(const std::string& name) const;

  ~DynamicSchema();

 private:
  DynamicSchema();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  const google::protobuf::FileDescriptor* file_ = nullptr;
  bool from_cache_ = false;
  google::protobuf::DynamicMessageFactory factory_;
};

// Every message type (nested ones included, map entries excluded) of `file`
// and of the files it imports, transitively, in import order; files under
// google/protobuf/ are left out.
std::vector<const google::protobuf::Descriptor*> SchemaMessages(
    const google::protobuf::FileDescriptor* file);

}  // namespace heyhi

#endif  // HEYHI_CONFIG_DYNAMIC_SCHEMA_H_
