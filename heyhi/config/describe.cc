// `--describe KEY`: doc comment, type, default, allowed values and current
// value of one config field (see describe.h).
#include "heyhi/config/describe.h"

#include <memory>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.pb.h"
#include "heyhi/base/edit_distance.h"
#include "heyhi/config/field_path.h"
#include "heyhi/config/printer.h"
#include "heyhi/config/references.h"
#include "heyhi/schema_docs.h"

namespace heyhi {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::OneofDescriptor;
using google::protobuf::Reflection;

constexpr char kIndent[] = "            ";  // continuation lines line up with values

template <typename Element>
std::string DocOf(const Element* element) {
  google::protobuf::SourceLocation location;
  if (element->GetSourceLocation(&location)) {
    std::string doc = CleanDocComment(
        location.leading_comments.empty() ? location.trailing_comments : location.leading_comments);
    if (!doc.empty()) return doc;
  }
  return RegisteredSchemaDoc(element->full_name());
}

// What a key designates: a field (or a oneof) of `holder`, possibly one element.
struct Target {
  const Message* holder = nullptr;  // a default instance when `present` is false
  bool present = true;              // every message on the way is set
  std::string prefix;               // the key up to the holder, with a trailing '.'
  const FieldDescriptor* field = nullptr;
  const OneofDescriptor* oneof = nullptr;
  bool element = false;  // the key ends at one element of a repeated field or map
  std::string element_step;
  int element_index = -1;  // -1: no such map key
};

absl::Status UnknownKey(const Message& root, absl::string_view key, absl::string_view why) {
  std::vector<std::string> closest = ClosestMatches(key, AllFieldPaths(root.GetDescriptor()));
  return absl::NotFoundError(
      absl::StrCat("--describe ", key, ": ", why,
                   closest.empty() ? "" : "; did you mean: ", absl::StrJoin(closest, ", ")));
}

// `path` resolved from the type of `root`, in the words of --describe `key`.
absl::StatusOr<FieldPath> ResolveKey(const Message& root, absl::string_view key,
                                     absl::string_view path) {
  PathError error;
  absl::StatusOr<FieldPath> steps = ResolveFieldPath(root.GetDescriptor(), path, &error);
  if (steps.ok()) return steps;
  switch (error.kind) {
    case PathError::Kind::kNoField:
      return UnknownKey(
          root, key, absl::StrCat(error.type->full_name(), " has no field \"", error.part, "\""));
    case PathError::Kind::kInsideScalar:
      return UnknownKey(
          root, key,
          absl::StrCat(error.walked, " is a ", error.field->type_name(), ", not a message"));
    case PathError::Kind::kBadStep:
      break;
  }
  return absl::NotFoundError(absl::StrCat("--describe ", key, ": ", steps.status().message()));
}

// Finds the message at steps [0, end) of `path`, and what leads there.
absl::Status FindHolder(const Message& root, absl::string_view key, const FieldPath& path,
                        size_t end, Target* target) {
  absl::StatusOr<const Message*> holder = MessageAt(root, path, end, &target->present);
  if (!holder.ok()) return UnknownKey(root, key, holder.status().message());
  target->holder = *holder;
  if (end > 0) target->prefix = FieldPathToString(path, end) + ".";
  return absl::OkStatus();
}

absl::StatusOr<Target> Resolve(const Message& root, absl::string_view key) {
  if (key.empty()) return UnknownKey(root, key, "empty key");
  Target target;
  if (const OneofDescriptor* oneof = OneofAt(root.GetDescriptor(), key)) {
    const size_t dot = key.rfind('.');
    absl::StatusOr<FieldPath> path =
        ResolveKey(root, key, dot == absl::string_view::npos ? "" : key.substr(0, dot));
    if (!path.ok()) return path.status();
    if (absl::Status found = FindHolder(root, key, *path, path->size(), &target); !found.ok()) {
      return found;
    }
    target.oneof = oneof;
    return target;
  }
  absl::StatusOr<FieldPath> path = ResolveKey(root, key, key);
  if (!path.ok()) return path.status();
  if (absl::Status found = FindHolder(root, key, *path, path->size() - 1, &target); !found.ok()) {
    return found;
  }
  const PathStep& last = path->back();
  const Message& holder = *target.holder;
  target.field = last.field;
  switch (last.kind) {
    case PathStep::Kind::kField:
      return target;
    case PathStep::Kind::kMapEntry:
      target.element_step = last.key;
      target.element_index = FindMapEntry(holder, last.field, last.key).value_or(-1);
      break;
    case PathStep::Kind::kElement:
    case PathStep::Kind::kAppend: {
      const int size = holder.GetReflection()->FieldSize(holder, last.field);
      target.element_step = last.kind == PathStep::Kind::kAppend ? "-1" : absl::StrCat(last.index);
      if (last.kind == PathStep::Kind::kAppend || last.index >= size) {
        return UnknownKey(
            root, key,
            absl::StrCat(target.prefix, last.field->name(), " has ", size, " element(s); \"",
                         target.element_step, "\" is not one of them"));
      }
      target.element_index = last.index;
      break;
    }
  }
  target.element = true;
  return target;
}

std::string TypeName(const FieldDescriptor* field) {
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_ENUM:
      return "enum " + field->enum_type()->full_name();
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return "message " + field->message_type()->full_name();
    default:
      return field->type_name();
  }
}

