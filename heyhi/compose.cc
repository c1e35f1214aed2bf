// Composition (SPEC §4): a file's includes (nested, cycle-checked) merged
// under its body, then include overrides, then scalar overrides; provenance
// of every value kept along the way.
#include "heyhi/compose.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/dynamic_message.h"
#include "heyhi/conf_access.h"
#include "heyhi/dynamic_schema.h"
#include "heyhi/field_path.h"
#include "heyhi/override.h"
#include "heyhi/text_loader.h"

namespace heyhi {
namespace {

namespace fs = std::filesystem;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MessageFactory;
using google::protobuf::OneofDescriptor;
using google::protobuf::Reflection;

std::string Parent(const std::string& path) { return fs::path(path).parent_path().string(); }

std::string JoinMount(const std::string& base, const std::string& mount) {
  if (mount.empty() || mount == ".") return base;
  if (base.empty()) return mount;
  return absl::StrCat(base, ".", mount);
}

bool SameSteps(const StepPath& a, const StepPath& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].field != b[i].field || a[i].index != b[i].index || a[i].key != b[i].key) {
      return false;
    }
  }
  return true;
}

std::string Origin(const std::string& where, const std::vector<std::string>& chain) {
  if (chain.empty()) return where;
  return absl::StrCat(where, " (", absl::StrJoin(chain, ", "), ")");
}

// Composes files into messages. One per LoadConfig call.
class Composer {
 public:
  Composer(const SearchPath& search, MessageFactory* factory,
           const Descriptor* root_type)
      : search_(search), factory_(factory), root_type_(root_type) {}

  // `abs_path` parsed as `type`, its includes merged under its body. `chain`
  // says how this file was reached (for provenance); `entries` receives the
  // origin of every value, relative to the returned message.
  absl::StatusOr<std::unique_ptr<Message>> ComposeFile(
      const std::string& abs_path, const Descriptor* type,
      const std::vector<std::string>& chain, std::vector<ProvenanceEntry>* entries) {
    const std::string display = DisplayPath(abs_path);
    std::unique_ptr<Message> body(factory_->GetPrototype(type)->New());
    std::vector<FieldLocation> locations;
    absl::Status parsed =
        ParseTextFile(abs_path, search_.project_root, body.get(), &locations, display);
    if (!parsed.ok()) return parsed;
    entries->clear();
    for (const FieldLocation& location : locations) {
      entries->push_back(
          ProvenanceEntry{location.path, Origin(absl::StrCat(display, ":", location.line), chain)});
    }
    stack_.push_back(abs_path);
    FileContext file{abs_path, display, &locations, chain};
    absl::Status expanded = ExpandIncludes(file, body.get(), {}, entries);
    stack_.pop_back();
    if (!expanded.ok()) return expanded;
    return body;
  }

  // Merges the include `path` at `mount` of `target_root` (a task message or
  // any message) as an include override; `token` names it in errors.
  absl::Status ApplyIncludeOverride(const std::string& config_path, const Override& override_,
                                    Message* task, const StepPath& task_steps,
                                    std::vector<ProvenanceEntry>* entries) {
    const std::string mount = override_.key == "." ? "" : override_.key;
    absl::StatusOr<std::string> resolved =
        ResolveInclude(override_.value, mount, Parent(config_path), search_);
    if (!resolved.ok()) {
      return absl::Status(resolved.status().code(), absl::StrCat("override ", override_.token,
                                                                 ": ", resolved.status().message()));
    }
    absl::StatusOr<Message*> target = MutableMessageAt(task, mount);
    if (!target.ok()) {
      return absl::Status(target.status().code(), absl::StrCat("override ", override_.token,
                                                               ": ", target.status().message()));
    }
    const std::vector<std::string> chain = {absl::StrCat("include override ", override_.token)};
    std::vector<ProvenanceEntry> child;
    absl::StatusOr<std::unique_ptr<Message>> included =
        ComposeFile(*resolved, (*target)->GetDescriptor(), chain, &child);
    if (!included.ok()) {
      return absl::Status(included.status().code(),
                          absl::StrCat(included.status().message(), "\n  while including ",
                                       DisplayPath(*resolved), " (include override ",
                                       override_.token, ")"));
    }
    absl::StatusOr<StepPath> mount_steps = ConcretePath(*task, mount);
    MergeWithProvenance(*target, Concat(task_steps, mount_steps.ok() ? *mount_steps : StepPath{}),
                        **included, &child, entries);
    if (!mount.empty() && mount_steps.ok()) {
      entries->push_back(ProvenanceEntry{
          Concat(task_steps, *mount_steps),
          absl::StrCat("included from ", DisplayPath(*resolved), " (include override ",
                       override_.token, ")")});
    }
    return absl::OkStatus();
  }

