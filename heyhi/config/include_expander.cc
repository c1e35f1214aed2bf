// Includes merged under the body of each file, nested and cycle-checked, and
// include overrides; every value's origin follows it through each merge.
#include "heyhi/config/include_expander.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "heyhi/config/field_path.h"
#include "heyhi/config/references.h"
#include "heyhi/config/schema.h"

namespace heyhi {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::OneofDescriptor;
using google::protobuf::Reflection;

std::string JoinMount(const std::string& base, const std::string& mount) {
  if (mount.empty() || mount == ".") return base;
  if (base.empty()) return mount;
  return absl::StrCat(base, ".", mount);
}

FieldPath Concat(const FieldPath& a, const FieldPath& b) {
  FieldPath out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

std::string Origin(const std::string& where, const std::vector<std::string>& chain) {
  if (chain.empty()) return where;
  return absl::StrCat(where, " (", absl::StrJoin(chain, ", "), ")");
}

const FieldLocation* FindLocation(const std::vector<FieldLocation>& locations,
                                  const FieldPath& path) {
  for (const FieldLocation& location : locations) {
    if (location.path == path) return &location;
  }
  return nullptr;
}

// "FILE:LINE:COL" of the value at `path`, or "FILE" when it was not written.
std::string Where(const std::string& display, const std::vector<FieldLocation>& locations,
                  const FieldPath& path) {
  const FieldLocation* location = FindLocation(locations, path);
  if (location == nullptr) return display;
  return absl::StrCat(display, ":", location->line, ":", location->column);
}

// Entries under `step` (relative to a message), moved out and re-rooted at it.
std::vector<ProvenanceEntry> TakeEntriesUnder(const PathStep& step,
                                              std::vector<ProvenanceEntry>* entries) {
  std::vector<ProvenanceEntry> taken;
  std::vector<ProvenanceEntry> kept;
  for (ProvenanceEntry& entry : *entries) {
    if (entry.path.size() > 1 && entry.path[0] == step) {
      entry.path.erase(entry.path.begin());
      // A reference's source lies in the message that made it, as its target.
      if (entry.reference_source) {
        entry.reference_source->erase(entry.reference_source->begin());
      }
      taken.push_back(std::move(entry));
    } else {
      kept.push_back(std::move(entry));
    }
  }
  entries->swap(kept);
  return taken;
}

// target.MergeFrom(source), with `source_entries` (relative to `source`)
// moved to where they land (under `at`) and appended to `out`.
void MergeWithProvenance(Message* target, const FieldPath& at, const Message& source,
                         std::vector<ProvenanceEntry>* source_entries,
                         std::vector<ProvenanceEntry>* out) {
  RebaseForMerge(target, source_entries);
  PrefixEntries(at, source_entries);
  target->MergeFrom(source);
  out->insert(out->end(), std::make_move_iterator(source_entries->begin()),
              std::make_move_iterator(source_entries->end()));
  source_entries->clear();
}

absl::Status Prefixed(const absl::Status& status, const std::string& prefix) {
  return absl::Status(status.code(), absl::StrCat(prefix, status.message()));
}

// The composed config may nest no deeper than one file may: deeper, it could
// not be printed and read back (config_meta.prototxt), nor its flat lines be
// applied. `at` is where `included` lands in the message being composed.
// ResourceExhausted, like the include depth: the levels above add nothing.
absl::Status CheckNesting(const FieldPath& at, const Message& included, const std::string& where,
                          const std::string& path, const std::string& mount) {
  if (PathTextNesting(at) + TextNesting(included) <= kMaxMessageNesting) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(where, ": include \"", path, "\" at mount \"",
                                                   mount, "\" nests the composed config more than ",
                                                   kMaxMessageNesting,
                                                   " messages deep (the limit, as in one file)"));
}

}  // namespace