std::string FieldType(const FieldDescriptor* field) {
  if (field->is_map()) {
    const Descriptor* entry = field->message_type();
    return absl::StrCat("map<", TypeName(entry->map_key()), ", ", TypeName(entry->map_value()),
                        ">");
  }
  if (field->is_repeated()) return "repeated " + TypeName(field);
  if (field->is_required()) return "required " + TypeName(field);
  if (field->has_presence()) return "optional " + TypeName(field);
  return TypeName(field);
}

void AppendLines(const std::string& label, const std::vector<std::string>& lines,
                 std::string* out) {
  for (size_t i = 0; i < lines.size(); ++i) {
    absl::StrAppend(out,
                    i == 0 ? absl::StrCat("  ", label, std::string(10 - label.size(), ' '))
                           : std::string(kIndent),
                    lines[i], "\n");
  }
}

void AppendDoc(const std::string& doc, std::string* out) {
  if (doc.empty()) return;
  for (absl::string_view line : absl::StrSplit(doc, '\n')) absl::StrAppend(out, "  ", line, "\n");
}

// The `--print-flat` lines of `holder` under `name` (the field, or one element).
std::vector<std::string> FlatLinesUnder(const Target& target, const std::string& name) {
  std::vector<std::string> lines;
  for (const std::string& line : Flatten(*target.holder, /*with_all=*/false)) {
    absl::StatusOr<std::string> word = ShellUnquote(line);
    const std::string& plain = word.ok() ? *word : line;
    if (absl::StartsWith(plain, name + "=") || absl::StartsWith(plain, name + ".")) {
      // The prefix outside any quotes still makes one shell word.
      lines.push_back(target.prefix + line);
    }
  }
  return lines;
}

// "<label>: one of a | b | c (chosen: b)".
std::string OneofSummary(const Message& holder, const OneofDescriptor* oneof,
                         const std::string& label) {
  std::vector<std::string> cases;
  for (int i = 0; i < oneof->field_count(); ++i) cases.push_back(oneof->field(i)->name());
  const FieldDescriptor* chosen = holder.GetReflection()->GetOneofFieldDescriptor(holder, oneof);
  return absl::StrCat(label, ": one of ", absl::StrJoin(cases, " | "),
                      " (chosen: ", chosen == nullptr ? "none" : chosen->name(), ")");
}

void AppendEnum(const EnumDescriptor* enum_type, std::string* out) {
  std::vector<std::string> names;
  bool any_doc = false;
  for (int i = 0; i < enum_type->value_count(); ++i) {
    const std::string doc = DocOf(enum_type->value(i));
    any_doc = any_doc || !doc.empty();
    names.push_back(doc.empty() ? enum_type->value(i)->name()
                                : absl::StrCat(enum_type->value(i)->name(), ": ",
                                               absl::StrReplaceAll(doc, {{"\n", " "}})));
  }
  AppendLines("allowed:", any_doc ? names : std::vector<std::string>{absl::StrJoin(names, ", ")},
              out);
}

