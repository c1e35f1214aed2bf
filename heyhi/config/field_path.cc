// Dotted field paths: resolution against a type, and the one walk that reads, checks and creates.
#include "heyhi/config/field_path.h"

#include <algorithm>
#include <set>
#include <type_traits>
#include <variant>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "heyhi/base/edit_distance.h"

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
bool ParseIndex(absl::string_view text, int* index) {
  if (text == "-1") {
    *index = -1;
    return true;
  }
  if (text.empty() || text.size() > 9) return false;
  *index = 0;
  for (char c : text) {
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

// The dotted text of the field of step `i`, without its element.
std::string FieldText(const FieldPath& path, size_t i) {
  const std::string before = FieldPathToString(path, i);
  return before.empty() ? path[i].field->name() : absl::StrCat(before, ".", path[i].field->name());
}

// The default instance of `type` in the same world as `msg` (generated or
// dynamic), standing for a message that does not exist yet.
const Message* Prototype(const Message& msg, const Descriptor* type) {
  return msg.GetReflection()->GetMessageFactory()->GetPrototype(type);
}

// Checks element `index` (-1: append) of a field holding `size` elements.
absl::Status CheckElementIndex(absl::string_view field_path, int index, int size, bool may_append) {
  if (may_append && (index == -1 || index == size)) return absl::OkStatus();
  if (index >= 0 && index < size) return absl::OkStatus();
  std::string valid;
  if (may_append) {
    valid = size == 0 ? " (give 0 or -1 to append)"
                      : absl::StrCat(" (give 0..", size - 1, " to address one, ", size,
                                     " or -1 to append)");
  } else if (size > 0) {
    valid = absl::StrCat(" (give 0..", size - 1, ")");
  }
  return absl::OutOfRangeError(absl::StrCat("index ", index, " is out of range: ", field_path,
                                            " has ", size, size == 1 ? " element" : " elements",
                                            valid));
}

// The message `step` leads to from `msg`, for reading; see MessageAt.
const Message* StepInto(const Message& msg, const PathStep& step, bool* present) {
  const Reflection* r = msg.GetReflection();
  const FieldDescriptor* field = step.field;
  switch (step.kind) {
    case PathStep::Kind::kField:
      *present = *present && r->HasField(msg, field);
      return &r->GetMessage(msg, field);
    case PathStep::Kind::kElement:
      if (step.index < r->FieldSize(msg, field)) {
        return &r->GetRepeatedMessage(msg, field, step.index);
      }
      break;
    case PathStep::Kind::kAppend:
      break;
    case PathStep::Kind::kMapEntry:
      if (const int entry = FindMapEntry(msg, field, step.key).value_or(-1); entry >= 0) {
        const Message& pair = r->GetRepeatedMessage(msg, field, entry);
        return &pair.GetReflection()->GetMessage(pair, field->message_type()->map_value());
      }
      break;
  }
  *present = false;
  return Prototype(msg, ValueMessageType(field));
}

// The message `step` leads to from `msg`, created when it is not there.
Message* MutableStepInto(Message* msg, const PathStep& step) {
  const Reflection* r = msg->GetReflection();
  const FieldDescriptor* field = step.field;
  switch (step.kind) {
    case PathStep::Kind::kField:
      return r->MutableMessage(msg, field);
    case PathStep::Kind::kElement:
      if (step.index < r->FieldSize(*msg, field)) {
        return r->MutableRepeatedMessage(msg, field, step.index);
      }
      return r->AddMessage(msg, field);
    case PathStep::Kind::kAppend:
      return r->AddMessage(msg, field);
    case PathStep::Kind::kMapEntry:
      break;
  }
  Message* entry = *MutableMapEntry(msg, field, step.key);
  return entry->GetReflection()->MutableMessage(entry, field->message_type()->map_value());
}

// Why step `i` of `path` leads to no message.
absl::Status NotAMessage(const FieldPath& path, size_t i) {
  const PathStep& step = path[i];
  const FieldDescriptor* field = step.field;
  const std::string walked = FieldPathToString(path, i + 1);
  const std::string where = absl::StrCat("'", walked, "' in path '", FieldPathToString(path), "'");
  if (step.kind == PathStep::Kind::kField && field->is_repeated() &&
      ValueMessageType(field) != nullptr) {
    const bool map = field->is_map();
    return absl::InvalidArgumentError(absl::StrCat(
        where, " is a ", map ? "map" : "repeated", " field: name one ", map ? "key" : "element",
        " (", walked, map ? ".<key>" : ".0, or .-1 to append", ")"));
  }
  const FieldDescriptor* value =
      step.kind == PathStep::Kind::kMapEntry ? field->message_type()->map_value() : field;
  return absl::InvalidArgumentError(
      absl::StrCat(where, " is ", WithArticle(FieldTypeName(value)), ", not a message"));
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

namespace {

// Steps [0, end) of `path` joined by dots; map keys as they are, or (with
// `as_key`) as one step of a key writes them (KeyStepText).
std::string JoinSteps(const FieldPath& path, size_t end, bool as_key) {
  std::string out;
  for (size_t i = 0; i < path.size() && i < end; ++i) {
    const PathStep& step = path[i];
    if (!out.empty()) out += '.';
    out += step.field->name();
    switch (step.kind) {
      case PathStep::Kind::kField:
        break;
      case PathStep::Kind::kElement:
        absl::StrAppend(&out, ".", step.index);
        break;
      case PathStep::Kind::kAppend:
        out += ".-1";
        break;
      case PathStep::Kind::kMapEntry:
        absl::StrAppend(&out, ".", as_key ? KeyStepText(step.key) : step.key);
        break;
    }
  }
  return out;
}

}  // namespace

std::string FieldPathToString(const FieldPath& path, size_t end) {
  return JoinSteps(path, end, /*as_key=*/false);
}

std::string KeyText(const FieldPath& path) {
  return JoinSteps(path, std::string::npos, /*as_key=*/true);
}

std::string MapKeyText(const ScalarValue& key) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) return v;
        if constexpr (std::is_same_v<T, bool>) return v ? "true" : "false";
        if constexpr (std::is_integral_v<T>) return absl::StrCat(v);
        return "";  // no other type may be a map key
      },
      key);
}

