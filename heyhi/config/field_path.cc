// Dotted field paths walked over any message by descriptor reflection.
#include "heyhi/config/field_path.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "heyhi/base/edit_distance.h"
#include "heyhi/config/field_value.h"

namespace heyhi {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::OneofDescriptor;
using google::protobuf::Reflection;

// The message type reached through `field` (its element or map value type),
// or null when the field holds scalars.
const Descriptor* ValueMessageType(const FieldDescriptor* field) {
  if (field->is_map()) {
    const FieldDescriptor* value = field->message_type()->map_value();
    return value->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE ? value->message_type() : nullptr;
  }
  return field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE ? field->message_type() : nullptr;
}

// An element index: "-1" or a run of digits.
bool ParseIndex(absl::string_view text, int64_t* index) {
  absl::string_view digits = text;
  if (text == "-1") {
    *index = -1;
    return true;
  }
  if (digits.empty() || digits.size() > 9) return false;
  *index = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    *index = *index * 10 + (c - '0');
  }
  return true;
}

absl::Status UnknownKey(const Descriptor* root, absl::string_view path, absl::string_view reason,
                        absl::string_view wanted) {
  const std::vector<std::string> closest = ClosestMatches(wanted, AllFieldPaths(root));
  std::string message =
      absl::StrCat("unknown key '", path, "' in ", root->full_name(), ": ", reason);
  if (!closest.empty()) absl::StrAppend(&message, "; did you mean: ", absl::StrJoin(closest, ", "));
  return absl::InvalidArgumentError(message);
}

// The dotted text of steps [0, end).
std::string JoinSteps(const std::vector<PathStep>& steps, size_t end) {
  std::vector<absl::string_view> parts;
  for (size_t i = 0; i < end; ++i) parts.push_back(steps[i].text);
  return absl::StrJoin(parts, ".");
}

// The default instance of `type` in the same world as `msg` (generated or
// dynamic), standing for a message that does not exist yet.
const Message* Prototype(const Message& msg, const Descriptor* type) {
  return msg.GetReflection()->GetMessageFactory()->GetPrototype(type);
}

void CollectPaths(const Descriptor* type, const std::string& prefix, int depth_left,
                  std::vector<std::string>* out) {
  if (depth_left <= 0) return;
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    std::string path = prefix.empty() ? field->name() : absl::StrCat(prefix, ".", field->name());
    out->push_back(path);
    if (const Descriptor* sub = ValueMessageType(field)) {
      CollectPaths(sub, path, depth_left - 1, out);
    }
  }
}

}  // namespace

absl::StatusOr<std::vector<PathStep>> ResolveFieldPath(const Descriptor* type,
                                                       absl::string_view path) {
  std::vector<PathStep> steps;
  if (path.empty() || path == ".") return steps;
  const std::vector<std::string> parts = absl::StrSplit(path, '.');
  std::vector<std::string> names;  // field names only, for suggestions
  const Descriptor* current = type;
  for (size_t i = 0; i < parts.size();) {
    const std::string& part = parts[i];
    auto wanted = [&] {
      std::vector<std::string> rest(parts.begin() + i, parts.end());
      names.insert(names.end(), rest.begin(), rest.end());
      return absl::StrJoin(names, ".");
    };
    if (part.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad key '", path, "': empty step (two dots, or a dot at an end)"));
    }
    if (current == nullptr) {
      const PathStep& last = steps.back();
      return UnknownKey(
          type, path,
          absl::StrCat("'", absl::StrJoin(parts.begin(), parts.begin() + i, "."), "' is ",
                       WithArticle(FieldTypeName(last.field)), " value with no field '", part, "'"),
          wanted());
    }
    const FieldDescriptor* field = current->FindFieldByName(part);
    // HeyHi's keys may name the oneof on the way ("encoder.transformer.x"
    // where `encoder` is the oneof holding `transformer`): skip that step.
    if (field == nullptr && i + 1 < parts.size()) {
      const OneofDescriptor* oneof = current->FindOneofByName(part);
      const FieldDescriptor* member = current->FindFieldByName(parts[i + 1]);
      if (oneof != nullptr && member != nullptr && member->containing_oneof() == oneof) {
        ++i;
        continue;
      }
    }
    if (field == nullptr) {
      return UnknownKey(type, path, absl::StrCat(current->name(), " has no field '", part, "'"),
                        wanted());
    }
    steps.push_back({PathStep::Kind::kField, field, part, 0});
    names.push_back(part);
    ++i;
    if (field->is_repeated() && i < parts.size()) {
      const std::string& next = parts[i];
      if (field->is_map()) {
        absl::StatusOr<ScalarValue> key = ParseScalar(field->message_type()->map_key(), next);
        if (!key.ok()) {
          return absl::InvalidArgumentError(absl::StrCat("bad key '", path, "': '", next,
                                                         "' is not a key of map '", field->name(),
                                                         "': ", key.status().message()));
        }
        steps.push_back({PathStep::Kind::kMapKey, field, next, 0});
      } else {
        int64_t index;
        if (!ParseIndex(next, &index)) {
          return absl::InvalidArgumentError(absl::StrCat(
              "bad key '", path, "': '", field->name(),
              "' is a repeated field, so an element index must follow it (", field->name(),
              ".0, or ", field->name(), ".-1 to append), not '", next, "'"));
        }
        steps.push_back({PathStep::Kind::kIndex, field, next, index});
      }
      ++i;
    }
    current = ValueMessageType(field);
  }
  return steps;
}

