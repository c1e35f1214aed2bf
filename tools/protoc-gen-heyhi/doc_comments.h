// The .proto comments of schema elements, for the views' doc constants and
// for the doc registry inserted into x.pb.cc (see heyhi/schema_docs.h).
#ifndef HEYHI_TOOLS_PROTOC_GEN_HEYHI_DOC_COMMENTS_H_
#define HEYHI_TOOLS_PROTOC_GEN_HEYHI_DOC_COMMENTS_H_

#include <string>

#include "google/protobuf/descriptor.h"
#include "heyhi/schema_docs.h"

namespace heyhi::codegen {

// The leading comment of `element` (its trailing comment when it has no
// leading one), cleaned by CleanDocComment; "" without source info.
template <typename Element>
std::string DocComment(const Element* element) {
  google::protobuf::SourceLocation location;
  if (!element->GetSourceLocation(&location)) return "";
  return CleanDocComment(location.leading_comments.empty() ? location.trailing_comments
                                                           : location.leading_comments);
}

// `doc` as `//` comment lines indented by `indent`, each ending in '\n'.
std::string DocAsCppComment(const std::string& doc, const std::string& indent);

// C++ code registering the docs of every message, field, oneof, enum and enum
// value of `file` with heyhi::RegisterSchemaDocs; "" if none has a doc.
std::string DocsRegistrationCode(const google::protobuf::FileDescriptor* file);

}  // namespace heyhi::codegen

#endif  // HEYHI_TOOLS_PROTOC_GEN_HEYHI_DOC_COMMENTS_H_
