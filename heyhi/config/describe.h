// `--describe KEY` (pp, run): what a config field is for and what it holds —
// its doc comment, type, default, allowed enum names or oneof cases, value.
#ifndef HEYHI_CONFIG_DESCRIBE_H_
#define HEYHI_CONFIG_DESCRIBE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace heyhi {

// Describes the field at `key` in `msg`, e.g. for a composed config
// `DescribeField(*composed.task, "batch_size")` prints
//
//   batch_size
//     Global batch size (split evenly over the ranks of a data-parallel run).
//     field:    TrainTask.batch_size (optional int32 = 2)
//     default:  128
//     value:    200
//
// `key` is dotted and relative to `msg`: sub-messages ("encoder.mlp.dropout"),
// elements of repeated fields ("agents.0.name") and map keys ("counts.x")
// pass through; a key naming a oneof ("encoder") describes the oneof. Enums
// list their names, oneof members the oneof's cases and the chosen one,
// messages their fields; values are in the flat form of `--print-flat`.
// An unknown key is an error naming the closest valid keys.
absl::StatusOr<std::string> DescribeField(const google::protobuf::Message& msg,
                                          absl::string_view key);

// The doc comment of a schema element: from the descriptor's source info
// (schemas imported at run time keep it), else from the registry that
// protoc-gen-heyhi fills for compiled-in schemas; "" when it has none.
std::string SchemaDoc(const google::protobuf::Descriptor* message);
std::string SchemaDoc(const google::protobuf::FieldDescriptor* field);
std::string SchemaDoc(const google::protobuf::OneofDescriptor* oneof);
std::string SchemaDoc(const google::protobuf::EnumDescriptor* enum_type);
std::string SchemaDoc(const google::protobuf::EnumValueDescriptor* value);

}  // namespace heyhi

#endif  // HEYHI_CONFIG_DESCRIBE_H_
