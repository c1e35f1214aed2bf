// How protoc's C++ generator names things (classes, accessors, oneof case
// enums), so that generated views call the generated protobuf API correctly.
#ifndef HEYHI_TOOLS_PROTOC_GEN_HEYHI_CPP_NAMES_H_
#define HEYHI_TOOLS_PROTOC_GEN_HEYHI_CPP_NAMES_H_

#include <string>

#include "google/protobuf/descriptor.h"

namespace heyhi::codegen {

// "foo.bar" -> "::foo::bar"; "" for the empty package.
std::string CppNamespace(const google::protobuf::FileDescriptor* file);

// Class name inside its namespace: nested "Outer.Inner" -> "Outer_Inner".
std::string ClassName(const google::protobuf::Descriptor* message);
std::string ClassName(const google::protobuf::EnumDescriptor* enum_type);

// Fully qualified: "::foo::bar::Outer_Inner", "::TrainTask".
std::string QualifiedClassName(const google::protobuf::Descriptor* message);
std::string QualifiedClassName(const google::protobuf::EnumDescriptor* enum_type);

// The view class of `message`: ClassName + "View", and qualified.
std::string ViewClassName(const google::protobuf::Descriptor* message);
std::string QualifiedViewClassName(const google::protobuf::Descriptor* message);

// Accessor base name protoc uses for a field: lower-cased, '_' appended to
// C++ keywords ("class" -> "class_").
std::string AccessorName(const google::protobuf::FieldDescriptor* field);
std::string AccessorName(const google::protobuf::OneofDescriptor* oneof);

// protoc's UnderscoresToCamelCase with a capital first letter:
// "some_thing2x" -> "SomeThing2X".
std::string CamelCase(const std::string& name);

// The C++ type of a scalar (non-message) field's single value:
// "int32_t", "double", "bool", "std::string", "::foo::Color".
std::string ScalarCppType(const google::protobuf::FieldDescriptor* field);

// Include guard for `proto_file_name` + `suffix`: "HEYHI_CFG_HEYHI_HEYHI_CFG_H_".
std::string IncludeGuard(const std::string& proto_file_name, const std::string& suffix);

// `text` as a C++ string literal, quotes included.
std::string CppStringLiteral(const std::string& text);

// "conf.proto" -> "conf".
std::string StripProtoExtension(const std::string& file_name);

}  // namespace heyhi::codegen

#endif  // HEYHI_TOOLS_PROTOC_GEN_HEYHI_CPP_NAMES_H_
