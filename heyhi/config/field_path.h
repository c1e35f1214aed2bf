// Dotted field paths ("agents.0.name", "counts.x"): the one path type and walker over any message.
// Overrides, mounts, provenance, --describe and ConfGet all resolve and walk keys here, so that a
// key means the same thing everywhere.
#ifndef HEYHI_CONFIG_FIELD_PATH_H_
#define HEYHI_CONFIG_FIELD_PATH_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "heyhi/config/field_value.h"

namespace heyhi {

// One step of a path: a field, and for a repeated or map field which element.
// Oneof names, which keys may give on the way, are not steps.
struct PathStep {
  enum class Kind {
    kField,     // the field as a whole: every singular field, or all of a repeated one
    kElement,   // element `index` of a repeated field
    kAppend,    // a new element after the last (written "-1")
    kMapEntry,  // the entry of a map whose key is `key`
  };
  const google::protobuf::FieldDescriptor* field = nullptr;
  Kind kind = Kind::kField;
  int index = 0;    // kElement
  std::string key;  // kMapEntry, as MapKeyText writes it: one spelling per key

  static PathStep Field(const google::protobuf::FieldDescriptor* field) {
    return {field, Kind::kField, 0, ""};
  }
  static PathStep Element(const google::protobuf::FieldDescriptor* field, int index) {
    return {field, Kind::kElement, index, ""};
  }
  static PathStep Append(const google::protobuf::FieldDescriptor* field) {
    return {field, Kind::kAppend, 0, ""};
  }
  static PathStep Entry(const google::protobuf::FieldDescriptor* field, std::string key) {
    return {field, Kind::kMapEntry, 0, std::move(key)};
  }
  bool operator==(const PathStep& other) const {
    return field == other.field && kind == other.kind && index == other.index && key == other.key;
  }
};
using FieldPath = std::vector<PathStep>;

// "a.b.3.c": steps [0, end) as a key writes them, map keys as they are, an
// appending step as -1.
std::string FieldPathToString(const FieldPath& path, size_t end = std::string::npos);

// `path` as a key token writes it: FieldPathToString, with map keys that need
// it in double quotes (KeyStepText).
std::string KeyText(const FieldPath& path);

// How a map key is written in a path and in a flat line: strings as they
// are, integers in decimal, bools true/false.
std::string MapKeyText(const ScalarValue& key);

// Why a dotted path names no field, for callers that word the error their
// own way (the status returned with it has the overrides' wording).
struct PathError {
  enum class Kind {
    kNoField,       // `type` has no field (nor oneof) `part`
    kInsideScalar,  // `walked` ends at the scalar `field`, yet `part` follows
    kBadStep,       // an empty step, or a bad element index or map key
  };
  Kind kind = Kind::kBadStep;
  const google::protobuf::Descriptor* type = nullptr;
  const google::protobuf::FieldDescriptor* field = nullptr;
  std::string walked;
  std::string part;
};

// The most dotted steps a key may have: enough to name every field of a
// message nested as deep as a config may nest (kMaxMessageNesting, 100),
// where a level can take two steps (a repeated field and its index, a map and
// its key), so that every --print-flat line applies. Configs nest far less;
// the limit keeps a hostile key from nesting a recursive message type so deep
// that printing it exhausts the stack.
inline constexpr size_t kMaxKeySteps = 2 * 100 + 2;

// One dotted step of a key as written: its text, and whether it was written
// in double quotes.
struct KeyPart {
  std::string text;
  bool quoted = false;
};

// The steps of a key, split at each '.'. A step that starts with '"' runs to
// the next unescaped '"' and stands for the text inside, where \" is '"' and
// \\ is '\': how a map key that is empty, holds '.' or '=', or starts with
// '"' is written (`counts."a.b"`, `counts.""`). An unterminated quote, or
// text after the closing quote before the next '.', is an error.
absl::StatusOr<std::vector<KeyPart>> SplitKey(absl::string_view key);

// A map key as one step of a key: as it is, or double-quoted (with '"' and
// '\' escaped) when it is empty, holds '.' or '=', or starts with '"'.
std::string KeyStepText(absl::string_view map_key);

// Where the key of the override `token` ends: its first '=' that is not
// inside a quoted step; npos when there is none.
size_t KeyEnd(absl::string_view token);

// Checks `path` against `type` alone and resolves every step: field names,
// element indices (integers >= -1) after repeated fields, keys (parsed as the
// key type) after map fields. A oneof's name followed by one of its members
// is skipped. The empty path (or ".") has no steps. An unknown field is
// reported as "unknown key '<path>' in <Type>" with the closest valid paths;
// a key of more than kMaxKeySteps steps is an error naming the limit.
absl::StatusOr<FieldPath> ResolveFieldPath(const google::protobuf::Descriptor* type,
                                           absl::string_view path, PathError* error = nullptr);

// ResolveFieldPath from the type of `msg`, each appending step then naming
// the last element in `msg`: what a write through `path` has just added.
absl::StatusOr<FieldPath> ConcretePath(const google::protobuf::Message& msg, absl::string_view path,
                                       PathError* error = nullptr);

// The oneof that the last step of `path` names, or null when it names none
// (a field, or nothing at all).
const google::protobuf::OneofDescriptor* OneofAt(const google::protobuf::Descriptor* type,
                                                 absl::string_view path);

// The message type found at `path` from `type`, without any instance. A
// repeated or map field as a whole stands for its elements' type.
absl::StatusOr<const google::protobuf::Descriptor*> MessageTypeAt(
    const google::protobuf::Descriptor* type, absl::string_view path);

// Checks the element index or the map key of step `i` of `path` against
// `holder`, the message holding its field. With `may_append`, -1 and the
// number of elements name the element a write would add. A bad index is an
// error saying how many elements the field has.
absl::Status CheckStep(const google::protobuf::Message& holder, const FieldPath& path, size_t i,
                       bool may_append = false);

// Walks steps [0, end) of `root`, which must each lead to a message, without
// changing anything, and returns the message reached. Every step is checked
// (CheckStep) on the way, so that a write can fail before it creates
// anything. A message not there (unset, a missing map key, an element to be
// added) reads as its type's default instance, as its fields read as their
// defaults, and `*present` becomes false.
absl::StatusOr<const google::protobuf::Message*> MessageAt(const google::protobuf::Message& root,
                                                           const FieldPath& path, size_t end,
                                                           bool* present, bool may_append = false);

// Whether the field `path` names is set in `msg` (a whole repeated field:
// non-empty; an element or map key: present), every message on the way too.
bool PathIsSet(const google::protobuf::Message& msg, const FieldPath& path);

// PathIsSet for many paths of one message that is not changed meanwhile.
// The messages on the way to the last path's field are kept, so that the
// next path walks only the steps where it parts from the last: composing
// asks this of every value every file wrote, in the order they were written.
class SetPathProbe {
 public:
  explicit SetPathProbe(const google::protobuf::Message& root) : reached_{&root} {}
  bool IsSet(const FieldPath& path);

