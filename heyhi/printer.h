// Printing a composed config: text format, flat `key=value` lines and values
// quoted for a shell (SPEC §5).
#ifndef HEYHI_PRINTER_H_
#define HEYHI_PRINTER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace heyhi {

// Text format with shortest round-trip numbers (`lr: 0.001`).
std::string PrintText(const google::protobuf::Message& msg);

// One `key=value` line per set field, sorted by key (byte order); repeated
// fields one line per element (`key.N=v`), maps `key.K=v`, a present message
// with nothing set inside `key=SELECT`. With `with_all`, also every unset
// field of the message and of its non-oneof sub-messages: its default, or
// `key=NULL` when it has none. Applying the lines (shell-unquoted) as
// overrides to an empty message rebuilds `msg`.
std::vector<std::string> Flatten(const google::protobuf::Message& msg, bool with_all);

// The flat form of a scalar value: bool true/false, numbers shortest
// round-trip, enums by name, strings and bytes shell-quoted when needed.
std::string FormatScalar(const google::protobuf::Message& msg,
                         const google::protobuf::FieldDescriptor* field, int index = -1);

// Shortest decimal text that parses back to exactly the same value.
std::string FormatDouble(double value);
std::string FormatFloat(float value);

// Single-quotes `s` if it is empty or holds a space or a shell-special
// character, so that a shell gives back exactly `s`.
std::string ShellQuote(absl::string_view s);

// Undoes shell quoting of one word ('...', "...", backslash escapes), as a
// POSIX shell would. Errors on an unterminated quote.
absl::StatusOr<std::string> ShellUnquote(absl::string_view word);

}  // namespace heyhi

#endif  // HEYHI_PRINTER_H_