std::string DescribeOneof(const Target& target, absl::string_view key) {
  const OneofDescriptor* oneof = target.oneof;
  std::string out = absl::StrCat(key, "\n");
  AppendDoc(DocOf(oneof), &out);
  AppendLines("oneof:", {OneofSummary(*target.holder, oneof, oneof->full_name())}, &out);
  const FieldDescriptor* chosen =
      target.holder->GetReflection()->GetOneofFieldDescriptor(*target.holder, oneof);
  std::vector<std::string> value = {chosen == nullptr ? "none chosen" : chosen->name()};
  if (chosen != nullptr) {
    for (const std::string& line : FlatLinesUnder(target, chosen->name())) value.push_back(line);
  }
  AppendLines("value:", value, &out);
  return out;
}

std::string DescribeTarget(const Target& target, absl::string_view key) {
  const FieldDescriptor* field = target.field;
  const Message& holder = *target.holder;
  std::string out = absl::StrCat(key, "\n");
  AppendDoc(DocOf(field), &out);
  AppendLines("field:",
              {absl::StrCat(field->full_name(), " (", FieldType(field), ", field number ",
                            field->number(), ")")},
              &out);
  if (field->real_containing_oneof() != nullptr) {
    AppendLines("oneof:",
                {OneofSummary(holder, field->real_containing_oneof(),
                              field->real_containing_oneof()->name())},
                &out);
  }
  const FieldDescriptor* value_field = field->is_map() ? field->message_type()->map_value() : field;
  if (value_field->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
    AppendEnum(value_field->enum_type(), &out);
  }
  if (value_field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    const Descriptor* type = value_field->message_type();
    std::vector<std::string> fields;
    for (int i = 0; i < type->field_count(); ++i) fields.push_back(type->field(i)->name());
    const std::string type_doc = DocOf(type);
    AppendLines("message:",
                {type->full_name() +
                 (type_doc.empty() ? "" : ": " + absl::StrReplaceAll(type_doc, {{"\n", " "}}))},
                &out);
    AppendLines("fields:", {absl::StrJoin(fields, ", ")}, &out);
  }
  const bool scalar =
      !field->is_repeated() && field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE;
  if (scalar) {
    std::unique_ptr<Message> empty(holder.New());
    const std::string from = DefaultFromOf(field);
    AppendLines("default:",
                {!from.empty() ? absl::StrCat("the value of ", from, " (heyhi.default_from)")
                 : field->has_default_value()
                     ? FormatScalar(*empty, field)
                     : absl::StrCat("none (unset reads as ", FormatScalar(*empty, field), ")")},
                &out);
  }

  const std::string name =
      target.element ? absl::StrCat(field->name(), ".", target.element_step) : field->name();
  std::vector<std::string> lines = FlatLinesUnder(target, name);
  std::vector<std::string> value;
  const bool set =
      target.present &&
      (field->is_repeated() ? !lines.empty() : holder.GetReflection()->HasField(holder, field));
  if (target.element && target.element_index < 0) {
    value.push_back(absl::StrCat("no key \"", target.element_step, "\""));
  } else if (scalar && set) {
    value.push_back(FormatScalar(holder, field));
  } else if (scalar) {
    value.push_back(field->has_default_value()
                        ? FormatScalar(holder, field) + " (not set: the default)"
                        : "NULL (not set)");
  } else if (!set) {
    value.push_back(field->is_repeated() ? "empty" : "not set");
  } else {
    if (field->is_repeated() && !target.element) {
      const int size = holder.GetReflection()->FieldSize(holder, field);
      value.push_back(absl::StrCat(size, field->is_map() ? " entries" : " elements"));
    } else if (!target.element) {
      value.push_back("set");
    }
    for (const std::string& line : lines) value.push_back(line);
  }
  AppendLines("value:", value, &out);
  return out;
}

}  // namespace

absl::StatusOr<std::string> DescribeField(const Message& msg, absl::string_view key) {
  absl::StatusOr<Target> target = Resolve(msg, key);
  if (!target.ok()) return target.status();
  return target->oneof != nullptr ? DescribeOneof(*target, key) : DescribeTarget(*target, key);
}

std::string SchemaDoc(const Descriptor* message) { return DocOf(message); }
std::string SchemaDoc(const FieldDescriptor* field) { return DocOf(field); }
std::string SchemaDoc(const OneofDescriptor* oneof) { return DocOf(oneof); }
std::string SchemaDoc(const EnumDescriptor* enum_type) { return DocOf(enum_type); }
std::string SchemaDoc(const google::protobuf::EnumValueDescriptor* value) { return DocOf(value); }

}  // namespace heyhi