 private:
  struct FileContext {
    std::string abs_path;
    std::string display;
    const std::vector<FieldLocation>* locations;
    std::vector<std::string> chain;
  };

  static StepPath Concat(const StepPath& a, const StepPath& b) {
    StepPath out = a;
    out.insert(out.end(), b.begin(), b.end());
    return out;
  }

  // "FILE:LINE:COL" of the value at `path` in the file, or "FILE".
  static std::string Where(const FileContext& file, const StepPath& path) {
    for (const FieldLocation& location : *file.locations) {
      if (SameSteps(location.path, path)) {
        return absl::StrCat(file.display, ":", location.line, ":", location.column);
      }
    }
    return file.display;
  }

  static std::string WhereLine(const FileContext& file, const StepPath& path) {
    for (const FieldLocation& location : *file.locations) {
      if (SameSteps(location.path, path)) return absl::StrCat(file.display, ":", location.line);
    }
    return file.display;
  }

  // Whether a message of `type` can hold, at any depth, a field with includes.
  bool MayHoldIncludes(const Descriptor* type) {
    auto it = may_hold_includes_.find(type);
    if (it != may_hold_includes_.end()) return it->second;
    may_hold_includes_[type] = false;  // recursive types: settled below
    bool result = IncludesField(type) != nullptr;
    for (int i = 0; i < type->field_count() && !result; ++i) {
      const FieldDescriptor* field = type->field(i);
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
      const Descriptor* sub = field->is_map() ? field->message_type()->map_value()->message_type()
                                              : field->message_type();
      if (sub != nullptr && MayHoldIncludes(sub)) result = true;
    }
    may_hold_includes_[type] = result;
    return result;
  }

  // Entries under `step` (relative to `msg`), moved out and re-rooted at it.
  static std::vector<ProvenanceEntry> TakeEntriesUnder(const PathStep& step,
                                                       std::vector<ProvenanceEntry>* entries) {
    std::vector<ProvenanceEntry> taken;
    std::vector<ProvenanceEntry> kept;
    for (ProvenanceEntry& entry : *entries) {
      if (entry.path.size() > 1 && SameSteps({entry.path[0]}, {step})) {
        entry.path.erase(entry.path.begin());
        taken.push_back(std::move(entry));
      } else {
        kept.push_back(std::move(entry));
      }
    }
    entries->swap(kept);
    return taken;
  }