IncludeExpander::IncludeExpander(const SearchPath& search,
                                 google::protobuf::MessageFactory* factory,
                                 const Descriptor* root_type, std::string cwd, bool with_provenance)
    : search_(search),
      factory_(factory),
      root_type_(root_type),
      cwd_(std::move(cwd)),
      with_provenance_(with_provenance) {}

absl::StatusOr<std::unique_ptr<Message>> IncludeExpander::ComposeFile(
    const std::string& abs_path, const Descriptor* type, const std::vector<std::string>& chain,
    std::vector<ProvenanceEntry>* entries) {
  std::unique_ptr<Message> body(factory_->GetPrototype(type)->New());
  std::vector<FieldLocation> locations;
  absl::Status parsed = ParseTextFile(abs_path, search_.project_root, body.get(),
                                      with_provenance_ ? &locations : nullptr, Display(abs_path));
  if (!parsed.ok()) return parsed;
  return ComposeParsed(abs_path, std::move(body), locations, chain, entries);
}

absl::StatusOr<std::unique_ptr<Message>> IncludeExpander::ComposeParsed(
    const std::string& abs_path, std::unique_ptr<Message> body,
    const std::vector<FieldLocation>& locations, const std::vector<std::string>& chain,
    std::vector<ProvenanceEntry>* entries) {
  const FileContext file{abs_path, Display(abs_path), &locations, chain};
  entries->clear();
  entries->reserve(locations.size());
  for (const FieldLocation& location : locations) {
    entries->push_back(ProvenanceEntry{
        location.path, Origin(absl::StrCat(file.display, ":", location.line), chain)});
  }
  stack_.push_back(abs_path);
  absl::Status expanded = ExpandIncludes(file, body.get(), {}, entries);
  stack_.pop_back();
  if (!expanded.ok()) return expanded;
  return body;
}

absl::Status IncludeExpander::ApplyIncludeOverride(const std::string& config_path,
                                                   const Override& override_, Message* task,
                                                   const FieldPath& task_steps,
                                                   std::vector<ProvenanceEntry>* entries) {
  const std::string context = absl::StrCat("override ", override_.token, ": ");
  const std::string written_mount = override_.key == "." ? "" : override_.key;
  absl::StatusOr<std::string> resolved =
      ResolveInclude(override_.value, written_mount, ParentDir(config_path), search_);
  if (!resolved.ok()) return Prefixed(resolved.status(), context);
  absl::StatusOr<Message*> target = MutableMessageAt(task, written_mount);
  if (!target.ok()) return Prefixed(target.status(), context);
  const std::string how = absl::StrCat("include override ", override_.token);
  std::vector<ProvenanceEntry> child;
  absl::StatusOr<std::unique_ptr<Message>> included =
      ComposeFile(*resolved, (*target)->GetDescriptor(), {how}, &child);
  if (absl::IsResourceExhausted(included.status())) return included.status();
  if (!included.ok()) {
    return absl::Status(included.status().code(),
                        absl::StrCat(included.status().message(), "\n  while including ",
                                     Display(*resolved), " (", how, ")"));
  }
  absl::StatusOr<FieldPath> mount_steps = ConcretePath(*task, written_mount);
  if (!mount_steps.ok()) return Prefixed(mount_steps.status(), context);
  const FieldPath at = Concat(task_steps, *mount_steps);
  if (absl::Status nesting =
          CheckNesting(at, **included, absl::StrCat("override ", override_.token), override_.value,
                       written_mount.empty() ? "." : written_mount);
      !nesting.ok()) {
    return nesting;
  }
  MergeWithProvenance(*target, at, **included, &child, entries);
  if (with_provenance_ && !mount_steps->empty()) {
    entries->push_back(
        ProvenanceEntry{at, absl::StrCat("included from ", Display(*resolved), " (", how, ")")});
  }
  return absl::OkStatus();
}

