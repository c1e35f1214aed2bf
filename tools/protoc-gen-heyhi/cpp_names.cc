// C++ names for generated views; see cpp_names.h.
#include "cpp_names.h"

#include <cctype>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace heyhi::codegen {

namespace cpp = google::protobuf::compiler::cpp;
using google::protobuf::FieldDescriptor;

std::string CppNamespace(const google::protobuf::FileDescriptor* file) {
  if (file->package().empty()) return "";
  return absl::StrCat("::", absl::StrReplaceAll(file->package(), {{".", "::"}}));
}

std::string ViewClassName(const google::protobuf::Descriptor* message) {
  return absl::StrCat(cpp::ClassName(message), "View");
}

std::string QualifiedViewClassName(const google::protobuf::Descriptor* message) {
  return absl::StrCat(cpp::QualifiedClassName(message), "View");
}

std::string ScalarCppType(const FieldDescriptor* field) {
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_ENUM:
      return cpp::QualifiedClassName(field->enum_type());
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return cpp::QualifiedClassName(field->message_type());
    default:
      return cpp::PrimitiveTypeName(field->cpp_type());
  }
}

std::string IncludeGuard(const std::string& proto_file_name, const std::string& suffix) {
  std::string guard = "HEYHI_CFG_";
  for (char c : cpp::StripProto(proto_file_name) + suffix) {
    guard += std::isalnum(static_cast<unsigned char>(c))
                 ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                 : '_';
  }
  return guard + "_";
}

std::string CppStringLiteral(const std::string& text) {
  return absl::StrCat("\"", absl::CEscape(text), "\"");
}

}  // namespace heyhi::codegen