absl::StatusOr<std::vector<KeyPart>> SplitKey(absl::string_view key) {
  std::vector<KeyPart> parts;
  size_t i = 0;
  while (true) {
    KeyPart part;
    if (i < key.size() && key[i] == '"') {
      part.quoted = true;
      size_t j = i + 1;
      for (; j < key.size() && key[j] != '"'; ++j) {
        if (key[j] == '\\' && j + 1 < key.size()) ++j;
        part.text += key[j];
      }
      if (j >= key.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("bad key '", key, "': unterminated \" quote in a step"));
      }
      i = j + 1;
      if (i < key.size() && key[i] != '.') {
        return absl::InvalidArgumentError(absl::StrCat(
            "bad key '", key, "': a quoted step must end at a '.' or at the end of the key"));
      }
    } else {
      const size_t dot = std::min(key.find('.', i), key.size());
      part.text = std::string(key.substr(i, dot - i));
      i = dot;
    }
    parts.push_back(std::move(part));
    if (i >= key.size()) return parts;
    ++i;  // the '.'
  }
}

std::string KeyStepText(absl::string_view map_key) {
  if (!map_key.empty() && map_key[0] != '"' &&
      map_key.find_first_of(".=") == absl::string_view::npos) {
    return std::string(map_key);
  }
  std::string quoted = "\"";
  for (char c : map_key) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

size_t KeyEnd(absl::string_view token) {
  bool step_start = true;
  for (size_t i = 0; i < token.size(); ++i) {
    const char c = token[i];
    if (step_start && c == '"') {
      size_t j = i + 1;
      for (; j < token.size() && token[j] != '"'; ++j) {
        if (token[j] == '\\' && j + 1 < token.size()) ++j;
      }
      // Unterminated: the first '=' ends the key, whose quote is then an error.
      if (j >= token.size()) return token.find('=');
      i = j;
      step_start = false;
      continue;
    }
    if (c == '=') return i;
    step_start = c == '.';
  }
  return absl::string_view::npos;
}

absl::StatusOr<FieldPath> ResolveFieldPath(const Descriptor* type, absl::string_view path,
                                           PathError* error) {
  FieldPath steps;
  if (path.empty() || path == ".") return steps;
  PathError ignored;
  PathError& why = error != nullptr ? *error : ignored;
  absl::StatusOr<std::vector<KeyPart>> split = SplitKey(path);
  if (!split.ok()) return split.status();
  std::vector<std::string> parts;
  std::vector<bool> quoted;  // a quoted step may be empty: a map key
  for (KeyPart& part : *split) {
    parts.push_back(std::move(part.text));
    quoted.push_back(part.quoted);
  }
  if (parts.size() > kMaxKeySteps) {
    why.kind = PathError::Kind::kBadStep;
    return absl::InvalidArgumentError(absl::StrCat("key '", path.substr(0, 60), "...' has ",
                                                   parts.size(), " steps; at most ", kMaxKeySteps,
                                                   " are allowed"));
  }
  std::vector<std::string> names;  // field names only, for suggestions
  const Descriptor* current = type;
  for (size_t i = 0; i < parts.size();) {
    const std::string& part = parts[i];
    auto wanted = [&] {
      std::vector<std::string> rest(parts.begin() + i, parts.end());
      names.insert(names.end(), rest.begin(), rest.end());
      return absl::StrJoin(names, ".");
    };
    why = PathError{};
    why.part = part;
    if (part.empty() && !quoted[i]) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad key '", path, "': empty step (two dots, or a dot at an end)"));
    }
    if (current == nullptr) {
      why.kind = PathError::Kind::kInsideScalar;
      why.field = steps.back().field;
      why.walked = absl::StrJoin(parts.begin(), parts.begin() + i, ".");
      return UnknownKey(
          type, path,
          absl::StrCat("'", why.walked, "' is ", WithArticle(FieldTypeName(why.field)),
                       " value with no field '", part, "'"),
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
      why.kind = PathError::Kind::kNoField;
      why.type = current;
      return UnknownKey(type, path, absl::StrCat(current->name(), " has no field '", part, "'"),
                        wanted());
    }
    PathStep step = PathStep::Field(field);
    names.push_back(part);
    ++i;
    if (field->is_repeated() && i < parts.size()) {
      const std::string& next = parts[i];
      why.part = next;
      if (field->is_map()) {
        absl::StatusOr<ScalarValue> key = ParseScalar(field->message_type()->map_key(), next);
        if (!key.ok()) {
          return absl::InvalidArgumentError(absl::StrCat("bad key '", path, "': '", next,
                                                         "' is not a key of map '", field->name(),
                                                         "': ", key.status().message()));
        }
        step = PathStep::Entry(field, MapKeyText(*key));
      } else {
        int index;
        if (!ParseIndex(next, &index)) {
          return absl::InvalidArgumentError(absl::StrCat(
              "bad key '", path, "': '", field->name(),
              "' is a repeated field, so an element index must follow it (", field->name(),
              ".0, or ", field->name(), ".-1 to append), not '", next, "'"));
        }
        step = index == -1 ? PathStep::Append(field) : PathStep::Element(field, index);
      }
      ++i;
    }
    steps.push_back(std::move(step));
    current = ValueMessageType(field);
  }
  return steps;
}

absl::StatusOr<FieldPath> ConcretePath(const Message& msg, absl::string_view path,
                                       PathError* error) {
  absl::StatusOr<FieldPath> steps = ResolveFieldPath(msg.GetDescriptor(), path, error);
  if (!steps.ok()) return steps.status();
  const Message* current = &msg;
  bool present = true;
  for (size_t i = 0; i < steps->size(); ++i) {
    PathStep& step = (*steps)[i];
    if (step.kind == PathStep::Kind::kAppend) {
      const int size = current->GetReflection()->FieldSize(*current, step.field);
      if (size > 0) step = PathStep::Element(step.field, size - 1);
    }
    if (i + 1 < steps->size()) current = StepInto(*current, step, &present);
  }
  return steps;
}

const OneofDescriptor* OneofAt(const Descriptor* type, absl::string_view path) {
  const size_t dot = path.rfind('.');
  const absl::string_view prefix = dot == absl::string_view::npos ? "" : path.substr(0, dot);
  const std::string last(dot == absl::string_view::npos ? path : path.substr(dot + 1));
  absl::StatusOr<const Descriptor*> holder = MessageTypeAt(type, prefix);
  if (!holder.ok() || (*holder)->FindFieldByName(last) != nullptr) return nullptr;
  return (*holder)->FindOneofByName(last);
}

absl::StatusOr<const Descriptor*> MessageTypeAt(const Descriptor* type, absl::string_view path) {
  absl::StatusOr<FieldPath> steps = ResolveFieldPath(type, path);
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

absl::Status CheckStep(const Message& holder, const FieldPath& path, size_t i, bool may_append) {
  const PathStep& step = path[i];
  switch (step.kind) {
    case PathStep::Kind::kField:
      return absl::OkStatus();
    case PathStep::Kind::kElement:
    case PathStep::Kind::kAppend:
      return CheckElementIndex(FieldText(path, i),
                               step.kind == PathStep::Kind::kAppend ? -1 : step.index,
                               holder.GetReflection()->FieldSize(holder, step.field), may_append);
    case PathStep::Kind::kMapEntry:
      return FindMapEntry(holder, step.field, step.key).status();
  }
  return absl::OkStatus();
}

namespace {

// Step `i` of `path` from `current`, which must lead to a message and pass
// CheckStep; `*present` as StepInto leaves it.
absl::StatusOr<const Message*> CheckedStepInto(const Message& current, const FieldPath& path,
                                               size_t i, bool* present, bool may_append) {
  const PathStep& step = path[i];
  if (ValueMessageType(step.field) == nullptr ||
      (step.kind == PathStep::Kind::kField && step.field->is_repeated())) {
    return NotAMessage(path, i);
  }
  if (absl::Status checked = CheckStep(current, path, i, may_append); !checked.ok()) {
    return checked;
  }
  return StepInto(current, step, present);
}

}  // namespace

absl::StatusOr<const Message*> MessageAt(const Message& root, const FieldPath& path, size_t end,
                                         bool* present, bool may_append) {
  *present = true;
  const Message* current = &root;
  for (size_t i = 0; i < end; ++i) {
    absl::StatusOr<const Message*> next = CheckedStepInto(*current, path, i, present, may_append);
    if (!next.ok()) return next.status();
    current = *next;
  }
  return current;
}

namespace {

// Whether the field `last` names is set in `holder`.
bool LastStepIsSet(const Message& holder, const PathStep& last) {
  const Reflection* r = holder.GetReflection();
  switch (last.kind) {
    case PathStep::Kind::kField:
      return last.field->is_repeated() ? r->FieldSize(holder, last.field) > 0
                                       : r->HasField(holder, last.field);
    case PathStep::Kind::kElement:
      return last.index < r->FieldSize(holder, last.field);
    case PathStep::Kind::kAppend:
      return false;
    case PathStep::Kind::kMapEntry:
      return FindMapEntry(holder, last.field, last.key).value_or(-1) >= 0;
  }
  return false;
}

// The message steps [0, n-1) of `path` lead to in `msg` when they are all
// set; else null.
const Message* SetParent(const Message& msg, const FieldPath& path) {
  bool present;
  absl::StatusOr<const Message*> holder = MessageAt(msg, path, path.size() - 1, &present);
  return holder.ok() && present ? *holder : nullptr;
}

}  // namespace

bool PathIsSet(const Message& msg, const FieldPath& path) {
  if (path.empty()) return true;
  const Message* holder = SetParent(msg, path);
  return holder != nullptr && LastStepIsSet(*holder, path.back());
}

bool SetPathProbe::IsSet(const FieldPath& path) {
  if (path.empty()) return true;
  const size_t parent_size = path.size() - 1;
  size_t common = 0;
  while (common < walked_.size() && common < parent_size && walked_[common] == path[common]) {
    ++common;
  }
  walked_.resize(common);
  reached_.resize(common + 1);
  // The steps MessageAt would take, stopping at the first that leads to no
  // set message (then the field is not set).
  for (size_t i = common; i < parent_size; ++i) {
    bool present = true;
    absl::StatusOr<const Message*> next =
        CheckedStepInto(*reached_.back(), path, i, &present, /*may_append=*/false);
    if (!next.ok() || !present) return false;
    walked_.push_back(path[i]);
    reached_.push_back(*next);
  }
  return LastStepIsSet(*reached_.back(), path.back());
}

absl::StatusOr<Message*> MutableMessageAt(Message* root, absl::string_view path) {
  absl::StatusOr<FieldPath> steps = ResolveFieldPath(root->GetDescriptor(), path);
  if (!steps.ok()) return steps.status();
  return MutableMessageAt(root, *steps);
}

absl::StatusOr<Message*> MutableMessageAt(Message* root, const FieldPath& path) {
  // Everything is checked before anything is created, so a failed mount
  // leaves `root` as it was.
  bool present;
  absl::StatusOr<const Message*> checked =
      MessageAt(*root, path, path.size(), &present, /*may_append=*/true);
  if (!checked.ok()) return checked.status();
  Message* current = root;
  for (const PathStep& step : path) current = MutableStepInto(current, step);
  return current;
}

absl::StatusOr<int> FindMapEntry(const Message& msg, const FieldDescriptor* map_field,
                                 absl::string_view key) {
  const FieldDescriptor* key_field = map_field->message_type()->map_key();
  absl::StatusOr<ScalarValue> parsed = ParseScalar(key_field, key);
  if (!parsed.ok()) return parsed.status();
  const Reflection* r = msg.GetReflection();
  for (int i = r->FieldSize(msg, map_field) - 1; i >= 0; --i) {
    if (GetScalar(r->GetRepeatedMessage(msg, map_field, i), key_field) == *parsed) return i;
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

void NormalizeMaps(Message* msg) {
  const Reflection* r = msg->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(*msg, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (!field->is_repeated()) {
      NormalizeMaps(r->MutableMessage(msg, field));
      continue;
    }
    if (field->is_map()) {
      // Keep the last entry of each key; move the kept ones to the front.
      const FieldDescriptor* key_field = field->message_type()->map_key();
      const int size = r->FieldSize(*msg, field);
      std::set<ScalarValue> seen;
      std::vector<bool> keep(size);
      for (int i = size - 1; i >= 0; --i) {
        keep[i] = seen.insert(GetScalar(r->GetRepeatedMessage(*msg, field, i), key_field)).second;
      }
      int kept = 0;
      for (int i = 0; i < size; ++i) {
        if (!keep[i]) continue;
        if (kept != i) r->SwapElements(msg, field, kept, i);
        ++kept;
      }
      for (int i = kept; i < size; ++i) r->RemoveLast(msg, field);
    }
    for (int i = 0; i < r->FieldSize(*msg, field); ++i) {
      NormalizeMaps(r->MutableRepeatedMessage(msg, field, i));
    }
  }
}

std::vector<std::string> AllFieldPaths(const Descriptor* type, int max_depth) {
  std::vector<std::string> paths;
  CollectPaths(type, "", max_depth, &paths);
  return paths;
}

}  // namespace heyhi