bool IncludeExpander::MayHoldIncludes(const Descriptor* type) {
  auto it = may_hold_includes_.find(type);
  if (it != may_hold_includes_.end()) return it->second;
  may_hold_includes_[type] = false;  // a recursive type is settled below
  bool result = IncludesField(type) != nullptr || RefsField(type) != nullptr;
  for (int i = 0; i < type->field_count() && !result; ++i) {
    const FieldDescriptor* field = type->field(i);
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || field->is_map()) continue;
    result = MayHoldIncludes(field->message_type());
  }
  may_hold_includes_[type] = result;
  return result;
}

// The includes and references of the sub-messages of `msg` (at `at` in the
// file) first, then those of `msg` itself: its includes merged into an empty
// message, `msg`'s fields on top, then its references made.
absl::Status IncludeExpander::ExpandIncludes(const FileContext& file, Message* msg,
                                             const FieldPath& at,
                                             std::vector<ProvenanceEntry>* entries) {
  const Descriptor* type = msg->GetDescriptor();
  const Reflection* reflection = msg->GetReflection();
  const FieldDescriptor* includes = IncludesField(type);
  const FieldDescriptor* refs = RefsField(type);
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(*msg, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field == includes || field == refs ||
        field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || field->is_map() ||
        !MayHoldIncludes(field->message_type())) {
      continue;
    }
    const int count = field->is_repeated() ? reflection->FieldSize(*msg, field) : 1;
    for (int i = 0; i < count; ++i) {
      const PathStep step =
          field->is_repeated() ? PathStep::Element(field, i) : PathStep::Field(field);
      Message* sub = field->is_repeated() ? reflection->MutableRepeatedMessage(msg, field, i)
                                          : reflection->MutableMessage(msg, field);
      std::vector<ProvenanceEntry> sub_entries = TakeEntriesUnder(step, entries);
      absl::Status status = ExpandIncludes(file, sub, Concat(at, {step}), &sub_entries);
      if (!status.ok()) return status;
      PrefixEntries({step}, &sub_entries);
      entries->insert(entries->end(), std::make_move_iterator(sub_entries.begin()),
                      std::make_move_iterator(sub_entries.end()));
    }
  }
  const bool has_includes = includes != nullptr && reflection->FieldSize(*msg, includes) > 0;
  const bool has_refs = refs != nullptr && reflection->FieldSize(*msg, refs) > 0;
  if (!has_includes && !has_refs) return absl::OkStatus();

  // Mounts and references of a root config are relative to the task its
  // body chose.
  std::string mount_base;
  if (at.empty() && root_type_ != nullptr && type == root_type_) {
    const OneofDescriptor* task = TaskOneof(type);
    const FieldDescriptor* chosen =
        task == nullptr ? nullptr : reflection->GetOneofFieldDescriptor(*msg, task);
    if (chosen != nullptr) mount_base = chosen->name();
  }
  // The references are made once the file's values are merged: in one
  // file, a reference wins over a value for the same key.
  std::unique_ptr<Message> references;
  if (has_refs) {
    references.reset(msg->New());
    reflection->SwapFields(msg, references.get(), {refs});
    entries->erase(std::remove_if(entries->begin(), entries->end(),
                                  [refs](const ProvenanceEntry& entry) {
                                    return !entry.path.empty() && entry.path[0].field == refs;
                                  }),
                   entries->end());
  }
  if (has_includes) {
    absl::Status merged = MergeIncludes(file, mount_base, at, msg, entries);
    if (!merged.ok()) return merged;
  }
  for (int i = 0; has_refs && i < reflection->FieldSize(*references, refs); ++i) {
    absl::Status made =
        MakeOneReference(file, i, mount_base, at,
                         reflection->GetRepeatedMessage(*references, refs, i), msg, entries);
    if (!made.ok()) return made;
  }
  return absl::OkStatus();
}