  // Expands includes of the sub-messages of `msg` (at `at` in the file), then
  // of `msg` itself: its includes merged into an empty message, its own
  // fields on top.
  absl::Status ExpandIncludes(const FileContext& file, Message* msg, const StepPath& at,
                              std::vector<ProvenanceEntry>* entries) {
    const Descriptor* type = msg->GetDescriptor();
    const Reflection* reflection = msg->GetReflection();
    const FieldDescriptor* includes = IncludesField(type);
    std::vector<const FieldDescriptor*> fields;
    reflection->ListFields(*msg, &fields);
    for (const FieldDescriptor* field : fields) {
      if (field == includes || field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
          field->is_map() || !MayHoldIncludes(field->message_type())) {
        continue;
      }
      const int count = field->is_repeated() ? reflection->FieldSize(*msg, field) : 1;
      for (int i = 0; i < count; ++i) {
        PathStep step{field, field->is_repeated() ? i : -1, ""};
        Message* sub = field->is_repeated() ? reflection->MutableRepeatedMessage(msg, field, i)
                                            : reflection->MutableMessage(msg, field);
        std::vector<ProvenanceEntry> sub_entries = TakeEntriesUnder(step, entries);
        absl::Status status = ExpandIncludes(file, sub, Concat(at, {step}), &sub_entries);
        if (!status.ok()) return status;
        PrefixEntries({step}, &sub_entries);
        entries->insert(entries->end(), sub_entries.begin(), sub_entries.end());
      }
    }
    if (includes == nullptr || reflection->FieldSize(*msg, includes) == 0) {
      return absl::OkStatus();
    }

    // Mounts of a root config are relative to the task its body chose.
    std::string mount_base;
    if (at.empty() && IsRoot(type)) {
      const OneofDescriptor* task = TaskOneof(type);
      const FieldDescriptor* chosen =
          task == nullptr ? nullptr : reflection->GetOneofFieldDescriptor(*msg, task);
      if (chosen != nullptr) mount_base = chosen->name();
    }
    const Descriptor* include_type = includes->message_type();
    const FieldDescriptor* path_field = include_type->FindFieldByName("path");
    const FieldDescriptor* mount_field = include_type->FindFieldByName("mount");

    std::unique_ptr<Message> merged(msg->New());
    std::vector<ProvenanceEntry> merged_entries;
    for (int i = 0; i < reflection->FieldSize(*msg, includes); ++i) {
      const Message& include = reflection->GetRepeatedMessage(*msg, includes, i);
      const std::string path = include.GetReflection()->GetString(include, path_field);
      const std::string mount = include.GetReflection()->GetString(include, mount_field);
      const StepPath include_at = Concat(at, {PathStep{includes, i, ""}});
      const std::string include_line = WhereLine(file, include_at);

      absl::StatusOr<std::string> resolved =
          ResolveInclude(path, mount, Parent(file.abs_path), search_);
      if (!resolved.ok()) {
        return absl::Status(resolved.status().code(),
                            absl::StrCat(Where(file, Concat(include_at, {{path_field, -1, ""}})),
                                         ": ", resolved.status().message()));
      }
      if (std::find(stack_.begin(), stack_.end(), *resolved) != stack_.end()) {
        std::vector<std::string> cycle;
        for (auto it = std::find(stack_.begin(), stack_.end(), *resolved); it != stack_.end();
             ++it) {
          cycle.push_back(DisplayPath(*it));
        }
        cycle.push_back(DisplayPath(*resolved));
        return absl::FailedPreconditionError(absl::StrCat(
            Where(file, include_at), ": include cycle: ", absl::StrJoin(cycle, " -> ")));
      }
      const std::string full_mount = JoinMount(mount_base, mount);
      absl::StatusOr<Message*> target = MutableMessageAt(merged.get(), full_mount);
      if (!target.ok()) {
        return absl::Status(target.status().code(),
                            absl::StrCat(Where(file, Concat(include_at, {{mount_field, -1, ""}})),
                                         ": mount \"", mount, "\": ", target.status().message()));
      }
      std::vector<std::string> chain = file.chain;
      chain.insert(chain.begin(), absl::StrCat("included at mount ", mount.empty() ? "." : mount,
                                               " from ", include_line));
      std::vector<ProvenanceEntry> child;
      absl::StatusOr<std::unique_ptr<Message>> included =
          ComposeFile(*resolved, (*target)->GetDescriptor(), chain, &child);
      if (!included.ok()) {
        return absl::Status(
            included.status().code(),
            absl::StrCat(included.status().message(), "\n  while including ",
                         DisplayPath(*resolved), " (mount ", mount.empty() ? "." : mount,
                         ") from ", include_line));
      }
      absl::StatusOr<StepPath> mount_steps = ConcretePath(*merged, full_mount);
      if (!mount_steps.ok()) return mount_steps.status();
      MergeWithProvenance(*target, *mount_steps, **included, &child, &merged_entries);
      if (!mount_steps->empty()) {
        merged_entries.push_back(ProvenanceEntry{
            *mount_steps,
            Origin(absl::StrCat("included from ", DisplayPath(*resolved), " at ", include_line),
                   file.chain)});
      }
    }
    reflection->ClearField(msg, includes);
    MergeWithProvenance(merged.get(), {}, *msg, entries, &merged_entries);
    reflection->Swap(msg, merged.get());
    entries->swap(merged_entries);
    return absl::OkStatus();
  }

  // target.MergeFrom(source), with `source_entries` (relative to `source`)
  // moved to where they land (under `at`) and appended to `out`.
  static void MergeWithProvenance(Message* target, const StepPath& at, const Message& source,
                                  std::vector<ProvenanceEntry>* source_entries,
                                  std::vector<ProvenanceEntry>* out) {
    RebaseForMerge(target, source_entries);
    PrefixEntries(at, source_entries);
    target->MergeFrom(source);
    out->insert(out->end(), std::make_move_iterator(source_entries->begin()),
                std::make_move_iterator(source_entries->end()));
    source_entries->clear();
  }

  bool IsRoot(const Descriptor* type) const { return root_type_ != nullptr && type == root_type_; }

  const SearchPath& search_;
  MessageFactory* factory_;
  const Descriptor* root_type_;
  std::vector<std::string> stack_;  // files being composed, outermost first
  std::map<const Descriptor*, bool> may_hold_includes_;
};

}  // namespace

