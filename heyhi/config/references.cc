// Field references: made and checked where a config or an override writes
// them, collected from the schema's default_from options, and resolved in
// dependency order when the composition ends.
#include "heyhi/config/references.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.pb.h"
#include "heyhi/base/number_text.h"
#include "heyhi/config/field_value.h"
#include "heyhi/config/schema.h"
#include "heyhi/config/text_loader.h"
#include "heyhi/heyhi.pb.h"

namespace heyhi {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr absl::string_view kDefaultFromName = "heyhi.default_from";
// Run-time schemas are matched by number, so the number must never change.
static_assert(kDefaultFromFieldNumber == 50102, "heyhi.default_from is option 50102");

constexpr absl::string_view kKinds =
    "a reference joins fields of the same type, the same enum, or numbers of one kind "
    "(integers of any width and sign; float and double)";

bool IsInteger(FieldDescriptor::CppType type) {
  return type == FieldDescriptor::CPPTYPE_INT32 || type == FieldDescriptor::CPPTYPE_INT64 ||
         type == FieldDescriptor::CPPTYPE_UINT32 || type == FieldDescriptor::CPPTYPE_UINT64;
}

bool IsFloating(FieldDescriptor::CppType type) {
  return type == FieldDescriptor::CPPTYPE_FLOAT || type == FieldDescriptor::CPPTYPE_DOUBLE;
}

// Why the field at `path` (written `key`) cannot be one end of a reference;
// OK when it can.
absl::Status CheckEnd(const FieldPath& path, absl::string_view key) {
  if (path.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", key, "' names no field: a reference joins two fields"));
  }
  for (const PathStep& step : path) {
    if (step.kind == PathStep::Kind::kAppend) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", key, "' appends (-1): a reference names an element that is there (",
                       key, " with an index of 0 or more)"));
    }
  }
  const PathStep& last = path.back();
  const FieldDescriptor* field = last.field;
  if (last.kind != PathStep::Kind::kField || field->is_repeated()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", key, "' is ", last.kind == PathStep::Kind::kField ? "" : "in ",
        WithArticle(absl::StrCat(field->is_map() ? "map " : "repeated ", FieldTypeName(field))),
        ": a reference names one singular field"));
  }
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    std::string example = "<field>";
    for (int i = field->message_type()->field_count() - 1; i >= 0; --i) {
      const FieldDescriptor* sub = field->message_type()->field(i);
      if (!sub->is_repeated() && sub->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
        example = sub->name();  // the first such field, in the end
      }
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "'", key, "' is ", WithArticle(FieldTypeName(field)),
        ": a reference copies one value, so name one of its fields (", key, ".", example, ")"));
  }
  return absl::OkStatus();
}

absl::Status KindMismatch(absl::string_view target_key, const FieldDescriptor* target,
                          absl::string_view source_key, const FieldDescriptor* source) {
  return absl::InvalidArgumentError(
      absl::StrCat("'", target_key, "' is ", WithArticle(FieldTypeName(target)), " and '",
                   source_key, "' is ", WithArticle(FieldTypeName(source)), ": ", kKinds));
}

