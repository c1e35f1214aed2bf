// Reading one config file: {{ROOT_DIR}} substitution, merge-mode text parsing
// with located errors, and the location of every value written (provenance).
//
// The locations come from a scanner of our own. Protobuf's ParseInfoTree
// (TextFormat::Parser::WriteLocationsTo) was tried, on protobuf 3.21.12, with
// the text of the test LocationsOfEveryValueWithIndicesAndMapKeys; it cannot
// give:
// - a singular field written twice: GetLocation(field, -1) is where it was
//   first written, while merge mode keeps the last value; any other index on
//   a singular field is a fatal error ("Index must be -1 for singular fields").
// - what the second and later blocks of a singular message set (`agent {...}`
//   twice merges): GetTreeForNested(field, -1) is the first block only.
// - elements of the short form `ints: [1,\n 2]`: one location for the whole
//   list, at the field's name, so the next `ints: 3` takes index 1 and every
//   later index shifts; `agents [{...}, {...}]` gets a nested tree per
//   message but, again, one location for the list.
// - map keys: the key field is located, not read; the entries' key values
//   would have to come from the parsed map, whose order reflection does not
//   promise (here it was text order, duplicates included).
#include "heyhi/config/text_loader.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/text_format.h"
#include "heyhi/base/edit_distance.h"
#include "heyhi/base/files.h"
#include "heyhi/config/parsed_file_cache.h"

namespace heyhi {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::io::Tokenizer;

// The text between `marker` and the next '"' in `message`, "" if absent.
std::string QuotedAfter(const std::string& message, const std::string& marker) {
  const size_t begin = message.find(marker);
  if (begin == std::string::npos) return "";
  const size_t end = message.find('"', begin + marker.size());
  if (end == std::string::npos) return "";
  return message.substr(begin + marker.size(), end - begin - marker.size());
}

// The enum types of the fields named `name` in `type` and every message type
// reachable from it, in the order first found.
void EnumsOfFieldsNamed(const Descriptor* type, const std::string& name,
                        std::set<const Descriptor*>* seen,
                        std::vector<const EnumDescriptor*>* found) {
  if (type == nullptr || !seen->insert(type).second) return;
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (field->enum_type() != nullptr && field->name() == name &&
        std::find(found->begin(), found->end(), field->enum_type()) == found->end()) {
      found->push_back(field->enum_type());
    }
    EnumsOfFieldsNamed(field->message_type(), name, seen, found);
  }
}

std::string EnumValueNames(const EnumDescriptor* type) {
  std::vector<std::string> names;
  for (int i = 0; i < type->value_count(); ++i) {
    names.push_back(absl::StrCat(type->value(i)->name(), " (", type->value(i)->number(), ")"));
  }
  return absl::StrJoin(names, ", ");
}

// What would have been valid, for the parser's errors that have a finite set
// of answers: the closest field names for an unknown field, the values of
// the enum for an unknown enum value. "" for other errors.
std::string ValidAlternatives(const std::string& message, const Descriptor* root) {
  if (root == nullptr) return "";
  const std::string type_name = QuotedAfter(message, "Message type \"");
  const std::string field_name = QuotedAfter(message, "has no field named \"");
  if (!type_name.empty() && !field_name.empty()) {
    const Descriptor* type = root->file()->pool()->FindMessageTypeByName(type_name);
    if (type == nullptr) return "";
    std::vector<std::string> names;
    for (int i = 0; i < type->field_count(); ++i) names.push_back(type->field(i)->name());
    const std::vector<std::string> closest = ClosestMatches(field_name, names);
    return closest.empty() ? "" : absl::StrCat("; did you mean: ", absl::StrJoin(closest, ", "));
  }
  const std::string enum_field = QuotedAfter(message, "\" for field \"");
  if (absl::StartsWith(message, "Unknown enumeration value") && !enum_field.empty()) {
    std::set<const Descriptor*> seen;
    std::vector<const EnumDescriptor*> enums;
    EnumsOfFieldsNamed(root, enum_field, &seen, &enums);
    if (enums.size() == 1) return absl::StrCat("; expected one of ", EnumValueNames(enums[0]));
    std::vector<std::string> each;
    for (const EnumDescriptor* type : enums) {
      absl::StrAppend(&each.emplace_back(), type->name(), ": ", EnumValueNames(type));
    }
    return each.empty() ? "" : absl::StrCat("; expected, for ", absl::StrJoin(each, "; for "));
  }
  return "";
}

