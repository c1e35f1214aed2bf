// Get/set/test one field of a config by dotted path, copy with overrides,
// and save a config atomically.
#include "heyhi/conf_access.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "heyhi/base/edit_distance.h"
#include "heyhi/base/files.h"
#include "heyhi/config/field_path.h"
#include "heyhi/config/override.h"
#include "heyhi/config/printer.h"

namespace heyhi {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// `key` in `msg`, its appending steps naming the last element.
absl::StatusOr<FieldPath> ResolveKey(const Message& msg, const std::string& key) {
  PathError error;
  absl::StatusOr<FieldPath> path = ConcretePath(msg, key, &error);
  if (path.ok() || error.kind != PathError::Kind::kNoField) return path;
  const std::vector<std::string> closest =
      ClosestMatches(key, AllFieldPaths(msg.GetDescriptor()), 5);
  return absl::InvalidArgumentError(
      absl::StrCat("\"", key, "\": ", error.type->full_name(), " has no field \"", error.part,
                   "\"; closest valid keys: ", absl::StrJoin(closest, ", ")));
}

std::string FormatValue(const Message& holder, const FieldDescriptor* field, int index) {
  if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
    return FormatScalar(holder, field, index);
  }
  const auto* reflection = holder.GetReflection();
  return PrintText(index < 0 ? reflection->GetMessage(holder, field)
                             : reflection->GetRepeatedMessage(holder, field, index));
}

}  // namespace

absl::StatusOr<std::string> ConfGet(const Message& msg, const std::string& key) {
  absl::StatusOr<FieldPath> path = ResolveKey(msg, key);
  if (!path.ok()) return path.status();
  if (path->empty()) return PrintText(msg);
  // Unset messages on the way read as their defaults, as their fields do.
  bool present;
  absl::StatusOr<const Message*> found = MessageAt(msg, *path, path->size() - 1, &present);
  if (!found.ok()) return found.status();
  const Message& holder = **found;
  const PathStep& last = path->back();
  const FieldDescriptor* field = last.field;
  const auto* reflection = holder.GetReflection();
  const int size = field->is_repeated() ? reflection->FieldSize(holder, field) : 0;
  switch (last.kind) {
    case PathStep::Kind::kMapEntry: {
      const int entry = FindMapEntry(holder, field, last.key).value_or(-1);
      if (entry < 0) {
        return absl::NotFoundError(absl::StrCat(key, ": no map key \"", last.key, "\""));
      }
      return FormatValue(reflection->GetRepeatedMessage(holder, field, entry),
                         field->message_type()->map_value(), -1);
    }
    case PathStep::Kind::kElement:
    case PathStep::Kind::kAppend:
      if (last.kind == PathStep::Kind::kAppend || last.index >= size) {
        return absl::OutOfRangeError(
            absl::StrCat(key, ": index ", last.kind == PathStep::Kind::kAppend ? -1 : last.index,
                         " out of range (", size, " elements)"));
      }
      return FormatValue(holder, field, last.index);
    case PathStep::Kind::kField:
      break;
  }
  if (!field->is_repeated()) return FormatValue(holder, field, -1);
  std::vector<std::string> items;
  for (int i = 0; i < size; ++i) {
    std::string item = FormatValue(holder, field, i);
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) item = "{ " + item + "}";
    items.push_back(item);
  }
  return absl::StrCat("[", absl::StrJoin(items, ", "), "]");
}

absl::Status ConfSet(Message* msg, const std::string& key, const std::string& value) {
  return ApplyScalarOverride(msg, key, value);
}

absl::StatusOr<bool> ConfIsSet(const Message& msg, const std::string& key) {
  absl::StatusOr<FieldPath> path = ResolveKey(msg, key);
  if (!path.ok()) return path.status();
  return PathIsSet(msg, *path);
}

absl::StatusOr<std::unique_ptr<Message>> WithOverrides(const Message& frozen,
                                                       const std::vector<std::string>& overrides) {
  std::unique_ptr<Message> copy(frozen.New());
  copy->CopyFrom(frozen);
  absl::Status status = ApplyOverrides(copy.get(), overrides);
  if (!status.ok()) return status;
  return copy;
}

absl::Status SaveConfig(const Message& msg, const std::string& path) {
  return WriteFileAtomically(path, PrintText(msg));
}

}  // namespace heyhi
