// Dotted field paths ("encoder.transformer.num_heads", "agents.0.name",
// "counts.x") walked over any message by descriptor reflection.
#ifndef HEYHI_CONFIG_FIELD_PATH_H_
#define HEYHI_CONFIG_FIELD_PATH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace heyhi {

// One resolved step of a dotted path. A repeated or map field is a kField
// step followed by a kIndex or kMapKey step carrying the same field.
struct PathStep {
  enum class Kind { kField, kIndex, kMapKey };
  Kind kind = Kind::kField;
  const google::protobuf::FieldDescriptor* field = nullptr;
  std::string text;   // the step as written
  int64_t index = 0;  // kIndex: the element, -1 meaning "append"
};

// Checks `path` against `type` alone and resolves every step: field names,
// element indices (integers >= -1) after repeated fields, keys (parsed as the
// key type) after map fields. The empty path (or ".") has no steps. An
// unknown field is reported as "unknown key '<path>' in <Type>" with the
// closest valid paths.
absl::StatusOr<std::vector<PathStep>> ResolveFieldPath(const google::protobuf::Descriptor* type,
                                                       absl::string_view path);

// The index of the entry of `map_field` whose key is `key` (text parsed as
// the key type), or -1 when there is none.
absl::StatusOr<int> FindMapEntry(const google::protobuf::Message& msg,
                                 const google::protobuf::FieldDescriptor* map_field,
                                 absl::string_view key);

// The entry of `map_field` with key `key`, inserted (value unset) if absent.
absl::StatusOr<google::protobuf::Message*> MutableMapEntry(
    google::protobuf::Message* msg, const google::protobuf::FieldDescriptor* map_field,
    absl::string_view key);

// Checks element `index` (-1: append) of a repeated field holding `size`
// elements and returns it, `size` meaning "append". Beyond that: an error
// saying how many elements `field_path` has.
absl::StatusOr<int> CheckElementIndex(absl::string_view field_path, int64_t index, int size);

// Walks steps [0, end) of `root` without changing anything and checks every
// element index against the elements there. `*exists` tells whether every
// message on the way is already present (an appending index, a missing map
// key or an unset message field mean it is not).
absl::Status CheckFieldPath(const google::protobuf::Message& root,
                            const std::vector<PathStep>& steps, size_t end, bool* exists);

// Removes element `index` of the repeated (or map) `field`, keeping the
// order of the others.
void RemoveRepeatedElement(google::protobuf::Message* msg,
                           const google::protobuf::FieldDescriptor* field, int index);

// Returns the sub-message at `path` inside `root`, creating every message on
// the way. Passing through a member of a oneof selects that member. An index
// step ("agents.0") addresses an existing element of a repeated message field;
// index == size or -1 appends a new element. A map step ("agent_map.k")
// addresses the value of that key, inserting it when absent. The empty path
// (or ".") is `root` itself. Errors name the failing step and suggest the
// closest valid paths.
absl::StatusOr<google::protobuf::Message*> MutableMessageAt(google::protobuf::Message* root,
                                                            absl::string_view path);

// The message type found at `path` from `type`, without any instance.
// Index and map-key steps are accepted and skipped.
absl::StatusOr<const google::protobuf::Descriptor*> MessageTypeAt(
    const google::protobuf::Descriptor* type, absl::string_view path);

// Every dotted field path reachable from `type` (fields of sub-messages
// included, also through repeated and map message fields, with the index or
// key step left out), up to `max_depth` levels; recursive types stop there.
// Used to suggest what the user may have meant.
std::vector<std::string> AllFieldPaths(const google::protobuf::Descriptor* type, int max_depth = 6);

}  // namespace heyhi

#endif  // HEYHI_CONFIG_FIELD_PATH_H_
