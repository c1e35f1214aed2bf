// Command-line overrides: parsing tokens and applying `key=value` to any
// message by reflection (SPEC §3).
#include "heyhi/config/override.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "heyhi/config/field_path.h"
#include "heyhi/config/field_value.h"
#include "heyhi/config/references.h"

namespace heyhi {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr absl::string_view kNull = "NULL";
constexpr absl::string_view kSelect = "SELECT";

bool IsMessage(const FieldDescriptor* field) {
  return field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
}

absl::Status Prefixed(absl::string_view prefix, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(prefix, status.message()));
}

// Checks every step of `steps` in `msg` (appending allowed) and returns the
// message holding the last one. `*exists` tells whether the
// messages on the way are all there already.
absl::StatusOr<const Message*> CheckedHolder(const Message& msg, const FieldPath& steps,
                                             bool* exists) {
  absl::StatusOr<const Message*> holder =
      MessageAt(msg, steps, steps.size() - 1, exists, /*may_append=*/true);
  if (!holder.ok()) return holder;
  if (absl::Status checked = CheckStep(**holder, steps, steps.size() - 1, /*may_append=*/true);
      !checked.ok()) {
    return checked;
  }
  return holder;
}

// The message holding the last step, created if needed.
absl::StatusOr<Message*> MutableHolder(Message* msg, const FieldPath& steps) {
  return MutableMessageAt(msg, FieldPath(steps.begin(), steps.end() - 1));
}

// `key=NULL`: clears the last step. Messages on the way that are not there
// stay absent: nothing below them can need clearing.
absl::Status ClearAt(Message* msg, const FieldPath& steps) {
  bool exists;
  absl::StatusOr<const Message*> checked = CheckedHolder(*msg, steps, &exists);
  if (!checked.ok()) return checked.status();
  if (!exists) return absl::OkStatus();
  absl::StatusOr<Message*> parent = MutableHolder(msg, steps);
  if (!parent.ok()) return parent.status();
  const Reflection* r = (*parent)->GetReflection();
  const PathStep& last = steps.back();
  const FieldDescriptor* field = last.field;
  switch (last.kind) {
    case PathStep::Kind::kField:
      // Clearing an unchosen member would unset the chosen one.
      if (field->containing_oneof() == nullptr || r->HasField(**parent, field)) {
        r->ClearField(*parent, field);
      }
      break;
    case PathStep::Kind::kElement:
      if (last.index < r->FieldSize(**parent, field)) {
        RemoveRepeatedElement(*parent, field, last.index);
      }
      break;
    case PathStep::Kind::kAppend:
      break;  // names an element that is not there
    case PathStep::Kind::kMapEntry: {
      absl::StatusOr<int> entry = FindMapEntry(**parent, field, last.key);
      if (!entry.ok()) return entry.status();
      if (*entry >= 0) RemoveRepeatedElement(*parent, field, *entry);
      break;
    }
  }
  return absl::OkStatus();
}

// Splits the inside of `[a, 'b,c', "d"]` at commas outside quotes. String
// elements lose one pair of matching quotes; other elements are converted
// as written.
absl::StatusOr<std::vector<std::string>> SplitListLiteral(absl::string_view literal,
                                                          bool strip_quotes) {
  absl::string_view inside = absl::StripAsciiWhitespace(literal);
  inside.remove_prefix(1);
  inside.remove_suffix(1);
  std::vector<std::string> items;
  if (absl::StripAsciiWhitespace(inside).empty()) return items;
  std::string item;
  char quote = 0;
  auto finish = [&] {
    absl::string_view trimmed = absl::StripAsciiWhitespace(item);
    if (strip_quotes && trimmed.size() >= 2 && (trimmed[0] == '\'' || trimmed[0] == '"') &&
        trimmed.back() == trimmed[0]) {
      trimmed = trimmed.substr(1, trimmed.size() - 2);
    }
    items.emplace_back(trimmed);
    item.clear();
  };
  for (char c : inside) {
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == ',') {
      finish();
      continue;
    }
    item += c;
  }
  if (quote != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("unterminated ", std::string(1, quote), " quote in list ", literal));
  }
  finish();
  return items;
}

bool IsListLiteral(absl::string_view value) {
  absl::string_view trimmed = absl::StripAsciiWhitespace(value);
  return absl::StartsWith(trimmed, "[") && absl::EndsWith(trimmed, "]");
}

absl::Status WrongValueForm(const PathStep& last, absl::string_view key) {
  const FieldDescriptor* field = last.field;
  if (field->is_map()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", key, "' is a map: give ", key, ".<key>=value to set a key, ", key,
                     ".<key>=NULL to remove one, or ", key, "=NULL to empty it"));
  }
  if (IsMessage(field)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", key, "' is a repeated ", FieldTypeName(field), ": give ", key, ".N.<field>=value, ",
        key, ".N=SELECT or ", key, ".-1=SELECT to append an empty one, ", key, "=[] or ", key,
        "=NULL to empty it"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("'", key, "' is a repeated ", FieldTypeName(field), ": give ", key,
                   "=[v1, v2, ...] to replace the list, ", key, ".N=v to replace element N, ", key,
                   ".-1=v to append, or ", key, "=NULL to empty it"));
}

