// Printing a composed config: text format, flat `key=value` lines and shell
// quoting (SPEC §5).
#include "heyhi/config/printer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/text_format.h"
#include "heyhi/base/shell_quote.h"
#include "heyhi/config/field_path.h"
#include "heyhi/config/field_value.h"

namespace heyhi {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::TextFormat;

// Text format's own float printing may add digits (0.001f -> 0.0010000000474974513).
class ShortestNumberPrinter : public TextFormat::FastFieldValuePrinter {
 public:
  void PrintFloat(float value, TextFormat::BaseTextGenerator* out) const override {
    out->PrintString(FormatFloat(value));
  }
  void PrintDouble(double value, TextFormat::BaseTextGenerator* out) const override {
    out->PrintString(FormatDouble(value));
  }
};

// A dotted step made only of digits (with an optional '-'): an element index
// or an integer map key, ordered by number so that `ints.2` applies before
// `ints.10`.
bool IsNumberStep(absl::string_view step) {
  if (!step.empty() && step[0] == '-') step.remove_prefix(1);
  return !step.empty() && step.size() <= 18 &&
         std::all_of(step.begin(), step.end(), [](char c) { return absl::ascii_isdigit(c); });
}

// The steps of a key the printer wrote; a quoted map key is the text inside
// its quotes.
std::vector<std::string> KeySteps(absl::string_view key) {
  absl::StatusOr<std::vector<KeyPart>> parts = SplitKey(key);
  if (!parts.ok()) return absl::StrSplit(key, '.');  // not reached: printed keys are valid
  std::vector<std::string> steps;
  for (KeyPart& part : *parts) steps.push_back(std::move(part.text));
  return steps;
}

// Keys compare step by step: numbers by value, names in byte order, a key
// before the keys below it.
bool KeyLess(const std::vector<std::string>& as, const std::vector<std::string>& bs) {
  for (size_t i = 0; i < as.size() && i < bs.size(); ++i) {
    if (as[i] == bs[i]) continue;
    if (IsNumberStep(as[i]) && IsNumberStep(bs[i])) {
      return std::stoll(as[i]) < std::stoll(bs[i]);
    }
    return as[i] < bs[i];
  }
  return as.size() < bs.size();
}

struct Line {
  std::string key;
  std::string value;
  std::vector<std::string> steps;  // of `key`, for sorting
};

class Flattener {
 public:
  explicit Flattener(bool with_all) : with_all_(with_all) {}

  // Lines for every field of `msg`, keys starting with `prefix`.
  void Fields(const Message& msg, const std::string& prefix) {
    const Descriptor* type = msg.GetDescriptor();
    const Reflection* r = msg.GetReflection();
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      const std::string key = prefix + field->name();
      if (field->containing_oneof() != nullptr && !r->HasField(msg, field)) continue;
      if (field->is_map()) {
        Map(msg, field, key);
      } else if (field->is_repeated()) {
        Repeated(msg, field, key);
      } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        if (r->HasField(msg, field)) {
          Present(r->GetMessage(msg, field), key);
        } else if (with_all_) {
          Unset(r->GetMessage(msg, field), key);
        }
      } else if (r->HasField(msg, field) || (with_all_ && field->has_default_value())) {
        Add(key, FormatScalar(msg, field));
      } else if (with_all_) {
        Add(key, "NULL");
      }
    }
  }

  std::vector<Line>& lines() { return lines_; }

 private:
  void Add(std::string key, std::string value) {
    lines_.push_back(Line{std::move(key), std::move(value), {}});
  }

  // A message that is there: its fields, or `key=SELECT` when it holds
  // nothing, so that applying the lines makes it present again.
  void Present(const Message& msg, const std::string& key) {
    std::vector<const FieldDescriptor*> set;
    msg.GetReflection()->ListFields(msg, &set);
    if (set.empty()) Add(key, "SELECT");
    Fields(msg, key + ".");
  }

  // An unset message field (with_all only): what its fields default to. A
  // type already being expanded this way prints NULL, so recursive types end.
  void Unset(const Message& defaults, const std::string& key) {
    const Descriptor* type = defaults.GetDescriptor();
    const size_t before = lines_.size();
    if (std::find(expanding_.begin(), expanding_.end(), type) == expanding_.end()) {
      expanding_.push_back(type);
      Fields(defaults, key + ".");
      expanding_.pop_back();
    }
    if (lines_.size() == before) Add(key, "NULL");
  }

  void Repeated(const Message& msg, const FieldDescriptor* field, const std::string& key) {
    const Reflection* r = msg.GetReflection();
    const int size = r->FieldSize(msg, field);
    if (size == 0 && with_all_) Add(key, "NULL");
    for (int i = 0; i < size; ++i) {
      const std::string element = absl::StrCat(key, ".", i);
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        Present(r->GetRepeatedMessage(msg, field, i), element);
      } else {
        Add(element, FormatScalar(msg, field, i));
      }
    }
  }

  void Map(const Message& msg, const FieldDescriptor* field, const std::string& key) {
    const Reflection* r = msg.GetReflection();
    const int size = r->FieldSize(msg, field);
    if (size == 0 && with_all_) Add(key, "NULL");
    const FieldDescriptor* key_field = field->message_type()->map_key();
    const FieldDescriptor* value_field = field->message_type()->map_value();
    for (int i = 0; i < size; ++i) {
      const Message& entry = r->GetRepeatedMessage(msg, field, i);
      const Reflection* er = entry.GetReflection();
      const std::string entry_key =
          absl::StrCat(key, ".", KeyStepText(MapKeyText(GetScalar(entry, key_field))));
      if (value_field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        Present(er->GetMessage(entry, value_field), entry_key);
      } else {
        Add(entry_key, FormatScalar(entry, value_field));
      }
    }
  }

  const bool with_all_;
  std::vector<const Descriptor*> expanding_;
  std::vector<Line> lines_;
};

}  // namespace