// Keeps the first error the parser reports, located 1-based, with the valid
// alternatives where they are a short list.
class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  FirstErrorCollector(const std::string& file, const std::string& text, const Descriptor* root)
      : file_(file), text_(text), root_(root) {}
  void AddError(int line, int column, const std::string& message) override {
    if (!error_.empty()) return;
    PointAtTheQuotedName(message, &line, &column);
    const std::string alternatives = ValidAlternatives(message, root_);
    error_ = absl::StrCat(
        file_, ":", line + 1, ":", column + 1, ": ",
        alternatives.empty() ? absl::string_view(message) : absl::StripSuffix(message, "."),
        alternatives);
  }
  const std::string& error() const { return error_; }

 private:
  // The parser reports an unknown field after reading its name, and an
  // unknown enum value at the token after it; point at the name or value
  // itself, which the message quotes.
  void PointAtTheQuotedName(const std::string& message, int* line, int* column) const {
    std::string name = QuotedAfter(message, "has no field named \"");
    if (name.empty()) name = QuotedAfter(message, "Unknown enumeration value of \"");
    if (name.empty()) return;
    size_t line_start = 0;
    for (int i = 0; i < *line && line_start != std::string::npos; ++i) {
      line_start = text_.find('\n', line_start);
      if (line_start != std::string::npos) ++line_start;
    }
    if (line_start == std::string::npos) return;
    const auto is_name_char = [](char c) { return absl::ascii_isalnum(c) || c == '_'; };
    size_t found = text_.rfind(name, std::min(line_start + std::max(*column, 0), text_.size()));
    while (found != std::string::npos &&
           ((found > 0 && is_name_char(text_[found - 1])) ||
            (found + name.size() < text_.size() && is_name_char(text_[found + name.size()])))) {
      found = found == 0 ? std::string::npos : text_.rfind(name, found - 1);
    }
    if (found == std::string::npos) return;
    const size_t found_line_start =
        text_.rfind('\n', found) == std::string::npos ? 0 : text_.rfind('\n', found) + 1;
    // Columns count tabs to the next multiple of 8, as the parser does.
    if (text_.substr(found_line_start, found - found_line_start).find('\t') != std::string::npos) {
      return;
    }
    *line = static_cast<int>(std::count(text_.begin(), text_.begin() + found, '\n'));
    *column = static_cast<int>(found - found_line_start);
  }

  const std::string& file_;
  const std::string& text_;
  const Descriptor* root_;
  std::string error_;
};

class SilentErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int, int, const std::string&) override {}
};

// Walks text the parser has already accepted and records where each field
// value stands. Guided by the descriptor only to know which fields hold
// messages, are repeated or are maps; it never rejects input.
class LocationScanner {
 public:
  LocationScanner(const std::string& text, google::protobuf::MessageFactory* factory,
                  std::vector<FieldLocation>* out)
      : factory_(factory),
        input_(text.data(), static_cast<int>(text.size())),
        tokenizer_(&input_, &errors_),
        out_(out) {
    tokenizer_.set_allow_f_after_float(true);
    tokenizer_.set_comment_style(Tokenizer::SH_COMMENT_STYLE);
    tokenizer_.set_require_space_after_number(false);
    tokenizer_.set_allow_multiline_strings(true);
    tokenizer_.Next();
  }

  void Scan(const Descriptor* type) {
    FieldPath prefix;
    ScanFields(type, &prefix, "");
  }

 private:
  const Tokenizer::Token& current() { return tokenizer_.current(); }
  bool AtEnd() { return current().type == Tokenizer::TYPE_END; }
  bool At(const char* symbol) {
    return current().type == Tokenizer::TYPE_SYMBOL && current().text == symbol;
  }
  bool TryConsume(const char* symbol) {
    if (!At(symbol)) return false;
    tokenizer_.Next();
    return true;
  }