FieldPath Concat(const FieldPath& a, const FieldPath& b) {
  FieldPath out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

bool StartsWith(const FieldPath& path, const FieldPath& prefix) {
  if (prefix.size() > path.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (!(path[i] == prefix[i])) return false;
  }
  return true;
}

// Whether every oneof member on the way to `path` (the last step too) is the
// chosen one of its oneof in `task`.
bool MembersChosen(const Message& task, const FieldPath& path) {
  const Message* current = &task;
  bool present = true;
  for (size_t i = 0; i < path.size(); ++i) {
    const FieldDescriptor* field = path[i].field;
    if (field->real_containing_oneof() != nullptr &&
        (!present || !current->GetReflection()->HasField(*current, field))) {
      return false;
    }
    if (i + 1 == path.size()) break;
    absl::StatusOr<const Message*> next = MessageAt(task, path, i + 1, &present);
    if (!next.ok()) return true;  // reported when the value is written
    current = *next;
  }
  return true;
}

// A reference being resolved.
struct Pending {
  FieldPath target;
  FieldPath source;
  std::string target_key;
  std::string source_key;
  std::string origin;
};

std::string Shown(const Pending& ref) {
  return absl::StrCat(ref.target_key, "=${", ref.source_key, "} (", ref.origin, ")");
}

// `value` of a field of `source`'s type, converted for `target` (the same
// kind): as it is, or through its text, as the override `target=<text>`.
absl::StatusOr<ScalarValue> Convert(const ScalarValue& value, const FieldDescriptor* source,
                                    const FieldDescriptor* target) {
  if (source->cpp_type() == target->cpp_type()) return value;
  const std::string text = std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, float>) return FormatFloat(v);
        if constexpr (std::is_same_v<T, double>) return FormatDouble(v);
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) return absl::StrCat(v);
        return "";  // other kinds need no conversion
      },
      value);
  absl::StatusOr<ScalarValue> converted = ParseScalar(target, text);
  if (!converted.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("its value ", text, " does not fit ",
                                                   WithArticle(FieldTypeName(target)), ": ",
                                                   converted.status().message()));
  }
  return converted;
}

// Sets the target of `ref` to its source's value.
absl::Status Transfer(Message* task, const Pending& ref) {
  bool present;
  absl::StatusOr<const Message*> holder =
      MessageAt(*task, ref.source, ref.source.size() - 1, &present);
  if (!holder.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("reference ", Shown(ref), ": ", holder.status().message()));
  }
  const FieldDescriptor* source = ref.source.back().field;
  const FieldDescriptor* target = ref.target.back().field;
  // Read before anything is created: creating the target's messages may
  // move the source's.
  absl::StatusOr<ScalarValue> value = Convert(GetScalar(**holder, source), source, target);
  if (!value.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("reference ", Shown(ref), ": ", ref.source_key,
                                                   ": ", value.status().message()));
  }
  absl::StatusOr<Message*> target_holder =
      MutableMessageAt(task, FieldPath(ref.target.begin(), ref.target.end() - 1));
  if (!target_holder.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("reference ", Shown(ref), ": ", target_holder.status().message()));
  }
  SetScalar(*target_holder, target, *value);
  return absl::OkStatus();
}

// The fields with default_from that are unset in a composed task message.
class DefaultFinder {
 public:
  explicit DefaultFinder(std::vector<std::pair<FieldPath, const FieldDescriptor*>>* out)
      : out_(out) {}

  // `msg` sits at `at`; `present`: it is there (else a default instance).
  void Walk(const Message& msg, bool present, FieldPath* at,
            std::vector<const Descriptor*>* on_path) {
    const Descriptor* type = msg.GetDescriptor();
    const Reflection* r = msg.GetReflection();
    on_path->push_back(type);
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
        if (Eligible(field) && (!present || !r->HasField(msg, field))) {
          FieldPath target = *at;
          target.push_back(PathStep::Field(field));
          out_->emplace_back(std::move(target), field);
        }
        continue;
      }
      if (field->is_map()) {
        const FieldDescriptor* key = field->message_type()->map_key();
        const FieldDescriptor* value = field->message_type()->map_value();
        if (!present || value->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
        for (int j = 0; j < r->FieldSize(msg, field); ++j) {
          const Message& entry = r->GetRepeatedMessage(msg, field, j);
          Enter(entry.GetReflection()->GetMessage(entry, value), true,
                PathStep::Entry(field, MapKeyText(GetScalar(entry, key))), at, on_path);
        }
      } else if (field->is_repeated()) {
        for (int j = 0; present && j < r->FieldSize(msg, field); ++j) {
          Enter(r->GetRepeatedMessage(msg, field, j), true, PathStep::Element(field, j), at,
                on_path);
        }
      } else if (present && r->HasField(msg, field)) {
        Enter(r->GetMessage(msg, field), true, PathStep::Field(field), at, on_path);
      } else if (field->real_containing_oneof() == nullptr && Holds(field->message_type()) &&
                 std::find(on_path->begin(), on_path->end(), field->message_type()) ==
                     on_path->end()) {
        // Not there: made for the defaults it holds, unless it is a type
        // already on the way (a recursive type would never end).
        Enter(r->GetMessage(msg, field), false, PathStep::Field(field), at, on_path);
      }
    }
    on_path->pop_back();
  }

 private:
  static bool Eligible(const FieldDescriptor* field) {
    return !field->is_repeated() && field->real_containing_oneof() == nullptr &&
           !DefaultFromOf(field).empty();
  }

  void Enter(const Message& sub, bool present, PathStep step, FieldPath* at,
             std::vector<const Descriptor*>* on_path) {
    at->push_back(std::move(step));
    Walk(sub, present, at, on_path);
    at->pop_back();
  }

  // Whether a message of `type` that is not there would hold a field with
  // default_from: one of its own, or one in a singular message of it.
  bool Holds(const Descriptor* type) {
    auto it = holds_.find(type);
    if (it != holds_.end()) return it->second;
    holds_[type] = false;  // a recursive type is settled below
    bool result = false;
    for (int i = 0; i < type->field_count() && !result; ++i) {
      const FieldDescriptor* field = type->field(i);
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
        result = Eligible(field);
      } else if (!field->is_repeated() && field->real_containing_oneof() == nullptr) {
        result = Holds(field->message_type());
      }
    }
    holds_[type] = result;
    return result;
  }

  std::vector<std::pair<FieldPath, const FieldDescriptor*>>* out_;
  std::map<const Descriptor*, bool> holds_;
};

