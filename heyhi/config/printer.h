// Printing a composed config: text format, flat `key=value` lines and values
// quoted for a shell (SPEC §5).
#ifndef HEYHI_CONFIG_PRINTER_H_
#define HEYHI_CONFIG_PRINTER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "heyhi/base/number_text.h"
#include "heyhi/base/shell_quote.h"
#include "heyhi/print.h"

namespace heyhi {

// The flat form of a scalar value: bool true/false, numbers shortest
// round-trip, enums by name, strings and bytes shell-quoted when needed (and
// NULL or SELECT escaped with a backslash: EscapeStringValue).
std::string FormatScalar(const google::protobuf::Message& msg,
                         const google::protobuf::FieldDescriptor* field, int index = -1);

}  // namespace heyhi

#endif  // HEYHI_CONFIG_PRINTER_H_