absl::StatusOr<int> CheckElementIndex(absl::string_view field_path, int64_t index, int size) {
  if (index == -1 || index == size) return size;
  if (index >= 0 && index < size) return static_cast<int>(index);
  const std::string valid =
      size == 0 ? "0 or -1 to append"
                : absl::StrCat("0..", size - 1, " to address one, ", size, " or -1 to append");
  return absl::OutOfRangeError(absl::StrCat("index ", index, " is out of range: ", field_path,
                                            " has ", size, size == 1 ? " element" : " elements",
                                            " (give ", valid, ")"));
}

absl::StatusOr<int> FindMapEntry(const Message& msg, const FieldDescriptor* map_field,
                                 absl::string_view key) {
  const FieldDescriptor* key_field = map_field->message_type()->map_key();
  absl::StatusOr<ScalarValue> parsed = ParseScalar(key_field, key);
  if (!parsed.ok()) return parsed.status();
  const Reflection* r = msg.GetReflection();
  // With duplicate keys in the entry list the last one is the map's value.
  for (int i = r->FieldSize(msg, map_field) - 1; i >= 0; --i) {
    if (HoldsScalar(r->GetRepeatedMessage(msg, map_field, i), key_field, *parsed)) return i;
  }
  return -1;
}

absl::StatusOr<Message*> MutableMapEntry(Message* msg, const FieldDescriptor* map_field,
                                         absl::string_view key) {
  absl::StatusOr<int> found = FindMapEntry(*msg, map_field, key);
  if (!found.ok()) return found.status();
  const Reflection* r = msg->GetReflection();
  if (*found >= 0) return r->MutableRepeatedMessage(msg, map_field, *found);
  const FieldDescriptor* key_field = map_field->message_type()->map_key();
  Message* entry = r->AddMessage(msg, map_field);
  SetScalar(entry, key_field, *ParseScalar(key_field, key));
  return entry;
}

void RemoveRepeatedElement(Message* msg, const FieldDescriptor* field, int index) {
  const Reflection* r = msg->GetReflection();
  const int size = r->FieldSize(*msg, field);
  for (int i = index; i + 1 < size; ++i) r->SwapElements(msg, field, i, i + 1);
  r->RemoveLast(msg, field);
}

