// Composition (SPEC §4): a root config's includes and body, then include
// overrides, then scalar overrides, keys relative to the chosen task; the
// provenance of every value; and finding the type of a file.
#include <algorithm>
#include <chrono>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/dynamic_message.h"
#include "heyhi/conf_access.h"
#include "heyhi/config.h"
#include "heyhi/config/dynamic_schema.h"
#include "heyhi/config/field_path.h"
#include "heyhi/config/include_expander.h"
#include "heyhi/config/override.h"
#include "heyhi/config/provenance.h"
#include "heyhi/config/references.h"
#include "heyhi/config/schema.h"
#include "heyhi/config/text_loader.h"

namespace heyhi {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MessageFactory;
using google::protobuf::OneofDescriptor;

namespace {

MessageFactory* FactoryFor(const Descriptor* type, MessageFactory* given,
                           std::shared_ptr<MessageFactory>* owned) {
  if (given != nullptr) return given;
  if (IsCompiledIn(type)) return MessageFactory::generated_factory();
  *owned = std::make_shared<google::protobuf::DynamicMessageFactory>();
  return owned->get();
}

// The type of a file whose text `text` did not parse as `root_type` (with
// `root_error`): the one other message of the schema that parses it.
absl::StatusOr<const Descriptor*> GuessOtherType(const std::string& text,
                                                 const std::string& display,
                                                 const Descriptor* root_type,
                                                 const absl::Status& root_error,
                                                 MessageFactory* factory) {
  std::vector<const Descriptor*> fits;
  for (const Descriptor* candidate : SchemaMessages(root_type->file())) {
    if (candidate == root_type) continue;
    std::unique_ptr<Message> msg(factory->GetPrototype(candidate)->New());
    if (ParseText(text, display, msg.get()).ok()) fits.push_back(candidate);
  }
  if (fits.size() == 1) return fits[0];
  if (fits.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(root_error.message(), "\n(", display, " does not parse as ",
                     root_type->full_name(), " nor as any other message of ",
                     root_type->file()->name(), "; give its type with --type)"));
  }
  std::vector<std::string> names;
  for (const Descriptor* fit : fits) names.push_back(fit->full_name());
  return absl::InvalidArgumentError(
      absl::StrCat(display, ": the type of this file is ambiguous: it parses as ",
                   absl::StrJoin(names, ", "), "; choose one with --type"));
}

absl::StatusOr<std::string> ReadConfigText(const std::string& abs_path,
                                           const std::string& project_root) {
  absl::StatusOr<std::string> raw = ReadConfigFile(abs_path);
  if (!raw.ok()) return raw.status();
  return SubstituteRootDir(*raw, project_root);
}

// The task case the composed root chose, or the "no task selected" error.
absl::StatusOr<const FieldDescriptor*> ChosenTask(const Message& root, const std::string& display) {
  const Descriptor* type = root.GetDescriptor();
  const OneofDescriptor* oneof = TaskOneof(type);
  const FieldDescriptor* chosen =
      oneof == nullptr ? nullptr : root.GetReflection()->GetOneofFieldDescriptor(root, oneof);
  if (chosen != nullptr) return chosen;
  std::vector<std::string> names;
  for (int i = 0; oneof != nullptr && i < oneof->field_count(); ++i) {
    names.push_back(oneof->field(i)->name());
  }
  return absl::InvalidArgumentError(absl::StrCat(
      display, ": no task selected: the config must set one of ", type->name(), "'s tasks: ",
      absl::StrJoin(names, ", "), " (e.g. `", names.empty() ? "task" : names[0], " { }`)"));
}

// Applies the scalar override and records it as the origin of its key; a
// reference (`key=${from}`) is made here and resolved when all are applied.
absl::Status ApplyScalar(const Override& override_, Message* task, const FieldPath& task_steps,
                         std::vector<ProvenanceEntry>* entries) {
  if (IsReferenceValue(override_.value)) {
    absl::StatusOr<std::string> from = ReferenceSourceKey(override_.value);
    absl::Status made = from.ok()
                            ? MakeReference(task, override_.key, *from, task_steps,
                                            absl::StrCat("override ", override_.token), entries)
                            : from.status();
    if (made.ok()) return made;
    return absl::Status(made.code(),
                        absl::StrCat("override ", override_.token, ": ", made.message()));
  }
  absl::Status status = ApplyScalarOverride(task, override_.key, override_.value);
  if (!status.ok()) {
    return absl::Status(status.code(),
                        absl::StrCat("override ", override_.token, ": ", status.message()));
  }
  absl::StatusOr<FieldPath> steps = ConcretePath(*task, override_.key);
  if (!steps.ok()) return absl::OkStatus();  // e.g. a NULL that removed the path
  FieldPath full = task_steps;
  full.insert(full.end(), steps->begin(), steps->end());
  // As deep as one file may nest, so that the config can be printed and read
  // back (config_meta.prototxt); a NULL makes nothing deeper.
  if (override_.value != "NULL" && PathTextNesting(full) > kMaxMessageNesting) {
    return absl::ResourceExhaustedError(
        absl::StrCat("override ", override_.token, ": nests the config more than ",
                     kMaxMessageNesting, " messages deep (the limit, as in one file)"));
  }
  // The value replaces whatever was recorded at or under its key.
  entries->erase(std::remove_if(entries->begin(), entries->end(),
                                [&full](const ProvenanceEntry& entry) {
                                  return IsPrefixOf(full, entry.path);
                                }),
                 entries->end());
  entries->push_back(ProvenanceEntry{full, absl::StrCat("override ", override_.token)});
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<const Descriptor*> GuessConfigType(const std::string& path,
                                                  const Descriptor* root_type,
                                                  const std::string& conf_root) {
  if (root_type == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": no type given and no root message to guess from"));
  }
  if (absl::Status conf_root_ok = CheckGivenConfRoot(conf_root); !conf_root_ok.ok()) {
    return conf_root_ok;
  }
  const std::string abs_path = AbsolutePath(path);
  absl::StatusOr<std::string> text =
      ReadConfigText(abs_path, MakeSearchPath(abs_path, conf_root).project_root);
  if (!text.ok()) return text.status();
  std::shared_ptr<MessageFactory> owned;
  MessageFactory* factory = FactoryFor(root_type, nullptr, &owned);
  std::unique_ptr<Message> as_root(factory->GetPrototype(root_type)->New());
  const std::string display = DisplayPath(abs_path);
  const absl::Status root_status = ParseText(*text, display, as_root.get());
  if (root_status.ok()) return root_type;
  return GuessOtherType(*text, display, root_type, root_status, factory);
}

