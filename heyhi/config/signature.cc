// Canonical form and signature of a config, by reflection only, so compiled-in
// and run-time-loaded schemas give the same result for the same config.
#include "heyhi/config/signature.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/unknown_field_set.h"
#include "heyhi/base/hash.h"
#include "heyhi/base/number_text.h"
#include "heyhi/heyhi.pb.h"

namespace heyhi {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr absl::string_view kSigExcludeName = "heyhi.sig_exclude";
constexpr int kSignatureHexChars = 12;
// Run-time schemas are matched by number, so the number must never change.
static_assert(kSigExcludeFieldNumber == 50101, "heyhi.sig_exclude is option 50101");

void AppendLengthPrefixed(absl::string_view bytes, std::string& out) {
  absl::StrAppend(&out, "\"", bytes.size(), ":", bytes);
}

// A scalar's default is left out; a float equal to its default (-0.0 == 0.0)
// or NaN where the default is NaN counts as the default too.
bool IsDefaultScalar(const Message& msg, const FieldDescriptor& field) {
  const Reflection& r = *msg.GetReflection();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return r.GetInt32(msg, &field) == field.default_value_int32();
    case FieldDescriptor::CPPTYPE_INT64:
      return r.GetInt64(msg, &field) == field.default_value_int64();
    case FieldDescriptor::CPPTYPE_UINT32:
      return r.GetUInt32(msg, &field) == field.default_value_uint32();
    case FieldDescriptor::CPPTYPE_UINT64:
      return r.GetUInt64(msg, &field) == field.default_value_uint64();
    case FieldDescriptor::CPPTYPE_FLOAT: {
      const float v = r.GetFloat(msg, &field), d = field.default_value_float();
      return v == d || (std::isnan(v) && std::isnan(d));
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      const double v = r.GetDouble(msg, &field), d = field.default_value_double();
      return v == d || (std::isnan(v) && std::isnan(d));
    }
    case FieldDescriptor::CPPTYPE_BOOL:
      return r.GetBool(msg, &field) == field.default_value_bool();
    case FieldDescriptor::CPPTYPE_ENUM:
      return r.GetEnumValue(msg, &field) == field.default_value_enum()->number();
    case FieldDescriptor::CPPTYPE_STRING:
      return r.GetString(msg, &field) == field.default_value_string();
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return false;
  }
  return false;
}

// Writes the canonical form of a message (grammar in signature.h).
class CanonicalWriter {
 public:
  explicit CanonicalWriter(std::string& out) : out_(out) {}

  void WriteMessage(const Message& msg) {
    const Reflection& r = *msg.GetReflection();
    std::vector<const FieldDescriptor*> fields;
    r.ListFields(msg, &fields);  // set fields only, sorted by number
    out_ += '{';
    for (const FieldDescriptor* field : fields) {
      if (IsExcludedFromSignature(*field)) continue;
      const bool kept_when_default = field->is_repeated() ||
                                     field->real_containing_oneof() != nullptr ||
                                     field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
      if (!kept_when_default && IsDefaultScalar(msg, *field)) continue;
      absl::StrAppend(&out_, field->number(), "=");
      if (field->is_map()) {
        WriteMap(msg, *field);
      } else if (field->is_repeated()) {
        out_ += '[';
        for (int i = 0, n = r.FieldSize(msg, field); i < n; ++i) {
          if (i > 0) out_ += ',';
          out_ += ValueText(msg, *field, i);
        }
        out_ += ']';
      } else {
        out_ += ValueText(msg, *field, -1);
      }
      out_ += ';';
    }
    out_ += '}';
  }

