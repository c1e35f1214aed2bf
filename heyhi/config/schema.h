// Schema helpers every composition step needs: the root message, its task
// oneof, the `includes` and `refs` fields of a message type, and whether a
// type is compiled in.
#ifndef HEYHI_CONFIG_SCHEMA_H_
#define HEYHI_CONFIG_SCHEMA_H_

#include <string>

#include "google/protobuf/descriptor.h"

namespace heyhi {

// True if `type` is compiled into the binary (protoc-generated), false for a
// type of a schema loaded at run time. Compiled-in descriptors live as long
// as the process, so results about them may be kept by address.
bool IsCompiledIn(const google::protobuf::Descriptor* type);

// Finds the message named `root_name` (in any package) among the messages of
// `file` and of the files it imports; null if none.
const google::protobuf::Descriptor* FindRootMessage(const google::protobuf::FileDescriptor* file,
                                                    const std::string& root_name = "MetaCfg");

// The repeated `includes` field of `type` if it has one whose element type
// has string fields `path` and `mount`; else null.
const google::protobuf::FieldDescriptor* IncludesField(const google::protobuf::Descriptor* type);

// The repeated `refs` field of `type` if it has one whose element type has
// string fields `key` and `from` (heyhi.Ref, or a schema's own); else null.
const google::protobuf::FieldDescriptor* RefsField(const google::protobuf::Descriptor* type);

// The `oneof task` of a root message (or its first oneof); null if none.
const google::protobuf::OneofDescriptor* TaskOneof(const google::protobuf::Descriptor* root);

}  // namespace heyhi

#endif  // HEYHI_CONFIG_SCHEMA_H_