namespace {

// LoadConfig, with or without provenance. Without, a compose that makes a
// field reference fails (to be done again with provenance).
absl::StatusOr<Composed> Compose(const std::string& path, const std::vector<std::string>& overrides,
                                 const LoadOptions& options, bool with_provenance) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = options.times != nullptr ? Clock::now() : Clock::time_point();
  if (absl::Status conf_root_ok = CheckGivenConfRoot(options.conf_root); !conf_root_ok.ok()) {
    return conf_root_ok;
  }
  Composed composed;
  const std::string cwd = CurrentDir();
  composed.config_path = AbsolutePath(path, cwd);
  composed.overrides = overrides;
  composed.search = std::make_shared<const SearchPath>(
      MakeSearchPath(composed.config_path, options.conf_root, options.include_dirs));
  composed.provenance = std::make_shared<Provenance>();
  const std::string display = DisplayPath(composed.config_path, cwd);
  absl::StatusOr<std::vector<Override>> parsed_overrides = ParseOverrides(overrides);
  if (!parsed_overrides.ok()) return parsed_overrides.status();

  // Parse as the given type, else as the root, else as the one type that fits.
  // A file parsed before as that type comes from the cache of parsed files;
  // on any failure it is read and parsed again below, for the same error.
  const Descriptor* type = options.type != nullptr ? options.type : options.root_type;
  MessageFactory* factory = nullptr;
  std::unique_ptr<Message> body;
  std::vector<FieldLocation> locations;
  absl::Status parsed = absl::UnknownError("not parsed");
  if (type != nullptr) {
    factory = FactoryFor(type, options.factory, &composed.owned_factory);
    body.reset(factory->GetPrototype(type)->New());
    parsed = ParseTextFile(composed.config_path, composed.search->project_root, body.get(),
                           with_provenance ? &locations : nullptr, display);
  }
  if (!parsed.ok()) {
    absl::StatusOr<std::string> text =
        ReadConfigText(composed.config_path, composed.search->project_root);
    if (!text.ok()) return text.status();
    if (type == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(display, ": no type given and no root message to guess from"));
    }
    body.reset(factory->GetPrototype(type)->New());
    locations.clear();
    parsed = ParseText(*text, display, body.get(), &locations);
    if (!parsed.ok() && options.type == nullptr) {
      absl::StatusOr<const Descriptor*> guessed =
          GuessOtherType(*text, display, type, parsed, factory);
      if (!guessed.ok()) return guessed.status();
      type = *guessed;
      body.reset(factory->GetPrototype(type)->New());
      locations.clear();
      parsed = ParseText(*text, display, body.get(), &locations);
    }
    if (!parsed.ok()) return parsed;
  }
  const Clock::time_point loaded = options.times != nullptr ? Clock::now() : start;

  const Descriptor* root_type = options.root_type;
  if (type->name() == options.root_name) root_type = type;
  const bool is_root = root_type != nullptr && type == root_type;
  if (root_type != nullptr) {
    if (absl::Status schema = CheckDefaultFrom(root_type); !schema.ok()) return schema;
  }
  IncludeExpander expander(*composed.search, factory, is_root ? root_type : nullptr, cwd,
                           with_provenance);
  std::vector<ProvenanceEntry> entries;
  absl::StatusOr<std::unique_ptr<Message>> root =
      expander.ComposeParsed(composed.config_path, std::move(body), locations, {}, &entries);
  if (!root.ok()) return root.status();
  std::unique_ptr<Message> composing = std::move(*root);
  const Clock::time_point included = options.times != nullptr ? Clock::now() : start;

  Message* task = composing.get();
  FieldPath task_steps;
  if (is_root) {
    absl::StatusOr<const FieldDescriptor*> chosen = ChosenTask(*composing, display);
    if (!chosen.ok()) return chosen.status();
    composed.task_name = (*chosen)->name();
    task = composing->GetReflection()->MutableMessage(composing.get(), *chosen);
    task_steps.push_back(PathStep::Field(*chosen));
  }
  for (const Override& override_ : *parsed_overrides) {
    if (override_.kind != Override::Kind::kInclude) continue;
    absl::Status status =
        expander.ApplyIncludeOverride(composed.config_path, override_, task, task_steps, &entries);
    if (!status.ok()) return status;
  }
  // One entry per map key, the last written: a file may list a key twice, and
  // merging run-time (dynamic) messages appends entries.
  NormalizeMaps(composing.get());
  for (const Override& override_ : *parsed_overrides) {
    if (override_.kind != Override::Kind::kScalar) continue;
    absl::Status status = ApplyScalar(override_, task, task_steps, &entries);
    if (!status.ok()) return status;
  }

  // Field references, sources before targets: the last word of the
  // composition, before the config is frozen and signed.
  absl::StatusOr<std::vector<FieldReference>> references = ActiveReferences(entries, task_steps);
  if (!references.ok()) return references.status();
  if (!with_provenance && !references->empty()) {
    return absl::AbortedError("a field reference needs the provenance of every value");
  }
  absl::StatusOr<std::vector<ResolvedReference>> resolved =
      ResolveReferences(task, *references, /*with_default_from=*/true);
  if (!resolved.ok()) return resolved.status();
  if (is_root) StoreReferences(composing.get(), *resolved);

  // Keep the origins of values still set, relative to the task message.
  SetPathProbe set_in_composed(*composing);
  for (const ProvenanceEntry& entry : entries) {
    if (entry.reference_source || entry.path.size() <= task_steps.size()) continue;
    if (!task_steps.empty() && entry.path[0].field != task_steps[0].field) continue;
    if (!set_in_composed.IsSet(entry.path)) continue;
    const FieldPath relative(entry.path.begin() + task_steps.size(), entry.path.end());
    composed.provenance->Record(FieldPathToString(relative), entry.origin);
  }
  for (const ResolvedReference& ref : *resolved) {
    const std::string target = FieldPathToString(ref.target);
    composed.provenance->Record(target,
                                absl::StrCat("from ", KeyText(ref.source), ", ", ref.origin));
    composed.provenance->RecordReference(target, KeyText(ref.source));
  }
  // Frozen from here on: task functions and printers get const access only.
  composed.root = std::move(composing);
  composed.task = task;
  if (options.times != nullptr) {
    options.times->load = loaded - start;
    options.times->includes = included - loaded;
    options.times->overrides = Clock::now() - included;
  }
  return composed;
}

}  // namespace

