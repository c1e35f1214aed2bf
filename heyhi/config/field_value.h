// Typed conversion of command-line text into field values (the table of
// SPEC §3), and setting and reading those values on any message by reflection.
#ifndef HEYHI_CONFIG_FIELD_VALUE_H_
#define HEYHI_CONFIG_FIELD_VALUE_H_

#include <cstdint>
#include <string>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace heyhi {

// A value converted for one scalar field: the C++ type matches the field's
// cpp_type (enums hold their value descriptor, strings and bytes a string).
using ScalarValue = std::variant<int32_t, int64_t, uint32_t, uint64_t, float, double, bool,
                                 std::string, const google::protobuf::EnumValueDescriptor*>;

// Converts `text` for the scalar (or enum) `field`:
//   bool: true/false/1/0 in any case; integers: decimal with optional sign,
//   range-checked; float/double: decimal, exponent, inf, nan (a float is
//   parsed as a float, keeping float precision); enum: a value name, or a
//   defined number; string/bytes: the text verbatim.
// Errors name the field's type and what would have been valid.
absl::StatusOr<ScalarValue> ParseScalar(const google::protobuf::FieldDescriptor* field,
                                        absl::string_view text);

// An override's value NULL or SELECT is a keyword, and one that starts with
// "${" a field reference, whatever the field's type. For a string or bytes
// field, a backslash before it writes the text instead: `\NULL` is the text
// NULL, `\${x}` the text ${x}, and each backslash more is kept (`\\SELECT`
// is `\SELECT`). EscapeStringValue gives that spelling of a string (texts of
// the form \*NULL, \*SELECT or \*${... get one backslash more, others are
// as they are); UnescapeStringValue undoes it.
std::string EscapeStringValue(absl::string_view text);
absl::string_view UnescapeStringValue(absl::string_view value);

// Stores `value` (converted for `field`) into a singular field, appends it to
// a repeated one, or replaces element `index` of a repeated one. Setting a
// member of a oneof selects it.
void SetScalar(google::protobuf::Message* msg, const google::protobuf::FieldDescriptor* field,
               const ScalarValue& value);
void AddScalar(google::protobuf::Message* msg, const google::protobuf::FieldDescriptor* field,
               const ScalarValue& value);
void SetRepeatedScalar(google::protobuf::Message* msg,
                       const google::protobuf::FieldDescriptor* field, int index,
                       const ScalarValue& value);

// The value of the singular scalar (or enum) `field` of `msg`.
ScalarValue GetScalar(const google::protobuf::Message& msg,
                      const google::protobuf::FieldDescriptor* field);

// The schema's name for a field's type ("int32", "string", "enum Color",
// "message TestAgent").
std::string FieldTypeName(const google::protobuf::FieldDescriptor* field);

// "a" or "an" before `noun` ("an int32", "a uint64", "an enum Color").
std::string WithArticle(absl::string_view noun);

}  // namespace heyhi

#endif  // HEYHI_CONFIG_FIELD_VALUE_H_
