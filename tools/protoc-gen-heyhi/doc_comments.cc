// The .proto comments of schema elements; see doc_comments.h.
#include "doc_comments.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cpp_names.h"

namespace heyhi::codegen {
namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

template <typename Element>
void AddDoc(const Element* element, Entries* entries) {
  std::string doc = DocComment(element);
  if (!doc.empty()) entries->emplace_back(element->full_name(), std::move(doc));
}

void AddEnumDocs(const google::protobuf::EnumDescriptor* enum_type, Entries* entries) {
  AddDoc(enum_type, entries);
  for (int i = 0; i < enum_type->value_count(); ++i) AddDoc(enum_type->value(i), entries);
}

void AddMessageDocs(const google::protobuf::Descriptor* message, Entries* entries) {
  AddDoc(message, entries);
  for (int i = 0; i < message->field_count(); ++i) AddDoc(message->field(i), entries);
  for (int i = 0; i < message->oneof_decl_count(); ++i) {
    AddDoc(message->oneof_decl(i), entries);
  }
  for (int i = 0; i < message->enum_type_count(); ++i) {
    AddEnumDocs(message->enum_type(i), entries);
  }
  for (int i = 0; i < message->nested_type_count(); ++i) {
    AddMessageDocs(message->nested_type(i), entries);
  }
}

}  // namespace

std::string DocAsCppComment(const std::string& doc, const std::string& indent) {
  if (doc.empty()) return "";
  std::string out;
  for (absl::string_view line : absl::StrSplit(doc, '\n')) {
    std::string text(line);
    // A comment line ending in a backslash would swallow the next line.
    if (!text.empty() && text.back() == '\\') text += '.';
    absl::StrAppend(&out, indent, text.empty() ? "//" : "// ", text, "\n");
  }
  return out;
}

std::string DocsRegistrationCode(const google::protobuf::FileDescriptor* file) {
  Entries entries;
  for (int i = 0; i < file->message_type_count(); ++i) {
    AddMessageDocs(file->message_type(i), &entries);
  }
  for (int i = 0; i < file->enum_type_count(); ++i) AddEnumDocs(file->enum_type(i), &entries);
  if (entries.empty()) return "";
  std::string code =
      absl::StrCat("// Doc comments of ", file->name(),
                   " for `--describe` (protoc-gen-heyhi; generated descriptors drop them).\n",
                   "namespace {\n[[maybe_unused]] const bool heyhi_schema_docs_registered =\n",
                   "    ::heyhi::RegisterSchemaDocs({\n");
  for (const auto& [name, doc] : entries) {
    absl::StrAppend(&code, "        {", CppStringLiteral(name), ", ", CppStringLiteral(doc),
                    "},\n");
  }
  absl::StrAppend(&code, "    });\n}  // namespace\n");
  return code;
}

}  // namespace heyhi::codegen
