// Where each value of a composed config came from: file:line with the include
// chain, or the override token (`--explain KEY`, SPEC §5).
#ifndef HEYHI_CONFIG_PROVENANCE_H_
#define HEYHI_CONFIG_PROVENANCE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "google/protobuf/message.h"
#include "heyhi/config/field_path.h"

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

  // Records that `path` took its value from the field `source` (a field
  // reference, SPEC §13); both dotted, relative to the task message.
  void RecordReference(const std::string& path, const std::string& source);

  // The field whose value `path` took, or null when it is no reference.
  const std::string* ReferenceSource(const std::string& path) const;

  const std::map<std::string, std::string>& origins() const { return origins_; }

 private:
  std::map<std::string, std::string> origins_;
  std::map<std::string, std::string> references_;  // path -> source
};

// A value's origin while a composition is in progress, by structured path.
// A field reference made at `path` (to be resolved when the composition
// ends) also has the path of its source, on the same base as `path`.
struct ProvenanceEntry {
  FieldPath path;
  std::string origin;
  std::optional<FieldPath> reference_source = std::nullopt;
};

// Rewrites `entries`, relative to a message about to be merged into `target`
// (its state before the merge; null when it is new), to the paths they will
// have there: repeated fields append after what `target` holds.
void RebaseForMerge(const google::protobuf::Message* target, std::vector<ProvenanceEntry>* entries);

// Whether `path` is `prefix` or lies under it; a whole repeated or map field
// holds all its elements.
bool IsPrefixOf(const FieldPath& prefix, const FieldPath& path);

// Prepends `prefix` to every entry (and to its reference source).
void PrefixEntries(const FieldPath& prefix, std::vector<ProvenanceEntry>* entries);

}  // namespace heyhi

#endif  // HEYHI_CONFIG_PROVENANCE_H_