const FieldDescriptor* IncludesField(const Descriptor* type) {
  const FieldDescriptor* field = type->FindFieldByName("includes");
  if (field == nullptr || !field->is_repeated() || field->is_map() ||
      field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
    return nullptr;
  }
  for (const char* name : {"path", "mount"}) {
    const FieldDescriptor* sub = field->message_type()->FindFieldByName(name);
    if (sub == nullptr || sub->is_repeated() || sub->type() != FieldDescriptor::TYPE_STRING) {
      return nullptr;
    }
  }
  return field;
}

const OneofDescriptor* TaskOneof(const Descriptor* root) {
  const OneofDescriptor* task = root->FindOneofByName("task");
  if (task != nullptr) return task;
  for (int i = 0; i < root->oneof_decl_count(); ++i) {
    if (!root->oneof_decl(i)->is_synthetic()) return root->oneof_decl(i);
  }
  return nullptr;
}

const Descriptor* FindRootMessage(const google::protobuf::FileDescriptor* file,
                                  const std::string& root_name) {
  if (file == nullptr) return nullptr;
  std::vector<const google::protobuf::FileDescriptor*> queue = {file};
  std::set<const google::protobuf::FileDescriptor*> seen = {file};
  for (size_t i = 0; i < queue.size(); ++i) {
    for (int m = 0; m < queue[i]->message_type_count(); ++m) {
      if (queue[i]->message_type(m)->name() == root_name) return queue[i]->message_type(m);
    }
    for (int d = 0; d < queue[i]->dependency_count(); ++d) {
      if (seen.insert(queue[i]->dependency(d)).second) queue.push_back(queue[i]->dependency(d));
    }
  }
  return nullptr;
}

namespace {

MessageFactory* FactoryFor(const Descriptor* type, MessageFactory* given,
                           std::shared_ptr<MessageFactory>* owned) {
  if (given != nullptr) return given;
  if (type->file()->pool() == google::protobuf::DescriptorPool::generated_pool()) {
    return MessageFactory::generated_factory();
  }
  *owned = std::make_shared<google::protobuf::DynamicMessageFactory>();
  return owned->get();
}

absl::Status WithContext(const absl::Status& status, const std::string& context) {
  return absl::Status(status.code(), absl::StrCat(context, status.message()));
}

}  // namespace

absl::StatusOr<const Descriptor*> GuessConfigType(const std::string& path,
                                                  const Descriptor* root_type,
                                                  const std::string& conf_root) {
  if (root_type == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": no type given and no root message to guess from"));
  }
  absl::StatusOr<std::string> raw = ReadFileToString(path);
  if (!raw.ok()) return raw.status();
  const std::string text =
      SubstituteRootDir(*raw, MakeSearchPath(path, conf_root).project_root);
  std::shared_ptr<MessageFactory> owned;
  MessageFactory* factory = FactoryFor(root_type, nullptr, &owned);
  std::unique_ptr<Message> as_root(factory->GetPrototype(root_type)->New());
  const absl::Status root_status = ParseText(text, DisplayPath(path), as_root.get());
  if (root_status.ok()) return root_type;
  std::vector<const Descriptor*> fits;
  for (const Descriptor* candidate : SchemaMessages(root_type->file())) {
    if (candidate == root_type) continue;
    std::unique_ptr<Message> msg(factory->GetPrototype(candidate)->New());
    if (ParseText(text, path, msg.get()).ok()) fits.push_back(candidate);
  }
  if (fits.size() == 1) return fits[0];
  if (fits.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        root_status.message(), "\n(", DisplayPath(path), " does not parse as ",
        root_type->full_name(), " nor as any other message of ", root_type->file()->name(),
        "; give its type with --type)"));
  }
  std::vector<std::string> names;
  for (const Descriptor* fit : fits) names.push_back(fit->full_name());
  return absl::InvalidArgumentError(absl::StrCat(
      DisplayPath(path), ": the type of this file is ambiguous: it parses as ",
      absl::StrJoin(names, ", "), "; choose one with --type"));
}

