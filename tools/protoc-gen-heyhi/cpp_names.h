// C++ names for generated views: protoc's own, from libprotoc, and the few heyhi adds.
#ifndef HEYHI_TOOLS_PROTOC_GEN_HEYHI_CPP_NAMES_H_
#define HEYHI_TOOLS_PROTOC_GEN_HEYHI_CPP_NAMES_H_

#include <string>

// protoc's ClassName, QualifiedClassName, FieldName and StripProto.
#include "google/protobuf/compiler/cpp/names.h"
#include "google/protobuf/descriptor.h"

// libprotoc exports these, but only compiler/cpp/helpers.h declares them, and
// that header does not compile here: it includes options.h and scc.h, which
// Debian's libprotoc-dev does not ship. The declarations are copied from it.
namespace google::protobuf::compiler::cpp {

// "some_thing2x", true -> "SomeThing2X", as in protoc's `SomeThing2XCase`.
std::string UnderscoresToCamelCase(const std::string& input, bool cap_next_letter);

// "int32_t", "double", "std::string"... for a CppType; nullptr for messages.
const char* PrimitiveTypeName(FieldDescriptor::CppType type);

}  // namespace google::protobuf::compiler::cpp

namespace heyhi::codegen {

// "foo.bar" -> "::foo::bar"; "" for the empty package. Not protobuf's Namespace(),
// which needs cpp::Options from options.h (not shipped).
std::string CppNamespace(const google::protobuf::FileDescriptor* file);

// The view class of `message`, protoc's class name + "View" (heyhi's naming):
// "Outer_InnerView", and "::foo::Outer_InnerView".
std::string ViewClassName(const google::protobuf::Descriptor* message);
std::string QualifiedViewClassName(const google::protobuf::Descriptor* message);

// The C++ type of one value of `field`: "int32_t", "std::string", "::foo::Color",
// "::foo::Msg". Wraps PrimitiveTypeName, which gives "int" for enums.
std::string ScalarCppType(const google::protobuf::FieldDescriptor* field);

// Include guard for `proto_file_name` + `suffix` (heyhi's format):
// "HEYHI_CFG_HEYHI_HEYHI_CFG_H_".
std::string IncludeGuard(const std::string& proto_file_name, const std::string& suffix);

// `text` as a C++ string literal, quotes included (absl's escaping).
std::string CppStringLiteral(const std::string& text);

}  // namespace heyhi::codegen

#endif  // HEYHI_TOOLS_PROTOC_GEN_HEYHI_CPP_NAMES_H_