absl::StatusOr<Composed> LoadConfig(const std::string& path,
                                    const std::vector<std::string>& overrides,
                                    const LoadOptions& options) {
  if (!options.with_provenance) {
    absl::StatusOr<Composed> quick = Compose(path, overrides, options, false);
    if (quick.ok()) return quick;
    // Again with provenance: its errors locate every value, and its
    // references know which value came last.
  }
  return Compose(path, overrides, options, true);
}

namespace {

// A key whose last step names a oneof ("encoder") stands for the member that
// is chosen ("encoder.conv"); other keys are returned as they are.
absl::StatusOr<std::string> ChosenMemberIfOneof(const google::protobuf::Message& task,
                                                const std::string& key) {
  const google::protobuf::OneofDescriptor* oneof = OneofAt(task.GetDescriptor(), key);
  if (oneof == nullptr) return key;
  std::vector<std::string> members;
  for (int i = 0; i < oneof->field_count(); ++i) {
    const std::string member = absl::StrCat(key, ".", oneof->field(i)->name());
    absl::StatusOr<bool> set = ConfIsSet(task, member);
    if (set.ok() && *set) return member;
    members.push_back(oneof->field(i)->name());
  }
  return absl::NotFoundError(absl::StrCat(
      "oneof '", key, "' has no case chosen (one of: ", absl::StrJoin(members, ", "), ")"));
}

// " (from b = 2, from a = 2, conf/x.prototxt:3)": the chain of references
// that gave `key` its value, and where the value at the chain's end came
// from. "" when `key` is no reference.
std::string ReferenceChain(const Composed& composed, std::string key) {
  std::vector<std::string> parts;
  std::set<std::string> seen;
  while (const std::string* source = composed.provenance->ReferenceSource(key)) {
    if (!seen.insert(key).second) break;
    absl::StatusOr<std::string> value = ConfGet(*composed.task, *source);
    parts.push_back(absl::StrCat("from ", *source, " = ", value.ok() ? *value : "?"));
    absl::StatusOr<FieldPath> steps = ConcretePath(*composed.task, *source);
    key = steps.ok() ? FieldPathToString(*steps) : *source;
    if (!steps.ok() || !PathIsSet(*composed.task, *steps)) {
      parts.push_back("default");
      return absl::StrCat(" (", absl::StrJoin(parts, ", "), ")");
    }
  }
  if (parts.empty()) return "";
  auto origin = composed.provenance->origins().find(key);
  parts.push_back(origin == composed.provenance->origins().end() ? "origin unknown"
                                                                 : origin->second);
  return absl::StrCat(" (", absl::StrJoin(parts, ", "), ")");
}

}  // namespace

absl::StatusOr<std::string> ExplainKey(const Composed& composed, const std::string& asked) {
  absl::StatusOr<std::string> chosen = ChosenMemberIfOneof(*composed.task, asked);
  if (!chosen.ok()) return chosen.status();
  const std::string& key = *chosen;
  absl::StatusOr<std::string> value = ConfGet(*composed.task, key);
  if (!value.ok()) return value.status();
  absl::StatusOr<FieldPath> steps = ConcretePath(*composed.task, key);
  const std::string canonical = steps.ok() ? FieldPathToString(*steps) : key;
  std::string origin;
  if (steps.ok() && !steps->empty() && !PathIsSet(*composed.task, *steps)) {
    origin = absl::StrCat(canonical, ": default (not set by any file or override)");
  } else {
    origin = composed.provenance->Explain(canonical);
    if (origin.empty()) origin = absl::StrCat(canonical, ": origin unknown");
  }
  std::string text = *value;
  if (!text.empty() && text.back() == '\n') text.pop_back();
  const bool multiline = absl::StrContains(text, '\n');
  return absl::StrCat(canonical, " =", multiline ? "\n" : " ", text,
                      ReferenceChain(composed, canonical), "\n", origin, "\n");
}

}  // namespace heyhi
