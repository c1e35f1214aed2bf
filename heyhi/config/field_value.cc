// Typed conversion of command-line text into field values (SPEC §3 table).
#include "heyhi/config/field_value.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace heyhi {
namespace {

using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Parses an optionally signed run of decimal digits with nothing around it.
// Returns false for anything else (spaces, hex, fractions, exponents).
bool ParseDecimal(absl::string_view text, bool* negative, uint64_t* magnitude, bool* overflow) {
  *negative = false;
  *overflow = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    *negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *magnitude);
  if (error == std::errc::result_out_of_range) *overflow = true;
  return end == text.data() + text.size() || *overflow;
}

absl::Status BadInteger(const FieldDescriptor* field, absl::string_view text, absl::string_view min,
                        absl::string_view max) {
  return absl::InvalidArgumentError(absl::StrCat("bad ", FieldTypeName(field), " value '", text,
                                                 "': expected a whole number from ", min, " to ",
                                                 max));
}

// Signed integers of any width: `min`/`max` bound the field's type.
absl::StatusOr<int64_t> ParseSigned(const FieldDescriptor* field, absl::string_view text,
                                    int64_t min, int64_t max) {
  bool negative, overflow;
  uint64_t magnitude;
  const bool ok = ParseDecimal(text, &negative, &magnitude, &overflow);
  const uint64_t limit =
      negative ? static_cast<uint64_t>(-(min + 1)) + 1 : static_cast<uint64_t>(max);
  if (!ok || overflow || magnitude > limit) {
    return BadInteger(field, text, absl::StrCat(min), absl::StrCat(max));
  }
  // Negating in unsigned arithmetic keeps INT64_MIN representable.
  return negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
}

absl::StatusOr<uint64_t> ParseUnsigned(const FieldDescriptor* field, absl::string_view text,
                                       uint64_t max) {
  bool negative, overflow;
  uint64_t magnitude;
  const bool ok = ParseDecimal(text, &negative, &magnitude, &overflow);
  if (!ok || overflow || magnitude > max || (negative && magnitude != 0)) {
    return BadInteger(field, text, "0", absl::StrCat(max));
  }
  return magnitude;
}

// Decimal, exponent, inf, nan (any case, optional sign) parsed straight into
// T, so a float field gets the float nearest to the text, not a rounded
// double.
template <typename T>
absl::StatusOr<T> ParseReal(const FieldDescriptor* field, absl::string_view text) {
  absl::string_view digits = text;
  if (absl::StartsWith(digits, "+")) digits.remove_prefix(1);
  T value{};
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value,
                                      std::chars_format::general);
  const bool whole = !digits.empty() && end == digits.data() + digits.size() && digits[0] != '+' &&
                     !absl::StrContains(digits, "(");
  bool in_range = error == std::errc();
  if (error == std::errc::result_out_of_range && whole) {
    // from_chars also refuses values too small for T; those round to a
    // subnormal or zero, as strtod does. Only overflow is an error.
    const std::string copy(digits);
    const long double approx = std::strtold(copy.c_str(), nullptr);
    in_range = std::fabs(approx) <= std::numeric_limits<T>::max();
    value = static_cast<T>(std::is_same_v<T, float> ? std::strtof(copy.c_str(), nullptr)
                                                    : std::strtod(copy.c_str(), nullptr));
  }
  if (!in_range || !whole) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad ", FieldTypeName(field), " value '", text,
                     "': expected a decimal number (e.g. 0.1, -3, 1e-4), inf or nan, within +/-",
                     std::numeric_limits<T>::max()));
  }
  return value;
}

absl::StatusOr<bool> ParseBool(const FieldDescriptor* field, absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "true" || lower == "1") return true;
  if (lower == "false" || lower == "0") return false;
  return absl::InvalidArgumentError(absl::StrCat("bad ", FieldTypeName(field), " value '", text,
                                                 "': expected true, false, 1 or 0 (any case)"));
}