absl::Status SelectNeedsMessage(const FieldDescriptor* field, absl::string_view key) {
  return absl::InvalidArgumentError(absl::StrCat("SELECT applies to message fields; '", key,
                                                 "' is ", WithArticle(FieldTypeName(field))));
}

// The value's target, checked and converted before anything is changed.
struct Plan {
  bool select = false;                           // make the message present
  std::optional<ScalarValue> scalar;             // set (or append) this value
  std::optional<std::vector<ScalarValue>> list;  // replace the whole list
};

absl::StatusOr<Plan> PlanValue(const PathStep& last, absl::string_view key,
                               absl::string_view value) {
  const FieldDescriptor* field = last.field;
  // The field whose type the value must have.
  const FieldDescriptor* target =
      last.kind == PathStep::Kind::kMapEntry ? field->message_type()->map_value() : field;
  Plan plan;
  if (last.kind == PathStep::Kind::kField && field->is_repeated()) {
    if (field->is_map() || !IsListLiteral(value)) return WrongValueForm(last, key);
    absl::StatusOr<std::vector<std::string>> items =
        SplitListLiteral(value, field->cpp_type() == FieldDescriptor::CPPTYPE_STRING);
    if (!items.ok()) return items.status();
    if (IsMessage(field) && !items->empty()) return WrongValueForm(last, key);
    plan.list.emplace();
    for (const std::string& item : *items) {
      absl::StatusOr<ScalarValue> parsed = ParseScalar(field, item);
      if (!parsed.ok()) return Prefixed(absl::StrCat("'", key, "': "), parsed.status());
      plan.list->push_back(*std::move(parsed));
    }
    return plan;
  }
  if (value == kSelect) {
    if (!IsMessage(target)) return SelectNeedsMessage(target, key);
    plan.select = true;
    return plan;
  }
  if (IsMessage(target)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", key, "' is ", WithArticle(FieldTypeName(target)), ": give ", key,
                     "=SELECT, ", key, "=NULL, or set its fields (", key, ".<field>=value)"));
  }
  const bool text = target->cpp_type() == FieldDescriptor::CPPTYPE_STRING;
  absl::StatusOr<ScalarValue> parsed =
      ParseScalar(target, text ? UnescapeStringValue(value) : value);
  if (!parsed.ok()) return Prefixed(absl::StrCat("'", key, "': "), parsed.status());
  plan.scalar = *std::move(parsed);
  return plan;
}

absl::Status SetAt(Message* msg, const FieldPath& steps, absl::string_view key,
                   absl::string_view value) {
  const PathStep& last = steps.back();
  absl::StatusOr<Plan> plan = PlanValue(last, key, value);
  if (!plan.ok()) return plan.status();
  bool exists;
  absl::StatusOr<const Message*> checked = CheckedHolder(*msg, steps, &exists);
  if (!checked.ok()) return checked.status();
  absl::StatusOr<Message*> parent = MutableHolder(msg, steps);
  if (!parent.ok()) return parent.status();
  Message* m = *parent;
  const Reflection* r = m->GetReflection();
  const FieldDescriptor* field = last.field;
  switch (last.kind) {
    case PathStep::Kind::kField:
      if (plan->list) {
        r->ClearField(m, field);
        for (const ScalarValue& element : *plan->list) AddScalar(m, field, element);
      } else if (plan->select) {
        r->MutableMessage(m, field);
      } else {
        SetScalar(m, field, *plan->scalar);
      }
      break;
    case PathStep::Kind::kElement:
      if (last.index < r->FieldSize(*m, field)) {
        if (!plan->select) SetRepeatedScalar(m, field, last.index, *plan->scalar);
        break;
      }
      [[fallthrough]];
    case PathStep::Kind::kAppend:
      if (plan->select) {
        r->AddMessage(m, field);
      } else {
        AddScalar(m, field, *plan->scalar);
      }
      break;
    case PathStep::Kind::kMapEntry: {
      absl::StatusOr<Message*> entry = MutableMapEntry(m, field, last.key);
      if (!entry.ok()) return entry.status();
      const FieldDescriptor* value_field = field->message_type()->map_value();
      if (plan->select) {
        (*entry)->GetReflection()->MutableMessage(*entry, value_field);
      } else {
        SetScalar(*entry, value_field, *plan->scalar);
      }
      break;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<Override>> ParseOverrides(const std::vector<std::string>& tokens) {
  std::vector<Override> overrides;
  absl::flat_hash_map<std::pair<Override::Kind, std::string>, size_t> position;
  for (const std::string& token : tokens) {
    absl::string_view text = token;
    while (absl::StartsWith(text, "-")) text.remove_prefix(1);
    const size_t equals = KeyEnd(text);
    if (equals == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "override '", token,
          "' has no '=': expected key=value, key=NULL, key=SELECT or I<mount>=<path>"));
    }
    Override parsed;
    parsed.key = std::string(text.substr(0, equals));
    parsed.value = std::string(text.substr(equals + 1));
    parsed.token = token;
    if (absl::StartsWith(parsed.key, "I")) {
      parsed.kind = Override::Kind::kInclude;
      parsed.key.erase(0, 1);
      if (parsed.key == ".") parsed.key.clear();
    } else if (parsed.key.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("override '", token, "' has an empty key: expected key=value, e.g. lr=0.1"));
    }
    // Each appending step ("agents.-1.name") adds an element, so such keys
    // are never duplicates of one another.
    const bool appends = absl::StrContains(absl::StrCat(".", parsed.key, "."), ".-1.");
    auto [it, inserted] =
        position.try_emplace(std::make_pair(parsed.kind, parsed.key), overrides.size());
    if (inserted || appends) {
      overrides.push_back(std::move(parsed));
    } else {
      overrides[it->second] = std::move(parsed);
    }
  }
  return overrides;
}

