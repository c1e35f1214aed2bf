// Writes the read-only view class of one message (SPEC §9): its getters, doc
// constants, oneof `which_*`, and the member definitions that need other
// views complete.
#ifndef HEYHI_TOOLS_PROTOC_GEN_HEYHI_VIEW_WRITER_H_
#define HEYHI_TOOLS_PROTOC_GEN_HEYHI_VIEW_WRITER_H_

#include <set>
#include <string>

#include "absl/status/status.h"
#include "google/protobuf/descriptor.h"

namespace heyhi::codegen {

struct ViewCode {
  // The class definition.
  std::string class_definition;
  // Inline member definitions that must follow every class of the file.
  std::string deferred_definitions;
  // .proto files whose views the code uses (besides the message's own file).
  std::set<const google::protobuf::FileDescriptor*> used_files;
};

// Whether messages of `file` get views: every file but protobuf's own
// (google/protobuf/*.proto), which protoc-gen-heyhi never runs on.
bool HasViews(const google::protobuf::FileDescriptor* file);

// Views are written for every message except map entries.
bool HasView(const google::protobuf::Descriptor* message);

// The view of `message`. Fails when two getters would get the same name
// (e.g. an enum field `a` and a field `a_name`), naming both fields.
absl::Status WriteView(const google::protobuf::Descriptor* message, ViewCode* code);

}  // namespace heyhi::codegen

#endif  // HEYHI_TOOLS_PROTOC_GEN_HEYHI_VIEW_WRITER_H_