absl::StatusOr<Composed> LoadConfig(const std::string& path,
                                    const std::vector<std::string>& overrides,
                                    const LoadOptions& options) {
  Composed composed;
  composed.config_path = AbsolutePath(path);
  composed.overrides = overrides;
  composed.search = MakeSearchPath(composed.config_path, options.conf_root, options.include_dirs);
  const std::string display = DisplayPath(composed.config_path);

  const Descriptor* type = options.type;
  if (type == nullptr) {
    absl::StatusOr<const Descriptor*> guessed =
        GuessConfigType(composed.config_path, options.root_type, options.conf_root);
    if (!guessed.ok()) return guessed.status();
    type = *guessed;
  }
  const Descriptor* root_type = options.root_type;
  if (type->name() == options.root_name) root_type = type;
  const bool is_root = root_type != nullptr && type == root_type;
  MessageFactory* factory = FactoryFor(type, options.factory, &composed.owned_factory);

  absl::StatusOr<std::vector<Override>> parsed_overrides = ParseOverrides(overrides);
  if (!parsed_overrides.ok()) return parsed_overrides.status();

  Composer composer(composed.search, factory, is_root ? root_type : nullptr);
  std::vector<ProvenanceEntry> entries;
  absl::StatusOr<std::unique_ptr<Message>> root =
      composer.ComposeFile(composed.config_path, type, {}, &entries);
  if (!root.ok()) return root.status();
  composed.root = std::move(*root);

  Message* task = composed.root.get();
  StepPath task_steps;
  if (is_root) {
    const OneofDescriptor* oneof = TaskOneof(type);
    const FieldDescriptor* chosen =
        oneof == nullptr
            ? nullptr
            : composed.root->GetReflection()->GetOneofFieldDescriptor(*composed.root, oneof);
    if (chosen == nullptr) {
      std::vector<std::string> names;
      for (int i = 0; oneof != nullptr && i < oneof->field_count(); ++i) {
        names.push_back(oneof->field(i)->name());
      }
      return absl::InvalidArgumentError(absl::StrCat(
          display, ": no task selected: the config must set one of ", type->name(), "'s tasks: ",
          absl::StrJoin(names, ", "), " (e.g. `", names.empty() ? "task" : names[0], " { }`)"));
    }
    composed.task_name = chosen->name();
    task = composed.root->GetReflection()->MutableMessage(composed.root.get(), chosen);
    task_steps.push_back(PathStep{chosen, -1, ""});
  }

  for (const Override& override_ : *parsed_overrides) {
    if (override_.kind != Override::Kind::kInclude) continue;
    absl::Status status = composer.ApplyIncludeOverride(composed.config_path, override_, task,
                                                        task_steps, &entries);
    if (!status.ok()) return status;
  }
  for (const Override& override_ : *parsed_overrides) {
    if (override_.kind != Override::Kind::kScalar) continue;
    absl::Status status = ApplyScalarOverride(task, override_.key, override_.value);
    if (!status.ok()) return WithContext(status, absl::StrCat("override ", override_.token, ": "));
    absl::StatusOr<StepPath> steps = ConcretePath(*task, override_.key);
    if (!steps.ok()) continue;  // e.g. a NULL that removed the path
    StepPath full = task_steps;
    full.insert(full.end(), steps->begin(), steps->end());
    const std::string key = StepPathToString(full);
    entries.erase(std::remove_if(entries.begin(), entries.end(),
                                 [&key](const ProvenanceEntry& entry) {
                                   const std::string path = StepPathToString(entry.path);
                                   return path == key || absl::StartsWith(path, key + ".");
                                 }),
                  entries.end());
    entries.push_back(ProvenanceEntry{full, absl::StrCat("override ", override_.token)});
  }

  for (const ProvenanceEntry& entry : entries) {
    if (entry.path.size() <= task_steps.size() || !PathIsSet(*composed.root, entry.path)) continue;
    const StepPath relative(entry.path.begin() + task_steps.size(), entry.path.end());
    if (!task_steps.empty() && entry.path[0].field != task_steps[0].field) continue;
    composed.provenance.Record(StepPathToString(relative), entry.origin);
  }
  composed.task = task;
  return composed;
}

absl::StatusOr<std::string> ExplainKey(const Composed& composed, const std::string& key) {
  absl::StatusOr<std::string> value = ConfGet(*composed.task, key);
  if (!value.ok()) return value.status();
  absl::StatusOr<StepPath> steps = ConcretePath(*composed.task, key);
  const std::string canonical = steps.ok() ? StepPathToString(*steps) : key;
  std::string origin;
  if (steps.ok() && !steps->empty() && !PathIsSet(*composed.task, *steps)) {
    origin = absl::StrCat(canonical, ": default (not set by any file or override)");
  } else {
    origin = composed.provenance.Explain(canonical);
    if (origin.empty()) origin = absl::StrCat(canonical, ": origin unknown");
  }
  std::string text = *value;
  if (!text.empty() && text.back() == '\n') text.pop_back();
  const bool multiline = absl::StrContains(text, '\n');
  return absl::StrCat(canonical, " =", multiline ? "\n" : " ", text, "\n", origin, "\n");
}

}  // namespace heyhi