std::string PrintText(const Message& msg) {
  TextFormat::Printer printer;
  printer.SetDefaultFieldValuePrinter(new ShortestNumberPrinter());
  std::string text;
  printer.PrintToString(msg, &text);
  return text;
}

std::string FormatScalar(const Message& msg, const FieldDescriptor* field, int index) {
  const Reflection* r = msg.GetReflection();
  const bool one = index < 0;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(one ? r->GetInt32(msg, field) : r->GetRepeatedInt32(msg, field, index));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(one ? r->GetInt64(msg, field) : r->GetRepeatedInt64(msg, field, index));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(one ? r->GetUInt32(msg, field) : r->GetRepeatedUInt32(msg, field, index));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(one ? r->GetUInt64(msg, field) : r->GetRepeatedUInt64(msg, field, index));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return FormatFloat(one ? r->GetFloat(msg, field) : r->GetRepeatedFloat(msg, field, index));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return FormatDouble(one ? r->GetDouble(msg, field) : r->GetRepeatedDouble(msg, field, index));
    case FieldDescriptor::CPPTYPE_BOOL:
      return (one ? r->GetBool(msg, field) : r->GetRepeatedBool(msg, field, index)) ? "true"
                                                                                    : "false";
    case FieldDescriptor::CPPTYPE_ENUM:
      return (one ? r->GetEnum(msg, field) : r->GetRepeatedEnum(msg, field, index))->name();
    case FieldDescriptor::CPPTYPE_STRING:
      return ShellQuote(EscapeStringValue(one ? r->GetString(msg, field)
                                              : r->GetRepeatedString(msg, field, index)));
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  // A message has no scalar form: say whether it is there, as overrides do.
  return !one || r->HasField(msg, field) ? "SELECT" : "NULL";
}

std::vector<std::string> Flatten(const Message& msg, bool with_all) {
  Flattener flattener(with_all);
  flattener.Fields(msg, "");
  std::vector<Line>& lines = flattener.lines();
  for (Line& line : lines) line.steps = KeySteps(line.key);
  std::stable_sort(lines.begin(), lines.end(),
                   [](const Line& a, const Line& b) { return KeyLess(a.steps, b.steps); });
  std::vector<std::string> flat;
  flat.reserve(lines.size());
  // Map keys are data: quote the key too when it holds a space or a shell
  // character, so that every line stays one shell word.
  for (const Line& line : lines) {
    flat.push_back(absl::StrCat(ShellQuote(line.key), "=", line.value));
  }
  return flat;
}

}  // namespace heyhi