 private:
  FieldPath walked_;  // the steps taken from the root, each to a set message
  // reached_[i]: the message after steps [0, i); reached_[0] is the root.
  std::vector<const google::protobuf::Message*> reached_;
};

// Returns the sub-message at `path` inside `root`, creating every message on
// the way. Passing through a member of a oneof selects that member. An index
// step ("agents.0") addresses an existing element of a repeated message field;
// index == size or -1 appends a new element. A map step ("agent_map.k")
// addresses the value of that key, inserting it when absent. The empty path
// (or ".") is `root` itself. Errors name the failing step and suggest the
// closest valid paths; after an error `root` is as it was.
absl::StatusOr<google::protobuf::Message*> MutableMessageAt(google::protobuf::Message* root,
                                                            absl::string_view path);
absl::StatusOr<google::protobuf::Message*> MutableMessageAt(google::protobuf::Message* root,
                                                            const FieldPath& path);

// The index of the entry of `map_field` whose key is `key` (text parsed as
// the key type), or -1 when there is none. With a key listed twice, the last
// entry: the one the map holds.
absl::StatusOr<int> FindMapEntry(const google::protobuf::Message& msg,
                                 const google::protobuf::FieldDescriptor* map_field,
                                 absl::string_view key);

// The entry of `map_field` with key `key`, inserted (value unset) if absent.
absl::StatusOr<google::protobuf::Message*> MutableMapEntry(
    google::protobuf::Message* msg, const google::protobuf::FieldDescriptor* map_field,
    absl::string_view key);

// Removes element `index` of the repeated (or map) `field`, keeping the
// order of the others.
void RemoveRepeatedElement(google::protobuf::Message* msg,
                           const google::protobuf::FieldDescriptor* field, int index);

// Leaves every map in `msg` (and in the messages inside it) with one entry
// per key, the one written last, in the order of those entries: what a map
// holds, where reflection's list of entries may still repeat a key.
void NormalizeMaps(google::protobuf::Message* msg);

// Every dotted field path reachable from `type` (fields of sub-messages
// included, also through repeated and map message fields, with the index or
// key step left out), up to `max_depth` levels; recursive types stop there.
// Used to suggest what the user may have meant.
std::vector<std::string> AllFieldPaths(const google::protobuf::Descriptor* type, int max_depth = 6);

}  // namespace heyhi

#endif  // HEYHI_CONFIG_FIELD_PATH_H_