absl::StatusOr<const EnumValueDescriptor*> ParseEnum(const FieldDescriptor* field,
                                                     absl::string_view text) {
  const EnumDescriptor* type = field->enum_type();
  if (const EnumValueDescriptor* by_name = type->FindValueByName(std::string(text))) {
    return by_name;
  }
  bool negative, overflow;
  uint64_t magnitude;
  if (ParseDecimal(text, &negative, &magnitude, &overflow) && !overflow &&
      magnitude <= static_cast<uint64_t>(std::numeric_limits<int32_t>::max()) + negative) {
    const int64_t number =
        negative ? -static_cast<int64_t>(magnitude) : static_cast<int64_t>(magnitude);
    if (const EnumValueDescriptor* by_number =
            type->FindValueByNumber(static_cast<int32_t>(number))) {
      return by_number;
    }
  }
  std::vector<std::string> names;
  for (int i = 0; i < type->value_count(); ++i) {
    names.push_back(absl::StrCat(type->value(i)->name(), " (", type->value(i)->number(), ")"));
  }
  return absl::InvalidArgumentError(absl::StrCat("bad ", FieldTypeName(field), " value '", text,
                                                 "': expected one of ",
                                                 absl::StrJoin(names, ", ")));
}

template <typename T, typename Parsed>
absl::StatusOr<ScalarValue> Wrap(absl::StatusOr<Parsed> parsed) {
  if (!parsed.ok()) return parsed.status();
  return ScalarValue(static_cast<T>(*parsed));
}

}  // namespace

std::string WithArticle(absl::string_view noun) {
  const bool vowel = !noun.empty() && absl::StrContains("aeioAEIO", noun[0]);
  return absl::StrCat(vowel ? "an " : "a ", noun);
}

std::string FieldTypeName(const FieldDescriptor* field) {
  switch (field->type()) {
    case FieldDescriptor::TYPE_ENUM:
      return absl::StrCat("enum ", field->enum_type()->name());
    case FieldDescriptor::TYPE_MESSAGE:
    case FieldDescriptor::TYPE_GROUP:
      return absl::StrCat("message ", field->message_type()->name());
    default:
      return field->type_name();
  }
}

namespace {

// Whether `text` is NULL or SELECT, or starts with "${" (a reference), after
// `backslashes` or more backslashes.
bool IsKeywordAfterBackslashes(absl::string_view text, size_t backslashes) {
  const size_t first = text.find_first_not_of('\\');
  if (first == absl::string_view::npos || first < backslashes) return false;
  const absl::string_view word = text.substr(first);
  return word == "NULL" || word == "SELECT" || absl::StartsWith(word, "${");
}

}  // namespace

std::string EscapeStringValue(absl::string_view text) {
  return IsKeywordAfterBackslashes(text, 0) ? absl::StrCat("\\", text) : std::string(text);
}

absl::string_view UnescapeStringValue(absl::string_view value) {
  return IsKeywordAfterBackslashes(value, 1) ? value.substr(1) : value;
}

absl::StatusOr<ScalarValue> ParseScalar(const FieldDescriptor* field, absl::string_view text) {
  using Limits32 = std::numeric_limits<int32_t>;
  using Limits64 = std::numeric_limits<int64_t>;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return Wrap<int32_t>(ParseSigned(field, text, Limits32::min(), Limits32::max()));
    case FieldDescriptor::CPPTYPE_INT64:
      return Wrap<int64_t>(ParseSigned(field, text, Limits64::min(), Limits64::max()));
    case FieldDescriptor::CPPTYPE_UINT32:
      return Wrap<uint32_t>(ParseUnsigned(field, text, std::numeric_limits<uint32_t>::max()));
    case FieldDescriptor::CPPTYPE_UINT64:
      return Wrap<uint64_t>(ParseUnsigned(field, text, std::numeric_limits<uint64_t>::max()));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return Wrap<float>(ParseReal<float>(field, text));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return Wrap<double>(ParseReal<double>(field, text));
    case FieldDescriptor::CPPTYPE_BOOL:
      return Wrap<bool>(ParseBool(field, text));
    case FieldDescriptor::CPPTYPE_ENUM:
      return Wrap<const EnumValueDescriptor*>(ParseEnum(field, text));
    case FieldDescriptor::CPPTYPE_STRING:
      return ScalarValue(std::string(text));
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "'", field->name(), "' is ", WithArticle(FieldTypeName(field)),
      ": only NULL or SELECT may be given, or set its fields (", field->name(), ".<field>=...)"));
}