  void Record(const FieldPath& path, int line, int column) {
    out_->push_back(FieldLocation{path, line + 1, column + 1});
  }

  int NextIndex(const FieldPath& prefix, const FieldDescriptor* field) {
    std::string key;
    for (const PathStep& step : prefix) {
      absl::StrAppend(&key, step.field->number(), ":", step.index, ":", step.key, "/");
    }
    absl::StrAppend(&key, field->number());
    return counters_[key]++;
  }

  // The next element of a repeated field, or a singular field.
  PathStep Step(const FieldPath& prefix, const FieldDescriptor* field) {
    return field->is_repeated() ? PathStep::Element(field, NextIndex(prefix, field))
                                : PathStep::Field(field);
  }

  static const FieldDescriptor* LookupField(const Descriptor* type, const std::string& name) {
    const FieldDescriptor* field = type->FindFieldByName(name);
    if (field != nullptr) return field;
    // A group is written by its type name.
    field = type->FindFieldByName(absl::AsciiStrToLower(name));
    if (field != nullptr && field->type() == FieldDescriptor::TYPE_GROUP &&
        field->message_type()->name() == name) {
      return field;
    }
    return nullptr;
  }

  // Fields until `close`, or the end of input when `close` is empty.
  void ScanFields(const Descriptor* type, FieldPath* prefix, const char* close) {
    while (!AtEnd()) {
      if (*close != '\0' && TryConsume(close)) return;
      ScanField(type, prefix);
    }
  }

  void ScanField(const Descriptor* type, FieldPath* prefix) {
    const int line = current().line;
    const int column = current().column;
    const FieldDescriptor* field = nullptr;
    if (At("[")) {
      SkipBalanced();  // extension or Any type URL: not tracked
    } else {
      field = LookupField(type, current().text);
      tokenizer_.Next();
    }
    TryConsume(":");
    if (field == nullptr) {
      SkipValue();
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (TryConsume("[")) {
        while (!AtEnd() && !TryConsume("]")) {
          ScanMessageValue(field, prefix, current().line, current().column);
          TryConsume(",");
        }
      } else {
        ScanMessageValue(field, prefix, line, column);
      }
    } else if (field->is_repeated() && TryConsume("[")) {
      while (!AtEnd() && !TryConsume("]")) {
        FieldPath path = *prefix;
        path.push_back(PathStep::Element(field, NextIndex(*prefix, field)));
        Record(path, current().line, current().column);
        ScanScalar();
        TryConsume(",");
      }
    } else {
      FieldPath path = *prefix;
      path.push_back(Step(*prefix, field));
      Record(path, line, column);
      std::string value = ScanScalar();
      if (capture_key_ && field->containing_type()->map_key() == field && field->name() == "key") {
        captured_key_ = KeyText(field, value);
      }
    }
    if (!TryConsume(";")) TryConsume(",");
  }

  void ScanMessageValue(const FieldDescriptor* field, FieldPath* prefix, int line, int column) {
    const char* close = At("<") ? ">" : "}";
    tokenizer_.Next();  // '{' or '<'
    if (field->is_map()) {
      ScanMapEntry(field, prefix, line, column, close);
      return;
    }
    prefix->push_back(Step(*prefix, field));
    Record(*prefix, line, column);
    ScanFields(field->message_type(), prefix, close);
    prefix->pop_back();
  }

  // A map entry is located by its key, which may come after its value: scan
  // the entry on its own, then re-root what it holds under the key.
  void ScanMapEntry(const FieldDescriptor* field, FieldPath* prefix, int line, int column,
                    const char* close) {
    std::vector<FieldLocation> entry;
    std::vector<FieldLocation>* saved_out = out_;
    std::map<std::string, int> saved_counters;
    saved_counters.swap(counters_);
    const bool saved_capture = capture_key_;
    std::string saved_key;
    saved_key.swap(captured_key_);
    out_ = &entry;
    capture_key_ = true;
    FieldPath entry_prefix;
    ScanFields(field->message_type(), &entry_prefix, close);
    std::string key;
    key.swap(captured_key_);
    out_ = saved_out;
    counters_.swap(saved_counters);
    capture_key_ = saved_capture;
    captured_key_.swap(saved_key);

    FieldPath path = *prefix;
    path.push_back(PathStep::Entry(field, key));
    Record(path, line, column);
    for (FieldLocation& location : entry) {
      if (location.path.empty() || location.path[0].field->name() != "value") continue;
      FieldPath rerooted = path;
      rerooted.insert(rerooted.end(), location.path.begin() + 1, location.path.end());
      out_->push_back(FieldLocation{rerooted, location.line, location.column});
    }
  }

