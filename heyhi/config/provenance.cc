// Provenance records and the structured-path arithmetic that keeps them
// right while included files and overrides are merged.
#include "heyhi/config/provenance.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace heyhi {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

bool IsUnder(const std::string& path, const std::string& key) {
  return path.size() > key.size() && absl::StartsWith(path, key) && path[key.size()] == '.';
}

}  // namespace

std::string MapKeyText(const Message& entry) {
  const FieldDescriptor* key = entry.GetDescriptor()->map_key();
  const Reflection* reflection = entry.GetReflection();
  switch (key->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return reflection->GetString(entry, key);
    case FieldDescriptor::CPPTYPE_BOOL:
      return reflection->GetBool(entry, key) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_INT32:
      return std::to_string(reflection->GetInt32(entry, key));
    case FieldDescriptor::CPPTYPE_INT64:
      return std::to_string(reflection->GetInt64(entry, key));
    case FieldDescriptor::CPPTYPE_UINT32:
      return std::to_string(reflection->GetUInt32(entry, key));
    case FieldDescriptor::CPPTYPE_UINT64:
      return std::to_string(reflection->GetUInt64(entry, key));
    default:
      return "";
  }
}

const Message* FindMapEntryByKey(const Message& msg, const FieldDescriptor* field,
                                 const std::string& key) {
  const Reflection* reflection = msg.GetReflection();
  const Message* found = nullptr;
  for (int i = 0; i < reflection->FieldSize(msg, field); ++i) {
    const Message& entry = reflection->GetRepeatedMessage(msg, field, i);
    if (MapKeyText(entry) == key) found = &entry;
  }
  return found;
}

namespace {

// The message a step leads to, or null when it holds no message.
const Message* StepInto(const Message& msg, const ValueStep& step) {
  const FieldDescriptor* field = step.field;
  const Reflection* reflection = msg.GetReflection();
  if (field->is_map()) {
    if (step.index < 0) return nullptr;
    const Message* entry = FindMapEntryByKey(msg, field, step.key);
    if (entry == nullptr) return nullptr;
    const FieldDescriptor* value = field->message_type()->map_value();
    if (value->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return nullptr;
    return &entry->GetReflection()->GetMessage(*entry, value);
  }
  if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return nullptr;
  if (field->is_repeated()) {
    if (step.index < 0 || step.index >= reflection->FieldSize(msg, field)) return nullptr;
    return &reflection->GetRepeatedMessage(msg, field, step.index);
  }
  if (!reflection->HasField(msg, field)) return nullptr;
  return &reflection->GetMessage(msg, field);
}

}  // namespace

void Provenance::Record(const std::string& path, const std::string& origin) {
  origins_[path] = origin;
}

void Provenance::Forget(const std::string& path) {
  auto it = origins_.lower_bound(path);
  while (it != origins_.end() && (it->first == path || IsUnder(it->first, path))) {
    it = origins_.erase(it);
  }
}

std::string Provenance::Explain(const std::string& key) const {
  std::vector<std::string> lines;
  for (auto it = origins_.lower_bound(key); it != origins_.end(); ++it) {
    if (it->first != key && !IsUnder(it->first, key)) {
      // Keys under `key` sort right after it, except those separated by a
      // character smaller than '.' ("a-b" < "a.b"): keep scanning those.
      if (!absl::StartsWith(it->first, key)) break;
      continue;
    }
    lines.push_back(absl::StrCat(it->first, ": ", it->second));
  }
  if (lines.empty()) {
    std::string parent = key;
    while (!parent.empty()) {
      const size_t dot = parent.rfind('.');
      parent = dot == std::string::npos ? "" : parent.substr(0, dot);
      auto it = origins_.find(parent);
      if (it != origins_.end()) {
        lines.push_back(absl::StrCat(key, ": ", it->second, " (set with ", parent, ")"));
        break;
      }
    }
  }
  return absl::StrJoin(lines, "\n");
}

std::string ValuePathToString(const ValuePath& path) {
  std::string out;
  for (const ValueStep& step : path) {
    if (!out.empty()) out += '.';
    out += step.field->name();
    if (step.field->is_map()) {
      if (step.index >= 0) absl::StrAppend(&out, ".", step.key);
    } else if (step.index >= 0) {
      absl::StrAppend(&out, ".", step.index);
    }
  }
  return out;
}

absl::StatusOr<ValuePath> ConcretePath(const Message& msg, absl::string_view path) {
  ValuePath steps;
  const Message* current = &msg;
  const Descriptor* type = msg.GetDescriptor();
  std::vector<std::string> parts = absl::StrSplit(path, '.', absl::SkipEmpty());
  for (size_t i = 0; i < parts.size(); ++i) {
    if (type == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", path, "\": \"", parts[i], "\" goes inside a scalar"));
    }
    const FieldDescriptor* field = type->FindFieldByName(parts[i]);
    if (field == nullptr) {
      const auto* oneof = type->FindOneofByName(parts[i]);
      if (oneof != nullptr) continue;
      return absl::InvalidArgumentError(
          absl::StrCat("\"", path, "\": ", type->full_name(), " has no field \"", parts[i], "\""));
    }
    ValueStep step{field, -1, ""};
    const bool last = i + 1 == parts.size();
    if (field->is_map() && !last) {
      step.index = 0;
      step.key = parts[++i];
    } else if (field->is_repeated() && !last) {
      int index;
      if (!absl::SimpleAtoi(parts[++i], &index)) {
        return absl::InvalidArgumentError(
            absl::StrCat("\"", path, "\": \"", parts[i], "\" is not an index"));
      }
      const int size =
          current == nullptr ? 0 : current->GetReflection()->FieldSize(*current, field);
      step.index = index < 0 ? size + index : index;
    }
    steps.push_back(step);
    const bool whole_repeated = field->is_repeated() && step.index < 0;
    current = (current == nullptr || whole_repeated) ? nullptr : StepInto(*current, step);
    if (field->is_map()) {
      type = field->message_type()->map_value()->message_type();
    } else {
      type = whole_repeated ? nullptr : field->message_type();
    }
  }
  return steps;
}