// Merges the includes of `msg` (at `at` in the file) into an empty message,
// `msg`'s fields on top, and puts the result in `msg`.
absl::Status IncludeExpander::MergeIncludes(const FileContext& file, const std::string& mount_base,
                                            const FieldPath& at, Message* msg,
                                            std::vector<ProvenanceEntry>* entries) {
  const Reflection* reflection = msg->GetReflection();
  const FieldDescriptor* includes = IncludesField(msg->GetDescriptor());
  std::unique_ptr<Message> merged(msg->New());
  std::vector<ProvenanceEntry> merged_entries;
  for (int i = 0; i < reflection->FieldSize(*msg, includes); ++i) {
    absl::Status status =
        ExpandOne(file, i, mount_base, at, reflection->GetRepeatedMessage(*msg, includes, i),
                  merged.get(), &merged_entries);
    if (!status.ok()) return status;
  }
  reflection->ClearField(msg, includes);
  MergeWithProvenance(merged.get(), {}, *msg, entries, &merged_entries);
  reflection->Swap(msg, merged.get());
  entries->swap(merged_entries);
  return absl::OkStatus();
}

// Reference number `index` of the message at `at`: checked and made in
// `msg` (which holds the file's values by now), its entry appended to
// `entries`.
absl::Status IncludeExpander::MakeOneReference(const FileContext& file, int index,
                                               const std::string& mount_base, const FieldPath& at,
                                               const Message& ref, Message* msg,
                                               std::vector<ProvenanceEntry>* entries) {
  const FieldDescriptor* refs = RefsField(msg->GetDescriptor());
  const FieldDescriptor* key_field = refs->message_type()->FindFieldByName("key");
  const FieldDescriptor* from_field = refs->message_type()->FindFieldByName("from");
  const std::string key = ref.GetReflection()->GetString(ref, key_field);
  const std::string from = ref.GetReflection()->GetString(ref, from_field);
  const FieldPath ref_at = Concat(at, {PathStep::Element(refs, index)});
  const FieldLocation* location = FindLocation(*file.locations, ref_at);
  const std::string line =
      location == nullptr ? file.display : absl::StrCat(file.display, ":", location->line);
  // Keys are relative to the task a root config's body chose (`mount_base`).
  absl::StatusOr<FieldPath> base = ResolveFieldPath(msg->GetDescriptor(), mount_base);
  absl::StatusOr<Message*> holder = MutableMessageAt(msg, mount_base);
  if (!base.ok() || !holder.ok()) return base.ok() ? holder.status() : base.status();
  absl::Status made;
  // As deep as one file may nest, so that the config can be printed and
  // read back.
  absl::StatusOr<FieldPath> target = ResolveFieldPath((*holder)->GetDescriptor(), key);
  if (target.ok() && PathTextNesting(Concat(Concat(at, *base), *target)) > kMaxMessageNesting) {
    made = absl::ResourceExhaustedError(absl::StrCat("'", key, "' nests the config more than ",
                                                     kMaxMessageNesting,
                                                     " messages deep (the limit, as in one file)"));
  } else {
    made = MakeReference(*holder, key, from, *base,
                         Origin(absl::StrCat("refs at ", line), file.chain), entries);
  }
  if (made.ok()) return made;
  return absl::Status(made.code(),
                      absl::StrCat(Where(file.display, *file.locations, ref_at), ": refs { key: \"",
                                   key, "\" from: \"", from, "\" }: ", made.message()));
}

