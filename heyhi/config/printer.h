// Printing a composed config: text format, flat `key=value` lines and values
// quoted for a shell (SPEC §5).
#ifndef HEYHI_CONFIG_PRINTER_H_
#define HEYHI_CONFIG_PRINTER_H_

#include <string>
#include <vector>

#include "heyhi/print.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace heyhi {

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

#endif  // HEYHI_CONFIG_PRINTER_H_
