// Provenance records and the structured-path arithmetic that keeps them
// right while included files and overrides are merged.
#include "heyhi/config/provenance.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace heyhi {
namespace {

using google::protobuf::Message;

bool IsUnder(const std::string& path, const std::string& key) {
  return path.size() > key.size() && absl::StartsWith(path, key) && path[key.size()] == '.';
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

void Provenance::RecordReference(const std::string& path, const std::string& source) {
  references_[path] = source;
}

const std::string* Provenance::ReferenceSource(const std::string& path) const {
  auto it = references_.find(path);
  return it == references_.end() ? nullptr : &it->second;
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

namespace {

// Messages merge field by field down to the first repeated field. A map
// entry merged replaces the whole value, and below an appended element
// everything is new: nothing there shifts.
void RebasePath(const Message& target, FieldPath* path) {
  for (size_t i = 0; i < path->size(); ++i) {
    PathStep& step = (*path)[i];
    if (!step.field->is_repeated()) continue;
    bool present;
    absl::StatusOr<const Message*> holder = MessageAt(target, *path, i, &present);
    if (step.kind == PathStep::Kind::kElement && holder.ok()) {
      step.index += (*holder)->GetReflection()->FieldSize(**holder, step.field);
    }
    break;
  }
}

}  // namespace

void RebaseForMerge(const Message* target, std::vector<ProvenanceEntry>* entries) {
  if (target == nullptr) return;
  for (ProvenanceEntry& entry : *entries) {
    RebasePath(*target, &entry.path);
    if (entry.reference_source) RebasePath(*target, &*entry.reference_source);
  }
}

bool IsPrefixOf(const FieldPath& prefix, const FieldPath& path) {
  if (prefix.size() > path.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (prefix[i].field != path[i].field) return false;
    if (prefix[i].kind == PathStep::Kind::kField && i + 1 == prefix.size()) return true;
    if (!(prefix[i] == path[i])) return false;
  }
  return true;
}

void PrefixEntries(const FieldPath& prefix, std::vector<ProvenanceEntry>* entries) {
  if (prefix.empty()) return;
  for (ProvenanceEntry& entry : *entries) {
    entry.path.insert(entry.path.begin(), prefix.begin(), prefix.end());
    if (entry.reference_source) {
      entry.reference_source->insert(entry.reference_source->begin(), prefix.begin(), prefix.end());
    }
  }
}

}  // namespace heyhi