  // One scalar value; returns its text (strings decoded and concatenated).
  std::string ScanScalar() {
    std::string text;
    if (At("-")) {
      text = "-";
      tokenizer_.Next();
    }
    if (current().type == Tokenizer::TYPE_STRING) {
      while (current().type == Tokenizer::TYPE_STRING) {
        Tokenizer::ParseStringAppend(current().text, &text);
        tokenizer_.Next();
      }
      return text;
    }
    if (!AtEnd()) {
      text += current().text;
      tokenizer_.Next();
    }
    return text;
  }

  void SkipValue() {
    if (At("{") || At("<") || At("[")) {
      SkipBalanced();
    } else {
      ScanScalar();
    }
  }

  // Skips one bracketed group, nested brackets of any kind included.
  void SkipBalanced() {
    int depth = 0;
    do {
      if (At("{") || At("<") || At("[")) ++depth;
      if (At("}") || At(">") || At("]")) --depth;
      tokenizer_.Next();
    } while (depth > 0 && !AtEnd());
  }

  // A map key (decoded when a string) read by the text format's own rules,
  // in the form paths use.
  std::string KeyText(const FieldDescriptor* key_field, const std::string& value) const {
    if (key_field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) return value;
    std::unique_ptr<google::protobuf::Message> entry(
        factory_->GetPrototype(key_field->containing_type())->New());
    if (!google::protobuf::TextFormat::ParseFieldValueFromString(value, key_field, entry.get())) {
      return value;
    }
    return MapKeyText(GetScalar(*entry, key_field));
  }

  google::protobuf::MessageFactory* factory_;
  google::protobuf::io::ArrayInputStream input_;
  SilentErrorCollector errors_;
  Tokenizer tokenizer_;
  std::vector<FieldLocation>* out_;
  std::map<std::string, int> counters_;  // next index per repeated field instance
  bool capture_key_ = false;
  std::string captured_key_;
};

}  // namespace

std::string SubstituteRootDir(const std::string& text, const std::string& project_root) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t open = text.find("{{", pos);
    if (open == std::string::npos) break;
    size_t name_begin = open + 2;
    while (name_begin < text.size() && text[name_begin] == ' ') ++name_begin;
    const bool named = text.compare(name_begin, 8, "ROOT_DIR") == 0;
    size_t name_end = name_begin + 8;
    while (named && name_end < text.size() && text[name_end] == ' ') ++name_end;
    if (named && text.compare(name_end, 2, "}}") == 0) {
      out.append(text, pos, open - pos);
      out += project_root;
      pos = name_end + 2;
    } else {
      out.append(text, pos, open + 2 - pos);
      pos = open + 2;
    }
  }
  out.append(text, pos, std::string::npos);
  return out;
}

absl::Status ParseText(const std::string& text, const std::string& display_name,
                       google::protobuf::Message* out, std::vector<FieldLocation>* locations) {
  google::protobuf::TextFormat::Parser parser;
  FirstErrorCollector errors(display_name, text, out->GetDescriptor());
  parser.RecordErrorsTo(&errors);
  parser.AllowPartialMessage(true);
  // Without a limit, a file of a few thousand nested messages exhausts the
  // stack of the parser (and of everything that walks the message after it).
  parser.SetRecursionLimit(kMaxMessageNesting);
  // Merge mode: a scalar given twice keeps the last value, messages merge,
  // repeated fields append, another oneof member switches the oneof.
  if (!parser.MergeFromString(text, out)) {
    return absl::InvalidArgumentError(
        errors.error().empty() ? absl::StrCat(display_name, ": cannot parse") : errors.error());
  }
  if (locations != nullptr) {
    LocationScanner(text, out->GetReflection()->GetMessageFactory(), locations)
        .Scan(out->GetDescriptor());
  }
  return absl::OkStatus();
}

