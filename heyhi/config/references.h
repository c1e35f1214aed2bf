// Field references (SPEC §13): a field that takes the final value of another,
// made by the schema ([(heyhi.default_from) = "a.b"]), by configs
// (`refs { key: "x" from: "a.b" }`) and by overrides (`x=${a.b}`); checked
// where they are made, resolved when a composition ends.
#ifndef HEYHI_CONFIG_REFERENCES_H_
#define HEYHI_CONFIG_REFERENCES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "heyhi/config/field_path.h"
#include "heyhi/config/provenance.h"

namespace heyhi {

// The text of [(heyhi.default_from) = "..."] on `field`, "" when it has
// none, whatever pool its descriptor comes from: the compiled-in extension,
// an extension of the same number from another pool, an unknown field (the
// extension not linked in), or an uninterpreted option.
std::string DefaultFromOf(const google::protobuf::FieldDescriptor* field);

// Whether an override's value is a reference: it starts with "${". A
// string field whose text starts so is written with a backslash before it
// (`\${x}`, EscapeStringValue).
bool IsReferenceValue(absl::string_view value);

// The key inside `${key}` (spaces around it dropped). Anything else that
// starts with "${" is an error that shows the form.
absl::StatusOr<std::string> ReferenceSourceKey(absl::string_view value);

// Whether a field of `target`'s type may take the value of a field of
// `source`'s: both singular, neither a message, and the same type, the same
// enum, or numbers of one kind: integers (int32, int64, uint32, uint64,
// sint*, fixed*, sfixed*) or floating point (float, double).
bool SameValueKind(const google::protobuf::FieldDescriptor* target,
                   const google::protobuf::FieldDescriptor* source);

// Makes the reference `key=${from}` (both dotted, relative to `msg`) at this
// point of a composition: checks both keys (singular fields that are no
// message, of the same kind; no appending step) and creates the messages on
// the way to `key` in `msg`, choosing the oneof members a write there would
// choose. Then the entries at or under `key` are dropped (a reference
// replaces an earlier value or reference) and the reference's entry, with
// `origin`, is appended to `entries`, whose paths start with `base` (where
// `msg` sits). Errors say what is wrong without saying where; after one,
// `msg` is as it was.
absl::Status MakeReference(google::protobuf::Message* msg, absl::string_view key,
                           absl::string_view from, const FieldPath& base, std::string origin,
                           std::vector<ProvenanceEntry>* entries);

// A reference in force when a composition ends: the field at `target` takes
// the value of the field at `source`, both from the task message.
struct FieldReference {
  FieldPath target;
  FieldPath source;
  std::string origin;  // where it was made: "refs at FILE:LINE", "override TOKEN"
};

// The references of `entries` in force: each one whose entry is the last at
// its path (a later value at the same path wins over it), relative to the
// task at `task_steps`, in the order of `entries`.
absl::StatusOr<std::vector<FieldReference>> ActiveReferences(
    const std::vector<ProvenanceEntry>& entries, const FieldPath& task_steps);

// A resolved reference (paths from the task message).
using ResolvedReference = FieldReference;

// Sets the target of each of `references` in `task` to the final value of
// its source, sources before targets; a number converted to the target's
// type must fit it. A reference whose target lies in a oneof member no
// longer chosen is dropped (a later choice won). With `with_default_from`,
// also every field with [(heyhi.default_from)] that is unset and no target
// of `references`, in every message of `task` that is there (oneof members
// only when chosen) and in the singular messages that are not (they are
// created for it); one whose source does not resolve from `task`'s type (a
// partial config composed alone) is left as it is. A cycle is an error
// naming its keys. Returns the references in the order they were resolved.
absl::StatusOr<std::vector<ResolvedReference>> ResolveReferences(
    google::protobuf::Message* task, const std::vector<FieldReference>& references,
    bool with_default_from);

// Checks every [(heyhi.default_from)] option of the fields reachable from
// the task messages of `root` (the cases of its task oneof; `root` itself
// when it has none): the field is singular, no message and no oneof member;
// the source resolves from the task message to a singular field of the same
// kind (SameValueKind); no chain of them comes back to where it started.
// Errors name the .proto file and both fields. Compiled-in schemas are
// checked once per process.
absl::Status CheckDefaultFrom(const google::protobuf::Descriptor* root);

// Writes `resolved` into the `refs` field of `root` (a root message whose
// type has one), replacing what it held: the record of what was resolved, so
// that a config made from the stored one (run -f) resolves them again. The
// keys are relative to the task message, as a root config's refs are.
void StoreReferences(google::protobuf::Message* root,
                     const std::vector<ResolvedReference>& resolved);

}  // namespace heyhi

#endif  // HEYHI_CONFIG_REFERENCES_H_
