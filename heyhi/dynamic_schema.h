// Schemas loaded at run time from .proto files (pp --proto_path/--schema),
// so any project's configs can be composed without compiling them in.
#ifndef HEYHI_DYNAMIC_SCHEMA_H_
#define HEYHI_DYNAMIC_SCHEMA_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"

namespace heyhi {

// An imported schema and the factory for its messages.
class DynamicSchema {
 public:
  // Imports `schema` (a path relative to one of `proto_paths`, or a file
  // inside one) and everything it imports. heyhi/heyhi.proto and
  // google/protobuf/*.proto are found even when not under `proto_paths`.
  // Errors name the .proto file, line and column.
  static absl::StatusOr<std::unique_ptr<DynamicSchema>> Import(
      const std::vector<std::string>& proto_paths, const std::string& schema);

  const google::protobuf::FileDescriptor* file() const { return file_; }
  const google::protobuf::DescriptorPool* pool() const;
  google::protobuf::MessageFactory* factory() { return &factory_; }
  // A message type by full name, or by short name when unique; null if none.
  const google::protobuf::Descriptor* FindMessage(const std::string& name) const;

  ~DynamicSchema();

 private:
  DynamicSchema();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  const google::protobuf::FileDescriptor* file_ = nullptr;
  google::protobuf::DynamicMessageFactory factory_;
};

}  // namespace heyhi

#endif  // HEYHI_DYNAMIC_SCHEMA_H_