// The task messages of a root: its task oneof's message cases, or itself.
std::vector<const Descriptor*> TaskTypes(const Descriptor* root) {
  std::vector<const Descriptor*> tasks;
  if (const google::protobuf::OneofDescriptor* oneof = TaskOneof(root)) {
    for (int i = 0; i < oneof->field_count(); ++i) {
      if (oneof->field(i)->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        tasks.push_back(oneof->field(i)->message_type());
      }
    }
  }
  if (tasks.empty()) tasks.push_back(root);
  return tasks;
}

// "conf.proto:12: TrainTask.eval_batch_size [(heyhi.default_from) = "x"]"
std::string OptionPlace(const FieldDescriptor* field) {
  google::protobuf::SourceLocation location;
  const std::string where = field->GetSourceLocation(&location)
                                ? absl::StrCat(field->file()->name(), ":", location.start_line + 1)
                                : field->file()->name();
  return absl::StrCat(where, ": ", field->full_name(), " [(heyhi.default_from) = \"",
                      DefaultFromOf(field), "\"]");
}

// The source of `field`'s default_from, resolved from `task` and checked.
absl::StatusOr<FieldPath> DefaultSource(const FieldDescriptor* field, const Descriptor* task) {
  const std::string from = DefaultFromOf(field);
  absl::StatusOr<FieldPath> source = ResolveFieldPath(task, from);
  if (!source.ok()) return source.status();
  if (absl::Status end = CheckEnd(*source, from); !end.ok()) return end;
  if (!SameValueKind(field, source->back().field)) {
    return KindMismatch(field->name(), field, from, source->back().field);
  }
  return source;
}

absl::Status CheckOneDefault(const FieldDescriptor* field, const Descriptor* task) {
  const std::string place = OptionPlace(field);
  if (field->is_repeated() || field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    return absl::InvalidArgumentError(absl::StrCat(
        place, ": the field is ",
        WithArticle(absl::StrCat(field->is_repeated() ? "repeated " : "", FieldTypeName(field))),
        "; default_from is for a singular field that holds one value (a number, bool, string, "
        "bytes or enum)"));
  }
  if (field->real_containing_oneof() != nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        place, ": the field is a member of oneof ", field->real_containing_oneof()->name(),
        ", which a default would always choose; default_from is for fields outside "
        "a oneof"));
  }
  absl::StatusOr<FieldPath> source = DefaultSource(field, task);
  if (!source.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(place, " (a path from ", task->full_name(), "): ", source.status().message()));
  }
  // Follow the chain of defaults from the source; back at `field`: a cycle.
  std::vector<std::string> chain = {field->full_name()};
  std::set<const FieldDescriptor*> seen = {field};
  const FieldDescriptor* next = source->back().field;
  while (true) {
    chain.push_back(next->full_name());
    if (next == field) {
      return absl::InvalidArgumentError(
          absl::StrCat(place, ": default_from cycle: ", absl::StrJoin(chain, " -> ")));
    }
    if (!seen.insert(next).second || DefaultFromOf(next).empty()) break;
    absl::StatusOr<FieldPath> further = DefaultSource(next, task);
    if (!further.ok()) break;  // reported at `next`
    next = further->back().field;
  }
  return absl::OkStatus();
}