namespace {

// `key=${from}` made in `msg` as the entry of a reference in `entries`.
absl::Status MakeOverrideReference(Message* msg, absl::string_view key, absl::string_view value,
                                   std::string origin, std::vector<ProvenanceEntry>* entries) {
  absl::StatusOr<std::string> from = ReferenceSourceKey(value);
  if (!from.ok()) return from.status();
  return MakeReference(msg, key, *from, {}, std::move(origin), entries);
}

// Resolves the references left in `entries` (no default_from: that is the
// composition's).
absl::Status ResolveMade(Message* msg, const std::vector<ProvenanceEntry>& entries) {
  absl::StatusOr<std::vector<FieldReference>> active = ActiveReferences(entries, {});
  if (!active.ok()) return active.status();
  return ResolveReferences(msg, *active, /*with_default_from=*/false).status();
}

}  // namespace

absl::Status ApplyScalarOverride(Message* msg, absl::string_view key, absl::string_view value) {
  if (key.empty() || key == ".") {
    return absl::InvalidArgumentError(
        absl::StrCat("empty key in override '", key, "=", value, "': expected key=value"));
  }
  if (IsReferenceValue(value)) {
    std::vector<ProvenanceEntry> entries;
    absl::Status made = MakeOverrideReference(msg, key, value, "override", &entries);
    if (!made.ok()) return made;
    return ResolveMade(msg, entries);
  }
  absl::StatusOr<FieldPath> steps = ResolveFieldPath(msg->GetDescriptor(), key);
  if (!steps.ok()) return steps.status();
  if (value == kNull) return ClearAt(msg, *steps);
  return SetAt(msg, *steps, key, value);
}

absl::Status ApplyScalarOverrides(Message* msg, const std::vector<Override>& overrides,
                                  std::vector<ProvenanceEntry>* entries) {
  for (const Override& override : overrides) {
    if (override.kind != Override::Kind::kScalar) continue;
    const std::string prefix = absl::StrCat("override '", override.token, "': ");
    if (IsReferenceValue(override.value)) {
      absl::Status made = MakeOverrideReference(msg, override.key, override.value,
                                                absl::StrCat("override ", override.token), entries);
      if (!made.ok()) return Prefixed(prefix, made);
      continue;
    }
    absl::Status applied = ApplyScalarOverride(msg, override.key, override.value);
    if (!applied.ok()) return Prefixed(prefix, applied);
    if (absl::StatusOr<FieldPath> steps = ConcretePath(*msg, override.key); steps.ok()) {
      entries->erase(std::remove_if(entries->begin(), entries->end(),
                                    [&steps](const ProvenanceEntry& entry) {
                                      return IsPrefixOf(*steps, entry.path);
                                    }),
                     entries->end());
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyOverrides(Message* msg, const std::vector<std::string>& tokens) {
  absl::StatusOr<std::vector<Override>> overrides = ParseOverrides(tokens);
  if (!overrides.ok()) return overrides.status();
  for (const Override& override : *overrides) {
    if (override.kind == Override::Kind::kInclude) {
      return absl::InvalidArgumentError(
          absl::StrCat("include override '", override.token,
                       "' needs a config file and its search path: give it to LoadConfig"));
    }
  }
  // References (key=${from}) are resolved once every token is applied.
  std::vector<ProvenanceEntry> entries;
  if (absl::Status applied = ApplyScalarOverrides(msg, *overrides, &entries); !applied.ok()) {
    return applied;
  }
  return ResolveMade(msg, entries);
}

}  // namespace heyhi