 private:
  // One value of `field`; `index` < 0 reads a singular field.
  std::string ValueText(const Message& msg, const FieldDescriptor& field, int index) {
    const Reflection& r = *msg.GetReflection();
    const bool rep = index >= 0;
    switch (field.cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        return absl::StrCat(rep ? r.GetRepeatedInt32(msg, &field, index) : r.GetInt32(msg, &field));
      case FieldDescriptor::CPPTYPE_INT64:
        return absl::StrCat(rep ? r.GetRepeatedInt64(msg, &field, index) : r.GetInt64(msg, &field));
      case FieldDescriptor::CPPTYPE_UINT32:
        return absl::StrCat(rep ? r.GetRepeatedUInt32(msg, &field, index)
                                : r.GetUInt32(msg, &field));
      case FieldDescriptor::CPPTYPE_UINT64:
        return absl::StrCat(rep ? r.GetRepeatedUInt64(msg, &field, index)
                                : r.GetUInt64(msg, &field));
      case FieldDescriptor::CPPTYPE_FLOAT:
        return FormatFloat(rep ? r.GetRepeatedFloat(msg, &field, index) : r.GetFloat(msg, &field));
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return FormatDouble(rep ? r.GetRepeatedDouble(msg, &field, index)
                                : r.GetDouble(msg, &field));
      case FieldDescriptor::CPPTYPE_BOOL:
        return (rep ? r.GetRepeatedBool(msg, &field, index) : r.GetBool(msg, &field)) ? "true"
                                                                                      : "false";
      case FieldDescriptor::CPPTYPE_ENUM:
        return absl::StrCat(rep ? r.GetRepeatedEnumValue(msg, &field, index)
                                : r.GetEnumValue(msg, &field));
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string text;
        AppendLengthPrefixed(
            rep ? r.GetRepeatedString(msg, &field, index) : r.GetString(msg, &field), text);
        return text;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        std::string text;
        CanonicalWriter(text).WriteMessage(rep ? r.GetRepeatedMessage(msg, &field, index)
                                               : r.GetMessage(msg, &field));
        return text;
      }
    }
    return "";
  }

  // Map entries come out of reflection in hash order; sort them by key so the
  // order of insertion cannot change the form. A key repeated in the entry
  // list keeps its last value, as a map would.
  void WriteMap(const Message& msg, const FieldDescriptor& field) {
    const Reflection& r = *msg.GetReflection();
    const FieldDescriptor& key_field = *field.message_type()->map_key();
    const FieldDescriptor& value_field = *field.message_type()->map_value();
    struct Entry {
      std::string sort_key;
      std::string text;
    };
    std::vector<Entry> entries;
    for (int i = 0, n = r.FieldSize(msg, &field); i < n; ++i) {
      const Message& entry = r.GetRepeatedMessage(msg, &field, i);
      entries.push_back(
          {SortKey(entry, key_field),
           absl::StrCat(ValueText(entry, key_field, -1), ":", ValueText(entry, value_field, -1))});
    }
    std::stable_sort(entries.begin(), entries.end(),
                     [](const Entry& a, const Entry& b) { return a.sort_key < b.sort_key; });
    out_ += '[';
    bool first = true;
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i + 1 < entries.size() && entries[i + 1].sort_key == entries[i].sort_key) continue;
      if (!first) out_ += ',';
      first = false;
      out_ += entries[i].text;
    }
    out_ += ']';
  }

  // Bytes that sort like the key's value: integers as 8 big-endian bytes
  // (signed ones with the sign bit flipped), strings as themselves.
  static std::string SortKey(const Message& entry, const FieldDescriptor& key_field) {
    const Reflection& r = *entry.GetReflection();
    uint64_t bits = 0;
    switch (key_field.cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        return r.GetString(entry, &key_field);
      case FieldDescriptor::CPPTYPE_INT32:
        bits = static_cast<uint64_t>(int64_t{r.GetInt32(entry, &key_field)}) ^ (1ULL << 63);
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        bits = static_cast<uint64_t>(r.GetInt64(entry, &key_field)) ^ (1ULL << 63);
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        bits = r.GetUInt32(entry, &key_field);
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        bits = r.GetUInt64(entry, &key_field);
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        bits = r.GetBool(entry, &key_field) ? 1 : 0;
        break;
      default:  // protobuf allows no other key types
        break;
    }
    std::string key(8, '\0');
    for (int i = 0; i < 8; ++i) key[i] = static_cast<char>(bits >> (56 - 8 * i));
    return key;
  }

  std::string& out_;
};

bool UninterpretedSigExclude(const google::protobuf::FieldOptions& options) {
  for (const auto& option : options.uninterpreted_option()) {
    if (option.name_size() != 1 || !option.name(0).is_extension()) continue;
    absl::string_view name = option.name(0).name_part();
    if (!name.empty() && name.front() == '.') name.remove_prefix(1);
    if (name == kSigExcludeName) return option.identifier_value() == "true";
  }
  return false;
}

}  // namespace

bool SigExcludeSetIn(const Message& field_options) {
  const Reflection& r = *field_options.GetReflection();
  // Typed or pooled extension: reflection lists it whichever pool defined it.
  std::vector<const FieldDescriptor*> fields;
  r.ListFields(field_options, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->is_extension() && field->number() == kSigExcludeFieldNumber &&
        field->cpp_type() == FieldDescriptor::CPPTYPE_BOOL && !field->is_repeated()) {
      return r.GetBool(field_options, field);
    }
  }
  // Not linked in: the option survives only as an unknown varint; the last
  // occurrence wins, as when parsing a known field.
  const google::protobuf::UnknownFieldSet& unknown = r.GetUnknownFields(field_options);
  bool found = false, value = false;
  for (int i = 0; i < unknown.field_count(); ++i) {
    const google::protobuf::UnknownField& u = unknown.field(i);
    if (u.number() == kSigExcludeFieldNumber &&
        u.type() == google::protobuf::UnknownField::TYPE_VARINT) {
      found = true;
      value = u.varint() != 0;
    }
  }
  if (found) return value;
  if (const auto* generated = dynamic_cast<const google::protobuf::FieldOptions*>(&field_options)) {
    return UninterpretedSigExclude(*generated);
  }
  return false;
}

bool IsExcludedFromSignature(const FieldDescriptor& field) {
  const google::protobuf::FieldOptions& options = field.options();
  if (options.HasExtension(heyhi::sig_exclude)) {
    return options.GetExtension(heyhi::sig_exclude);
  }
  return SigExcludeSetIn(options);
}

std::string CanonicalForm(const Message& msg) {
  std::string out;
  CanonicalWriter(out).WriteMessage(msg);
  return out;
}

std::string Signature(const Message& msg) {
  return Sha256Hex(CanonicalForm(msg)).substr(0, kSignatureHexChars);
}

}  // namespace heyhi