void SetScalar(Message* msg, const FieldDescriptor* field, const ScalarValue& value) {
  const Reflection* r = msg->GetReflection();
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int32_t>) r->SetInt32(msg, field, v);
        if constexpr (std::is_same_v<T, int64_t>) r->SetInt64(msg, field, v);
        if constexpr (std::is_same_v<T, uint32_t>) r->SetUInt32(msg, field, v);
        if constexpr (std::is_same_v<T, uint64_t>) r->SetUInt64(msg, field, v);
        if constexpr (std::is_same_v<T, float>) r->SetFloat(msg, field, v);
        if constexpr (std::is_same_v<T, double>) r->SetDouble(msg, field, v);
        if constexpr (std::is_same_v<T, bool>) r->SetBool(msg, field, v);
        if constexpr (std::is_same_v<T, std::string>) r->SetString(msg, field, v);
        if constexpr (std::is_same_v<T, const EnumValueDescriptor*>) r->SetEnum(msg, field, v);
      },
      value);
}

void AddScalar(Message* msg, const FieldDescriptor* field, const ScalarValue& value) {
  const Reflection* r = msg->GetReflection();
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int32_t>) r->AddInt32(msg, field, v);
        if constexpr (std::is_same_v<T, int64_t>) r->AddInt64(msg, field, v);
        if constexpr (std::is_same_v<T, uint32_t>) r->AddUInt32(msg, field, v);
        if constexpr (std::is_same_v<T, uint64_t>) r->AddUInt64(msg, field, v);
        if constexpr (std::is_same_v<T, float>) r->AddFloat(msg, field, v);
        if constexpr (std::is_same_v<T, double>) r->AddDouble(msg, field, v);
        if constexpr (std::is_same_v<T, bool>) r->AddBool(msg, field, v);
        if constexpr (std::is_same_v<T, std::string>) r->AddString(msg, field, v);
        if constexpr (std::is_same_v<T, const EnumValueDescriptor*>) r->AddEnum(msg, field, v);
      },
      value);
}

void SetRepeatedScalar(Message* msg, const FieldDescriptor* field, int index,
                       const ScalarValue& value) {
  const Reflection* r = msg->GetReflection();
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int32_t>) r->SetRepeatedInt32(msg, field, index, v);
        if constexpr (std::is_same_v<T, int64_t>) r->SetRepeatedInt64(msg, field, index, v);
        if constexpr (std::is_same_v<T, uint32_t>) r->SetRepeatedUInt32(msg, field, index, v);
        if constexpr (std::is_same_v<T, uint64_t>) r->SetRepeatedUInt64(msg, field, index, v);
        if constexpr (std::is_same_v<T, float>) r->SetRepeatedFloat(msg, field, index, v);
        if constexpr (std::is_same_v<T, double>) r->SetRepeatedDouble(msg, field, index, v);
        if constexpr (std::is_same_v<T, bool>) r->SetRepeatedBool(msg, field, index, v);
        if constexpr (std::is_same_v<T, std::string>) r->SetRepeatedString(msg, field, index, v);
        if constexpr (std::is_same_v<T, const EnumValueDescriptor*>) {
          r->SetRepeatedEnum(msg, field, index, v);
        }
      },
      value);
}

ScalarValue GetScalar(const Message& msg, const FieldDescriptor* field) {
  const Reflection* r = msg.GetReflection();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return r->GetInt32(msg, field);
    case FieldDescriptor::CPPTYPE_INT64:
      return r->GetInt64(msg, field);
    case FieldDescriptor::CPPTYPE_UINT32:
      return r->GetUInt32(msg, field);
    case FieldDescriptor::CPPTYPE_UINT64:
      return r->GetUInt64(msg, field);
    case FieldDescriptor::CPPTYPE_FLOAT:
      return r->GetFloat(msg, field);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return r->GetDouble(msg, field);
    case FieldDescriptor::CPPTYPE_BOOL:
      return r->GetBool(msg, field);
    case FieldDescriptor::CPPTYPE_ENUM:
      return r->GetEnum(msg, field);
    case FieldDescriptor::CPPTYPE_STRING:
      return r->GetString(msg, field);
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return ScalarValue();
}

}  // namespace heyhi
