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
#include "heyhi/config/field_path.h"
#include "heyhi/config/override.h"
#include "heyhi/config/printer.h"
#include "heyhi/config/provenance.h"

namespace heyhi {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

absl::StatusOr<ValuePath> ResolveKey(const Message& msg, const std::string& key) {
  absl::StatusOr<ValuePath> path = ConcretePath(msg, key);
  if (path.ok()) return path;
  const std::vector<std::string> closest =
      ClosestMatches(key, AllFieldPaths(msg.GetDescriptor()), 5);
  return absl::InvalidArgumentError(absl::StrCat(
      path.status().message(), "; closest valid keys: ", absl::StrJoin(closest, ", ")));
}

// The message one step leads to; unset singular messages give their default
// instance, so that reading through them yields defaults.
absl::StatusOr<const Message*> Descend(const Message& msg, const ValueStep& step,
                                       const std::string& key) {
  const auto* reflection = msg.GetReflection();
  const FieldDescriptor* field = step.field;
  if (field->is_map()) {
    const Message* entry = FindMapEntryByKey(msg, field, step.key);
    if (entry == nullptr) {
      return absl::NotFoundError(absl::StrCat(key, ": no map key \"", step.key, "\""));
    }
    const FieldDescriptor* value = field->message_type()->map_value();
    if (value->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return entry;
    return &entry->GetReflection()->GetMessage(*entry, value);
  }
  if (field->is_repeated()) {
    const int size = reflection->FieldSize(msg, field);
    if (step.index < 0 || step.index >= size) {
      return absl::OutOfRangeError(
          absl::StrCat(key, ": index ", step.index, " out of range (", size, " elements)"));
    }
    return &reflection->GetRepeatedMessage(msg, field, step.index);
  }
  return &reflection->GetMessage(msg, field);
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
  absl::StatusOr<ValuePath> path = ResolveKey(msg, key);
  if (!path.ok()) return path.status();
  if (path->empty()) return PrintText(msg);
  const Message* holder = &msg;
  for (size_t i = 0; i + 1 < path->size(); ++i) {
    absl::StatusOr<const Message*> next = Descend(*holder, (*path)[i], key);
    if (!next.ok()) return next.status();
    holder = *next;
  }
  const ValueStep& last = path->back();
  const FieldDescriptor* field = last.field;
  const auto* reflection = holder->GetReflection();
  if (field->is_map() && last.index >= 0) {
    const Message* entry = FindMapEntryByKey(*holder, field, last.key);
    if (entry == nullptr) {
      return absl::NotFoundError(absl::StrCat(key, ": no map key \"", last.key, "\""));
    }
    return FormatValue(*entry, field->message_type()->map_value(), -1);
  }
  if (field->is_repeated() && last.index >= 0) {
    if (last.index >= reflection->FieldSize(*holder, field)) {
      return absl::OutOfRangeError(absl::StrCat(key, ": index ", last.index, " out of range (",
                                                reflection->FieldSize(*holder, field),
                                                " elements)"));
    }
    return FormatValue(*holder, field, last.index);
  }
  if (field->is_repeated()) {
    std::vector<std::string> items;
    for (int i = 0; i < reflection->FieldSize(*holder, field); ++i) {
      std::string item = FormatValue(*holder, field, i);
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) item = "{ " + item + "}";
      items.push_back(item);
    }
    return absl::StrCat("[", absl::StrJoin(items, ", "), "]");
  }
  return FormatValue(*holder, field, -1);
}

absl::Status ConfSet(Message* msg, const std::string& key, const std::string& value) {
  return ApplyScalarOverride(msg, DropOneofNames(msg->GetDescriptor(), key), value);
}

absl::StatusOr<bool> ConfIsSet(const Message& msg, const std::string& key) {
  absl::StatusOr<ValuePath> path = ResolveKey(msg, key);
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
  const std::string text = PrintText(msg);
  std::string temp = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat(path, ": cannot create a temporary file: ", std::strerror(errno)));
  }
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int saved = errno;
      ::close(fd);
      ::unlink(temp.c_str());
      return absl::InternalError(absl::StrCat(temp, ": write failed: ", std::strerror(saved)));
    }
    written += static_cast<size_t>(n);
  }
  // mkstemp creates 0600; a config is meant to be read like any other file.
  ::fchmod(fd, 0644);
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int saved = errno;
    ::unlink(temp.c_str());
    return absl::InternalError(
        absl::StrCat(temp, ": cannot finish writing: ", std::strerror(saved)));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temp.c_str());
    return absl::InternalError(
        absl::StrCat("cannot rename ", temp, " to ", path, ": ", std::strerror(saved)));
  }
  return absl::OkStatus();
}

}  // namespace heyhi