absl::Status CheckFieldPath(const Message& root, const std::vector<PathStep>& steps, size_t end,
                            bool* exists) {
  *exists = true;
  const Message* current = &root;
  for (size_t i = 0; i < end; ++i) {
    const PathStep& step = steps[i];
    const FieldDescriptor* field = step.field;
    const Reflection* r = current->GetReflection();
    if (step.kind == PathStep::Kind::kField) {
      if (field->is_repeated() || ValueMessageType(field) == nullptr) continue;
      *exists = *exists && r->HasField(*current, field);
      current = &r->GetMessage(*current, field);
    } else if (step.kind == PathStep::Kind::kIndex) {
      const int size = r->FieldSize(*current, field);
      absl::StatusOr<int> index = CheckElementIndex(JoinSteps(steps, i), step.index, size);
      if (!index.ok()) return index.status();
      if (ValueMessageType(field) == nullptr) continue;
      if (*index == size) {
        *exists = false;
        current = Prototype(*current, field->message_type());
      } else {
        current = &r->GetRepeatedMessage(*current, field, *index);
      }
    } else {
      absl::StatusOr<int> entry = FindMapEntry(*current, field, step.text);
      if (!entry.ok()) return entry.status();
      const Descriptor* value_type = ValueMessageType(field);
      if (value_type == nullptr) continue;
      if (*entry < 0) {
        *exists = false;
        current = Prototype(*current, value_type);
      } else {
        const Message& pair = r->GetRepeatedMessage(*current, field, *entry);
        current = &pair.GetReflection()->GetMessage(pair, field->message_type()->map_value());
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Message*> MutableMessageAt(Message* root, absl::string_view path) {
  absl::StatusOr<std::vector<PathStep>> steps = ResolveFieldPath(root->GetDescriptor(), path);
  if (!steps.ok()) return steps.status();
  // Indices are checked before anything is created, so a failed mount leaves
  // `root` as it was.
  bool exists;
  if (absl::Status checked = CheckFieldPath(*root, *steps, steps->size(), &exists); !checked.ok()) {
    return checked;
  }
  Message* current = root;
  std::string walked;
  for (size_t i = 0; i < steps->size(); ++i) {
    const PathStep& step = (*steps)[i];
    const FieldDescriptor* field = step.field;
    const Reflection* r = current->GetReflection();
    if (!walked.empty()) walked += '.';
    walked += step.text;
    const bool last = i + 1 == steps->size();
    if (step.kind == PathStep::Kind::kField) {
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
        return absl::InvalidArgumentError(absl::StrCat("'", walked, "' in path '", path, "' is ",
                                                       WithArticle(FieldTypeName(field)),
                                                       ", not a message"));
      }
      if (field->is_repeated()) {
        if (last) {
          return absl::InvalidArgumentError(absl::StrCat(
              "'", walked, "' in path '", path, "' is a ", field->is_map() ? "map" : "repeated",
              " field: name one ", field->is_map() ? "key" : "element", " (", walked,
              field->is_map() ? ".<key>" : ".0, or .-1 to append", ")"));
        }
        continue;
      }
      current = r->MutableMessage(current, field);
    } else if (step.kind == PathStep::Kind::kIndex) {
      if (ValueMessageType(field) == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat("'", walked, "' in path '", path, "' is ",
                                                       WithArticle(FieldTypeName(field)),
                                                       ", not a message"));
      }
      absl::StatusOr<int> index =
          CheckElementIndex(field->name(), step.index, r->FieldSize(*current, field));
      if (!index.ok()) return index.status();
      current = *index == r->FieldSize(*current, field)
                    ? r->AddMessage(current, field)
                    : r->MutableRepeatedMessage(current, field, *index);
    } else {
      const FieldDescriptor* value_field = field->message_type()->map_value();
      if (ValueMessageType(field) == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat("'", walked, "' in path '", path, "' is ",
                                                       WithArticle(FieldTypeName(value_field)),
                                                       ", not a message"));
      }
      absl::StatusOr<Message*> entry = MutableMapEntry(current, field, step.text);
      if (!entry.ok()) return entry.status();
      current = (*entry)->GetReflection()->MutableMessage(*entry, value_field);
    }
  }
  return current;
}

absl::StatusOr<const Descriptor*> MessageTypeAt(const Descriptor* type, absl::string_view path) {
  absl::StatusOr<std::vector<PathStep>> steps = ResolveFieldPath(type, path);
  if (!steps.ok()) return steps.status();
  if (steps->empty()) return type;
  const FieldDescriptor* field = steps->back().field;
  const Descriptor* found = ValueMessageType(field);
  if (found == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("'", path, "' in ", type->full_name(), " is ",
                                                   WithArticle(FieldTypeName(field)),
                                                   ", not a message"));
  }
  return found;
}

std::vector<std::string> AllFieldPaths(const Descriptor* type, int max_depth) {
  std::vector<std::string> paths;
  CollectPaths(type, "", max_depth, &paths);
  return paths;
}

}  // namespace heyhi