std::string DropOneofNames(const Descriptor* type, absl::string_view path) {
  std::vector<std::string> parts = absl::StrSplit(path, '.', absl::SkipEmpty());
  std::vector<std::string> kept;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (type != nullptr && i + 1 < parts.size()) {
      const auto* oneof = type->FindOneofByName(parts[i]);
      const FieldDescriptor* member = type->FindFieldByName(parts[i + 1]);
      if (oneof != nullptr && type->FindFieldByName(parts[i]) == nullptr && member != nullptr &&
          member->containing_oneof() == oneof) {
        continue;
      }
    }
    kept.push_back(parts[i]);
    const FieldDescriptor* field = type == nullptr ? nullptr : type->FindFieldByName(parts[i]);
    if (field == nullptr) {
      type = nullptr;
      continue;
    }
    if (field->is_map()) {
      if (i + 1 < parts.size()) kept.push_back(parts[++i]);
      type = field->message_type()->map_value()->message_type();
    } else {
      if (field->is_repeated() && i + 1 < parts.size()) kept.push_back(parts[++i]);
      type = field->message_type();
    }
  }
  return absl::StrJoin(kept, ".");
}

bool PathIsSet(const Message& msg, const ValuePath& path) {
  const Message* current = &msg;
  for (size_t i = 0; i < path.size(); ++i) {
    if (current == nullptr) return false;
    const ValueStep& step = path[i];
    const Reflection* reflection = current->GetReflection();
    if (step.field->is_map()) {
      if (step.index < 0) return reflection->FieldSize(*current, step.field) > 0;
      if (FindMapEntryByKey(*current, step.field, step.key) == nullptr) return false;
    } else if (step.field->is_repeated()) {
      const int size = reflection->FieldSize(*current, step.field);
      if (step.index < 0 ? size == 0 : step.index >= size) return false;
    } else if (!reflection->HasField(*current, step.field)) {
      return false;
    }
    if (i + 1 < path.size()) current = StepInto(*current, step);
  }
  return true;
}

void RebaseForMerge(const Message* target, std::vector<ProvenanceEntry>* entries) {
  for (ProvenanceEntry& entry : *entries) {
    const Message* current = target;
    for (ValueStep& step : entry.path) {
      if (current == nullptr) break;
      const FieldDescriptor* field = step.field;
      if (field->is_map()) break;  // a merged entry replaces the whole value
      if (field->is_repeated()) {
        if (step.index >= 0) step.index += current->GetReflection()->FieldSize(*current, field);
        break;  // appended elements are new: nothing below them shifts
      }
      current = StepInto(*current, step);
    }
  }
}

bool IsPrefixOf(const ValuePath& prefix, const ValuePath& path) {
  if (prefix.size() > path.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    const ValueStep& a = prefix[i];
    const ValueStep& b = path[i];
    if (a.field != b.field) return false;
    if (a.index < 0 && i + 1 == prefix.size()) return true;  // the whole field
    if (a.index != b.index) return false;
    if (a.field->is_map() && a.key != b.key) return false;
  }
  return true;
}

void PrefixEntries(const ValuePath& prefix, std::vector<ProvenanceEntry>* entries) {
  if (prefix.empty()) return;
  for (ProvenanceEntry& entry : *entries) {
    entry.path.insert(entry.path.begin(), prefix.begin(), prefix.end());
  }
}

}  // namespace heyhi
