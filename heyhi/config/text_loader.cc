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

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/text_format.h"
#include "heyhi/base/files.h"

namespace heyhi {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::io::Tokenizer;

// Keeps the first error the parser reports, located 1-based.
class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  FirstErrorCollector(const std::string& file, const std::string& text)
      : file_(file), text_(text) {}
  void AddError(int line, int column, const std::string& message) override {
    if (!error_.empty()) return;
    column = NameColumn(line, column, message);
    error_ = absl::StrCat(file_, ":", line + 1, ":", column + 1, ": ", message);
  }
  const std::string& error() const { return error_; }

 private:
  // The parser reports an unknown field after reading its name; point at the
  // name itself, which the message quotes.
  int NameColumn(int line, int column, const std::string& message) const {
    static const std::string kMarker = "has no field named \"";
    const size_t marker = message.find(kMarker);
    if (marker == std::string::npos) return column;
    const size_t begin = marker + kMarker.size();
    const size_t end = message.find('"', begin);
    if (end == std::string::npos) return column;
    const std::string name = message.substr(begin, end - begin);
    size_t line_start = 0;
    for (int i = 0; i < line && line_start != std::string::npos; ++i) {
      line_start = text_.find('\n', line_start);
      if (line_start != std::string::npos) ++line_start;
    }
    if (line_start == std::string::npos) return column;
    const size_t line_end = std::min(text_.find('\n', line_start), text_.size());
    const std::string line_text = text_.substr(line_start, line_end - line_start);
    const size_t found = line_text.rfind(name, static_cast<size_t>(std::max(column, 0)));
    // Columns count tabs to the next multiple of 8, as the parser does.
    if (found == std::string::npos || line_text.find('\t') != std::string::npos) return column;
    return static_cast<int>(found);
  }

  const std::string& file_;
  const std::string& text_;
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
  FirstErrorCollector errors(display_name, text);
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
  absl::StatusOr<std::string> text = ReadConfigFile(path);
  if (!text.ok()) return text.status();
  return ParseText(SubstituteRootDir(*text, project_root),
                   display_name.empty() ? path : display_name, out, locations);
}

}  // namespace heyhi