// Include number `index` of the message at `at`: resolved, composed as the
// type at its mount and merged into `merged` there.
absl::Status IncludeExpander::ExpandOne(const FileContext& file, int index,
                                        const std::string& mount_base, const FieldPath& at,
                                        const Message& include, Message* merged,
                                        std::vector<ProvenanceEntry>* merged_entries) {
  const FieldDescriptor* includes = IncludesField(merged->GetDescriptor());
  const FieldDescriptor* path_field = includes->message_type()->FindFieldByName("path");
  const FieldDescriptor* mount_field = includes->message_type()->FindFieldByName("mount");
  const std::string path = include.GetReflection()->GetString(include, path_field);
  const std::string mount = include.GetReflection()->GetString(include, mount_field);
  const FieldPath include_at = Concat(at, {PathStep::Element(includes, index)});
  const FieldLocation* include_location = FindLocation(*file.locations, include_at);
  const std::string include_line = include_location == nullptr
                                       ? file.display
                                       : absl::StrCat(file.display, ":", include_location->line);

  absl::StatusOr<std::string> resolved =
      ResolveInclude(path, mount, ParentDir(file.abs_path), search_);
  if (!resolved.ok()) {
    // At its path, or at the include itself when it has none.
    const FieldPath path_at = Concat(include_at, {PathStep::Field(path_field)});
    return Prefixed(
        resolved.status(),
        Where(file.display, *file.locations,
              FindLocation(*file.locations, path_at) != nullptr ? path_at : include_at) +
            ": ");
  }
  auto on_stack = std::find(stack_.begin(), stack_.end(), *resolved);
  if (on_stack != stack_.end()) {
    std::vector<std::string> cycle;
    for (auto it = on_stack; it != stack_.end(); ++it) cycle.push_back(Display(*it));
    cycle.push_back(Display(*resolved));
    return absl::FailedPreconditionError(
        absl::StrCat(Where(file.display, *file.locations, include_at),
                     ": include cycle: ", absl::StrJoin(cycle, " -> ")));
  }
  if (stack_.size() > kMaxIncludeDepth) {
    // ResourceExhausted: the levels above add no "while including" line each.
    return absl::ResourceExhaustedError(absl::StrCat(
        Where(file.display, *file.locations, include_at), ": includes nested more than ",
        kMaxIncludeDepth, " files deep (the limit): ", Display(stack_.front()), " -> ",
        Display(stack_[1]), " -> ... -> ", Display(stack_.back()), " -> ", Display(*resolved)));
  }
  const std::string full_mount = JoinMount(mount_base, mount);
  absl::StatusOr<Message*> target = MutableMessageAt(merged, full_mount);
  if (!target.ok()) {
    return Prefixed(target.status(),
                    absl::StrCat(Where(file.display, *file.locations,
                                       Concat(include_at, {PathStep::Field(mount_field)})),
                                 ": mount \"", mount, "\": "));
  }
  const std::string shown_mount = mount.empty() ? "." : mount;
  std::vector<std::string> chain = file.chain;
  chain.insert(chain.begin(),
               absl::StrCat("included at mount ", shown_mount, " from ", include_line));
  std::vector<ProvenanceEntry> child;
  absl::StatusOr<std::unique_ptr<Message>> included =
      ComposeFile(*resolved, (*target)->GetDescriptor(), chain, &child);
  if (absl::IsResourceExhausted(included.status())) return included.status();
  if (!included.ok()) {
    return absl::Status(
        included.status().code(),
        absl::StrCat(included.status().message(), "\n  while including ", Display(*resolved),
                     " (mount ", shown_mount, ") from ", include_line));
  }
  absl::StatusOr<FieldPath> mount_steps = ConcretePath(*merged, full_mount);
  if (!mount_steps.ok()) return mount_steps.status();
  if (absl::Status nesting =
          CheckNesting(Concat(at, *mount_steps), **included,
                       Where(file.display, *file.locations, include_at), path, shown_mount);
      !nesting.ok()) {
    return nesting;
  }
  MergeWithProvenance(*target, *mount_steps, **included, &child, merged_entries);
  if (with_provenance_ && !mount_steps->empty()) {
    merged_entries->push_back(ProvenanceEntry{
        *mount_steps,
        Origin(absl::StrCat("included from ", Display(*resolved), " at ", include_line),
               file.chain)});
  }
  return absl::OkStatus();
}

}  // namespace heyhi
