// Reading one config file: {{ROOT_DIR}} substitution and text-format parsing
// in merge mode, with errors located by file:line:column (SPEC §1).
#ifndef HEYHI_TEXT_LOADER_H_
#define HEYHI_TEXT_LOADER_H_

#include <string>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"

namespace heyhi {

// Parses the text-format file `path` into `out` (merged on top of what it
// holds). `{{ROOT_DIR}}` becomes `project_root`. When `info` is given it
// receives the location of every parsed field (for provenance). Errors read
// "FILE:LINE:COL: message" with 1-based line and column.
absl::Status ParseTextFile(const std::string& path, const std::string& project_root,
                           google::protobuf::Message* out,
                           google::protobuf::TextFormat::ParseInfoTree* info = nullptr);

// Same, for text already in memory; `display_name` is used in errors.
absl::Status ParseText(const std::string& text, const std::string& display_name,
                       google::protobuf::Message* out,
                       google::protobuf::TextFormat::ParseInfoTree* info = nullptr);

}  // namespace heyhi

#endif  // HEYHI_TEXT_LOADER_H_