absl::Status CheckSchemaDefaults(const Descriptor* root) {
  for (const Descriptor* task : TaskTypes(root)) {
    std::vector<const Descriptor*> queue = {task};
    std::set<const Descriptor*> seen = {task};
    for (size_t i = 0; i < queue.size(); ++i) {
      const Descriptor* type = queue[i];
      for (int f = 0; f < type->field_count(); ++f) {
        const FieldDescriptor* field = type->field(f);
        if (!DefaultFromOf(field).empty()) {
          if (absl::Status checked = CheckOneDefault(field, task); !checked.ok()) return checked;
        }
        if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
        const Descriptor* sub = field->message_type();
        if (field->is_map()) {
          const FieldDescriptor* value = sub->map_value();
          if (value->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
          sub = value->message_type();
        }
        if (seen.insert(sub).second) queue.push_back(sub);
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string DefaultFromOf(const FieldDescriptor* field) {
  const google::protobuf::FieldOptions& options = field->options();
  // Most fields have no options at all: they share the default instance.
  if (&options == &google::protobuf::FieldOptions::default_instance()) return "";
  if (options.HasExtension(heyhi::default_from)) return options.GetExtension(heyhi::default_from);
  const Reflection* r = options.GetReflection();
  std::vector<const FieldDescriptor*> set;
  r->ListFields(options, &set);
  for (const FieldDescriptor* option : set) {
    if (option->is_extension() && option->number() == kDefaultFromFieldNumber &&
        option->cpp_type() == FieldDescriptor::CPPTYPE_STRING && !option->is_repeated()) {
      return r->GetString(options, option);
    }
  }
  std::string found;
  const google::protobuf::UnknownFieldSet& unknown = r->GetUnknownFields(options);
  for (int i = 0; i < unknown.field_count(); ++i) {
    const google::protobuf::UnknownField& u = unknown.field(i);
    if (u.number() == kDefaultFromFieldNumber &&
        u.type() == google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) {
      found = u.length_delimited();
    }
  }
  if (!found.empty()) return found;
  for (const auto& option : options.uninterpreted_option()) {
    if (option.name_size() != 1 || !option.name(0).is_extension()) continue;
    absl::string_view name = option.name(0).name_part();
    if (!name.empty() && name.front() == '.') name.remove_prefix(1);
    if (name == kDefaultFromName) return option.string_value();
  }
  return "";
}

bool IsReferenceValue(absl::string_view value) { return absl::StartsWith(value, "${"); }

absl::StatusOr<std::string> ReferenceSourceKey(absl::string_view value) {
  absl::string_view inside = value;
  if (!absl::ConsumePrefix(&inside, "${") || !absl::ConsumeSuffix(&inside, "}") ||
      absl::StripAsciiWhitespace(inside).empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", value,
                     "' is no reference: write ${key} (e.g. ${batch_size}); a string that starts "
                     "with ${ is written \\",
                     value));
  }
  return std::string(absl::StripAsciiWhitespace(inside));
}

bool SameValueKind(const FieldDescriptor* target, const FieldDescriptor* source) {
  if (target->is_repeated() || source->is_repeated()) return false;
  const FieldDescriptor::CppType t = target->cpp_type(), s = source->cpp_type();
  if (t == FieldDescriptor::CPPTYPE_MESSAGE || s == FieldDescriptor::CPPTYPE_MESSAGE) return false;
  if (IsInteger(t) && IsInteger(s)) return true;
  if (IsFloating(t) && IsFloating(s)) return true;
  if (t == FieldDescriptor::CPPTYPE_ENUM || s == FieldDescriptor::CPPTYPE_ENUM) {
    return t == s && target->enum_type() == source->enum_type();
  }
  return target->type() == source->type();  // bool, string, bytes
}

absl::Status MakeReference(Message* msg, absl::string_view key, absl::string_view from,
                           const FieldPath& base, std::string origin,
                           std::vector<ProvenanceEntry>* entries) {
  const Descriptor* type = msg->GetDescriptor();
  absl::StatusOr<FieldPath> target = ResolveFieldPath(type, key);
  if (!target.ok()) return target.status();
  if (absl::Status end = CheckEnd(*target, key); !end.ok()) return end;
  absl::StatusOr<FieldPath> source = ResolveFieldPath(type, from);
  if (!source.ok()) return source.status();
  if (absl::Status end = CheckEnd(*source, from); !end.ok()) return end;
  const FieldDescriptor* target_field = target->back().field;
  const FieldDescriptor* source_field = source->back().field;
  if (!SameValueKind(target_field, source_field)) {
    return KindMismatch(key, target_field, from, source_field);
  }
  const FieldPath full = Concat(base, *target);
  if (PathTextNesting(full) > kMaxMessageNesting) {
    return absl::ResourceExhaustedError(absl::StrCat("'", key, "' nests the config more than ",
                                                     kMaxMessageNesting,
                                                     " messages deep (the limit, as in one file)"));
  }
  absl::StatusOr<Message*> holder =
      MutableMessageAt(msg, FieldPath(target->begin(), target->end() - 1));
  if (!holder.ok()) return holder.status();
  // A reference to a oneof member chooses it now, as a value written here
  // would: a later choice of another member wins over it.
  if (target_field->real_containing_oneof() != nullptr &&
      !(*holder)->GetReflection()->HasField(**holder, target_field)) {
    SetScalar(*holder, target_field, GetScalar(**holder, target_field));
  }
  entries->erase(std::remove_if(entries->begin(), entries->end(),
                                [&full](const ProvenanceEntry& entry) {
                                  return IsPrefixOf(full, entry.path);
                                }),
                 entries->end());
  entries->push_back(ProvenanceEntry{full, std::move(origin), Concat(base, *source)});
  return absl::OkStatus();
}

absl::StatusOr<std::vector<FieldReference>> ActiveReferences(
    const std::vector<ProvenanceEntry>& entries, const FieldPath& task_steps) {
  if (std::none_of(entries.begin(), entries.end(),
                   [](const ProvenanceEntry& entry) { return entry.reference_source; })) {
    return std::vector<FieldReference>();
  }
  absl::flat_hash_map<std::string, size_t> last;
  for (size_t i = 0; i < entries.size(); ++i) last[KeyText(entries[i].path)] = i;
  std::vector<FieldReference> active;
  for (size_t i = 0; i < entries.size(); ++i) {
    const ProvenanceEntry& entry = entries[i];
    if (!entry.reference_source || last[KeyText(entry.path)] != i) continue;
    if (!StartsWith(entry.path, task_steps) || !StartsWith(*entry.reference_source, task_steps)) {
      return absl::InvalidArgumentError(
          absl::StrCat("reference ", KeyText(entry.path), "=${", KeyText(*entry.reference_source),
                       "} (", entry.origin, ") is not inside the task message ",
                       KeyText(task_steps), ": references join fields of the task"));
    }
    active.push_back(
        FieldReference{FieldPath(entry.path.begin() + task_steps.size(), entry.path.end()),
                       FieldPath(entry.reference_source->begin() + task_steps.size(),
                                 entry.reference_source->end()),
                       entry.origin});
  }
  return active;
}

absl::StatusOr<std::vector<ResolvedReference>> ResolveReferences(
    Message* task, const std::vector<FieldReference>& references, bool with_default_from) {
  std::vector<Pending> pending;
  absl::flat_hash_map<std::string, size_t> by_target;
  for (const FieldReference& ref : references) {
    if (!MembersChosen(*task, ref.target)) continue;  // another member was chosen later
    Pending one{ref.target, ref.source, KeyText(ref.target), KeyText(ref.source), ref.origin};
    by_target[one.target_key] = pending.size();
    pending.push_back(std::move(one));
  }
  if (with_default_from) {
    std::vector<std::pair<FieldPath, const FieldDescriptor*>> defaults;
    DefaultFinder finder(&defaults);
    FieldPath at;
    std::vector<const Descriptor*> on_path;
    finder.Walk(*task, true, &at, &on_path);
    for (auto& [target, field] : defaults) {
      std::string key = KeyText(target);
      if (by_target.contains(key)) continue;
      // Checked with the schema for root configs; a partial config composed
      // alone may not hold the source.
      if (!ResolveFieldPath(task->GetDescriptor(), DefaultFromOf(field)).ok()) continue;
      absl::StatusOr<FieldPath> source = DefaultSource(field, task->GetDescriptor());
      if (!source.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(OptionPlace(field), ": ", source.status().message()));
      }
      Pending one{std::move(target), *source, key, KeyText(*source),
                  absl::StrCat("(heyhi.default_from) of ", field->full_name())};
      by_target[key] = pending.size();
      pending.push_back(std::move(one));
    }
  }

  // Sources before targets. Each reference depends on one other at most
  // (the one whose target is its source), so the walk follows chains.
  std::vector<size_t> order;
  std::vector<int> state(pending.size(), 0);  // 0 new, 1 on the chain, 2 ordered
  for (size_t start = 0; start < pending.size(); ++start) {
    if (state[start] != 0) continue;
    std::vector<size_t> chain = {start};
    state[start] = 1;
    while (!chain.empty()) {
      const size_t top = chain.back();
      auto next = by_target.find(pending[top].source_key);
      if (next != by_target.end() && state[next->second] == 1) {
        std::vector<std::string> keys, origins;
        auto from = std::find(chain.begin(), chain.end(), next->second);
        for (auto it = from; it != chain.end(); ++it) {
          keys.push_back(pending[*it].target_key);
          origins.push_back(absl::StrCat(pending[*it].target_key, ": ", pending[*it].origin));
        }
        keys.push_back(pending[next->second].target_key);
        return absl::InvalidArgumentError(
            absl::StrCat("reference cycle: ", absl::StrJoin(keys, " -> "), " (",
                         absl::StrJoin(origins, "; "), ")"));
      }
      if (next != by_target.end() && state[next->second] == 0) {
        state[next->second] = 1;
        chain.push_back(next->second);
        continue;
      }
      state[top] = 2;
      order.push_back(top);
      chain.pop_back();
    }
  }

  std::vector<ResolvedReference> resolved;
  resolved.reserve(order.size());
  for (size_t index : order) {
    const Pending& ref = pending[index];
    if (absl::Status moved = Transfer(task, ref); !moved.ok()) return moved;
    resolved.push_back(ResolvedReference{ref.target, ref.source, ref.origin});
  }
  return resolved;
}

absl::Status CheckDefaultFrom(const Descriptor* root) {
  if (!IsCompiledIn(root)) return CheckSchemaDefaults(root);
  // Compiled-in descriptors live as long as the process: check each once.
  static std::mutex mutex;
  static auto* checked = new std::map<const Descriptor*, absl::Status>();
  std::lock_guard<std::mutex> lock(mutex);
  auto it = checked->find(root);
  if (it == checked->end()) it = checked->emplace(root, CheckSchemaDefaults(root)).first;
  return it->second;
}

void StoreReferences(Message* root, const std::vector<ResolvedReference>& resolved) {
  const FieldDescriptor* refs = RefsField(root->GetDescriptor());
  if (refs == nullptr) return;
  const Reflection* r = root->GetReflection();
  r->ClearField(root, refs);
  for (const ResolvedReference& ref : resolved) {
    Message* stored = r->AddMessage(root, refs);
    const Descriptor* type = stored->GetDescriptor();
    stored->GetReflection()->SetString(stored, type->FindFieldByName("key"), KeyText(ref.target));
    stored->GetReflection()->SetString(stored, type->FindFieldByName("from"), KeyText(ref.source));
  }
}

}  // namespace heyhi
