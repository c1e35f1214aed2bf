// Where each value of a composed config came from: file:line with the include
// chain, or the override token (`--explain KEY`, SPEC §5).
#ifndef HEYHI_CONFIG_PROVENANCE_H_
#define HEYHI_CONFIG_PROVENANCE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "heyhi/config/text_loader.h"

namespace heyhi {

class Provenance {
 public:
  // Records that `path` (dotted, relative to the task message) was set by
  // `origin`; a later record for the same path replaces the earlier one.
  void Record(const std::string& path, const std::string& origin);

  // Forgets `path` and everything under it (the field was cleared).
  void Forget(const std::string& path);

  // The origin of `key` and of the fields under it, one "path: origin" line
  // each. When nothing is recorded at or under `key`, the nearest enclosing
  // path that has a record (a list or message set as a whole). Empty when
  // nothing is known.
  std::string Explain(const std::string& key) const;

  const std::map<std::string, std::string>& origins() const { return origins_; }

 private:
  std::map<std::string, std::string> origins_;
};

// A value's origin while a composition is in progress, by structured path.
struct ProvenanceEntry {
  ValuePath path;
  std::string origin;
};

// "a.b.3.c", map keys as they are, a whole repeated field by its name.
std::string ValuePathToString(const ValuePath& path);

// The structured form of the dotted `path` as it stands in `msg`: oneof names
// are skipped, index -1 becomes the last element, map keys are kept. The
// fields on the way must exist (call it after the path was written).
absl::StatusOr<ValuePath> ConcretePath(const google::protobuf::Message& msg,
                                       absl::string_view path);

// `path` (dotted, from `type`) without the oneof names it passes through:
// "encoder.mlp.hidden_dim" -> "mlp.hidden_dim" when `encoder` is the oneof
// holding `mlp`. Other steps are kept as written.
std::string DropOneofNames(const google::protobuf::Descriptor* type, absl::string_view path);

// Whether the field `path` names is set in `msg` (a whole repeated field:
// non-empty; an element or map key: present).
bool PathIsSet(const google::protobuf::Message& msg, const ValuePath& path);

// Rewrites `entries`, relative to a message about to be merged into `target`
// (its state before the merge; null when it is new), to the paths they will
// have there: repeated fields append after what `target` holds.
void RebaseForMerge(const google::protobuf::Message* target, std::vector<ProvenanceEntry>* entries);

// A map entry's key in the text form flat paths use: strings as they are,
// integers in decimal, bools true/false.
std::string MapKeyText(const google::protobuf::Message& entry);

// The entry of map field `field` in `msg` whose key reads `key` (the last one
// when the key repeats, as when the map is read); null if none.
const google::protobuf::Message* FindMapEntryByKey(const google::protobuf::Message& msg,
                                                   const google::protobuf::FieldDescriptor* field,
                                                   const std::string& key);

// Whether `path` is `prefix` or lies under it; a whole repeated or map field
// (index -1) holds all its elements.
bool IsPrefixOf(const ValuePath& prefix, const ValuePath& path);

// Prepends `prefix` to every entry.
void PrefixEntries(const ValuePath& prefix, std::vector<ProvenanceEntry>* entries);

}  // namespace heyhi

#endif  // HEYHI_CONFIG_PROVENANCE_H_
