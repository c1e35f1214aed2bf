// Reading one config file: {{ROOT_DIR}} substitution and text-format parsing
// in merge mode, with errors located by file:line:column (SPEC §1).
#ifndef HEYHI_CONFIG_TEXT_LOADER_H_
#define HEYHI_CONFIG_TEXT_LOADER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "heyhi/base/files.h"
#include "heyhi/config/field_path.h"

namespace heyhi {

// The deepest nesting of messages a config file may have (the text parser
// reports deeper ones at their line and column).
inline constexpr int kMaxMessageNesting = 100;
static_assert(kMaxKeySteps == 2 * kMaxMessageNesting + 2, "a key names any field of a config");

// The largest config file read, in bytes.
inline constexpr size_t kMaxConfigBytes = 16 << 20;

// The text of the config file `path`: a regular file (a FIFO, a device or a
// folder is an error, and nothing blocks opening one) of at most
// kMaxConfigBytes bytes. Errors name the file.
absl::StatusOr<std::string> ReadConfigFile(const std::string& path);

// Where one value of a parsed file was written. Repeated indices count from
// the first element this text added (the parser appends to what was there).
struct FieldLocation {
  FieldPath path;  // from the parsed message
  int line = 0;    // 1-based
  int column = 0;  // 1-based
};

// Parses the text-format file `path` into `out` (merged on top of what it
// holds). `{{ROOT_DIR}}` becomes `project_root`. When `locations` is given it
// receives the location of every field value written, in text order. Errors
// read "FILE:LINE:COL: message" with 1-based line and column; FILE is
// `display_name` when given, else `path`.
absl::Status ParseTextFile(const std::string& path, const std::string& project_root,
                           google::protobuf::Message* out,
                           std::vector<FieldLocation>* locations = nullptr,
                           const std::string& display_name = "");

// Same, for text already in memory (no substitution); `display_name` is used
// in errors.
absl::Status ParseText(const std::string& text, const std::string& display_name,
                       google::protobuf::Message* out,
                       std::vector<FieldLocation>* locations = nullptr);

// Replaces every `{{ROOT_DIR}}` (spaces allowed inside the braces) with
// `project_root`.
std::string SubstituteRootDir(const std::string& text, const std::string& project_root);

// How many messages deep `msg` nests in text format, as the parser counts
// against kMaxMessageNesting: a message holding only scalars is 0, each
// message field one level, a map entry one level and its message value
// another. Counted no further than `limit` + 1, so that the walk stays short.
int TextNesting(const google::protobuf::Message& msg, int limit = kMaxMessageNesting);

// The levels of text nesting the steps of `path` open: one for each step into
// a message (a message field, an element of a repeated message field, a map
// value that is a message) and one for each map entry.
int PathTextNesting(const FieldPath& path);

}  // namespace heyhi

#endif  // HEYHI_CONFIG_TEXT_LOADER_H_
