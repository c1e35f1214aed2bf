// How protoc's C++ generator names things; see cpp_names.h.
#include "cpp_names.h"

#include <cctype>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"

namespace heyhi::codegen {
namespace {

// The words protoc's C++ generator renames by appending '_'.
const std::set<std::string>& CppKeywords() {
  static const auto* keywords = new std::set<std::string>{
      "NULL",          "alignas",      "alignof",   "and",        "and_eq",
      "asm",           "auto",         "bitand",    "bitor",      "bool",
      "break",         "case",         "catch",     "char",       "class",
      "compl",         "const",        "constexpr", "const_cast", "continue",
      "decltype",      "default",      "delete",    "do",         "double",
      "dynamic_cast",  "else",         "enum",      "explicit",   "export",
      "extern",        "false",        "float",     "for",        "friend",
      "goto",          "if",           "inline",    "int",        "long",
      "mutable",       "namespace",    "new",       "noexcept",   "not",
      "not_eq",        "nullptr",      "operator",  "or",         "or_eq",
      "private",       "protected",    "public",    "register",   "reinterpret_cast",
      "return",        "short",        "signed",    "sizeof",     "static",
      "static_assert", "static_cast",  "struct",    "switch",     "template",
      "this",          "thread_local", "throw",     "true",       "try",
      "typedef",       "typeid",       "typename",  "union",      "unsigned",
      "using",         "virtual",      "void",      "volatile",   "wchar_t",
      "while",         "xor",          "xor_eq",    "char8_t",    "char16_t",
      "char32_t",      "concept",      "consteval", "constinit",  "co_await",
      "co_return",     "co_yield",     "requires"};
  return *keywords;
}

std::string NameWithoutPackage(const std::string& full_name, const std::string& package) {
  std::string name = full_name;
  if (!package.empty()) name = full_name.substr(package.size() + 1);
  return absl::StrReplaceAll(name, {{".", "_"}});
}

}  // namespace

std::string CppNamespace(const google::protobuf::FileDescriptor* file) {
  if (file->package().empty()) return "";
  return absl::StrCat("::", absl::StrReplaceAll(file->package(), {{".", "::"}}));
}

std::string ClassName(const google::protobuf::Descriptor* message) {
  return NameWithoutPackage(message->full_name(), message->file()->package());
}

std::string ClassName(const google::protobuf::EnumDescriptor* enum_type) {
  return NameWithoutPackage(enum_type->full_name(), enum_type->file()->package());
}

std::string QualifiedClassName(const google::protobuf::Descriptor* message) {
  return absl::StrCat(CppNamespace(message->file()), "::", ClassName(message));
}

std::string QualifiedClassName(const google::protobuf::EnumDescriptor* enum_type) {
  return absl::StrCat(CppNamespace(enum_type->file()), "::", ClassName(enum_type));
}

std::string ViewClassName(const google::protobuf::Descriptor* message) {
  return absl::StrCat(ClassName(message), "View");
}

std::string QualifiedViewClassName(const google::protobuf::Descriptor* message) {
  return absl::StrCat(QualifiedClassName(message), "View");
}

std::string AccessorName(const google::protobuf::FieldDescriptor* field) {
  std::string name = absl::AsciiStrToLower(field->name());
  if (CppKeywords().count(name) > 0) name += '_';
  return name;
}

std::string AccessorName(const google::protobuf::OneofDescriptor* oneof) {
  std::string name = absl::AsciiStrToLower(oneof->name());
  if (CppKeywords().count(name) > 0) name += '_';
  return name;
}

std::string CamelCase(const std::string& name) {
  std::string out;
  bool capitalize_next = true;
  for (char c : name) {
    if (c >= 'a' && c <= 'z') {
      out += capitalize_next ? static_cast<char>(c - 'a' + 'A') : c;
      capitalize_next = false;
    } else if (c >= 'A' && c <= 'Z') {
      out += c;
      capitalize_next = false;
    } else if (c >= '0' && c <= '9') {
      out += c;
      capitalize_next = true;
    } else {
      capitalize_next = true;
    }
  }
  return out;
}

std::string ScalarCppType(const google::protobuf::FieldDescriptor* field) {
  using google::protobuf::FieldDescriptor;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return "int32_t";
    case FieldDescriptor::CPPTYPE_INT64:
      return "int64_t";
    case FieldDescriptor::CPPTYPE_UINT32:
      return "uint32_t";
    case FieldDescriptor::CPPTYPE_UINT64:
      return "uint64_t";
    case FieldDescriptor::CPPTYPE_FLOAT:
      return "float";
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return "double";
    case FieldDescriptor::CPPTYPE_BOOL:
      return "bool";
    case FieldDescriptor::CPPTYPE_STRING:
      return "std::string";
    case FieldDescriptor::CPPTYPE_ENUM:
      return QualifiedClassName(field->enum_type());
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return QualifiedClassName(field->message_type());
  }
  return "";
}

std::string IncludeGuard(const std::string& proto_file_name, const std::string& suffix) {
  std::string guard = "HEYHI_CFG_";
  for (char c : StripProtoExtension(proto_file_name) + suffix) {
    guard += std::isalnum(static_cast<unsigned char>(c))
                 ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                 : '_';
  }
  return guard + "_";
}

std::string CppStringLiteral(const std::string& text) {
  return absl::StrCat("\"", absl::CEscape(text), "\"");
}

std::string StripProtoExtension(const std::string& file_name) {
  return std::string(absl::StripSuffix(file_name, ".proto"));
}

}  // namespace heyhi::codegen