int TextNesting(const google::protobuf::Message& msg, int limit) {
  if (limit < 0) return 0;
  const google::protobuf::Reflection* r = msg.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(msg, &fields);
  int deepest = 0;
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    // A map entry is a message of its own in text format.
    const int count = field->is_repeated() ? r->FieldSize(msg, field) : 1;
    for (int i = 0; i < count && deepest <= limit; ++i) {
      const google::protobuf::Message& sub =
          field->is_repeated() ? r->GetRepeatedMessage(msg, field, i) : r->GetMessage(msg, field);
      deepest = std::max(deepest, 1 + TextNesting(sub, limit - 1));
    }
    if (deepest > limit) return limit + 1;
  }
  return deepest;
}

int PathTextNesting(const FieldPath& path) {
  int levels = 0;
  for (const PathStep& step : path) {
    const FieldDescriptor* field = step.field;
    if (step.kind == PathStep::Kind::kField && field->is_repeated()) continue;  // a whole list
    if (step.kind == PathStep::Kind::kMapEntry) {
      ++levels;
      field = field->message_type()->map_value();
    }
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) ++levels;
  }
  return levels;
}

absl::StatusOr<std::string> ReadConfigFile(const std::string& path) {
  return ReadRegularFile(path, kMaxConfigBytes);
}

absl::Status ParseTextFile(const std::string& path, const std::string& project_root,
                           google::protobuf::Message* out, std::vector<FieldLocation>* locations,
                           const std::string& display_name) {
  const std::string& shown = display_name.empty() ? path : display_name;
  ParsedFileCache& cache = ParsedFileCache::Global();
  const google::protobuf::Descriptor* type = out->GetDescriptor();
  const std::string key = ParsedFileCache::Key(path, project_root, type);
  std::optional<FileStamp> stamp;
  int64_t stamped_ns = 0;
  if (!key.empty()) {
    stamped_ns = FileClockNowNs();  // before the stat: a write after it is racy
    stamp = StampOfRegularFile(path, kMaxConfigBytes);
  }
  std::shared_ptr<const ParsedFile> hit = stamp ? cache.Find(key, *stamp) : nullptr;
  std::optional<absl::StatusOr<std::string>> text;
  if (hit != nullptr && hit->Racy()) {
    text = ReadConfigFile(path);
    if (!text->ok()) return text->status();
    if (**text == hit->text) {
      int64_t before = hit->stamped_ns.load(std::memory_order_relaxed);
      while (before < stamped_ns && !hit->stamped_ns.compare_exchange_weak(
                                        before, stamped_ns, std::memory_order_relaxed)) {
      }
    } else {
      hit = nullptr;
    }
  }
  if (hit != nullptr) {
    out->MergeFrom(*hit->message);
    if (locations != nullptr) {
      locations->insert(locations->end(), hit->locations.begin(), hit->locations.end());
    }
    return absl::OkStatus();
  }
  if (!text.has_value()) text = ReadConfigFile(path);
  if (!text->ok()) return text->status();
  if (!stamp.has_value()) {
    return ParseText(SubstituteRootDir(**text, project_root), shown, out, locations);
  }
  std::unique_ptr<google::protobuf::Message> parsed(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
  auto file = std::make_shared<ParsedFile>();
  absl::Status status =
      ParseText(SubstituteRootDir(**text, project_root), shown, parsed.get(), &file->locations);
  if (!status.ok()) return status;  // errors are not kept
  out->MergeFrom(*parsed);
  if (locations != nullptr) {
    locations->insert(locations->end(), file->locations.begin(), file->locations.end());
  }
  file->message = std::move(parsed);
  file->text = std::move(**text);
  file->stamp = *stamp;
  file->stamped_ns.store(stamped_ns, std::memory_order_relaxed);
  cache.Insert(key, std::move(file));
  return absl::OkStatus();
}

}  // namespace heyhi
