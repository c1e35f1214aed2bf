// Minimal JSON output (and a number reader) for the runners' result files.
#include "runners/json_text.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace runners {

std::string JsonQuote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

void JsonObject::AddKey(const std::string& key) {
  if (!body_.empty()) body_ += ", ";
  body_ += JsonQuote(key) + ": ";
}

JsonObject& JsonObject::Add(const std::string& key, double value) {
  AddKey(key);
  if (!std::isfinite(value)) {
    body_ += "null";  // JSON has no NaN or infinity
    return *this;
  }
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  body_.append(buffer, result.ptr);
  return *this;
}

JsonObject& JsonObject::Add(const std::string& key, int64_t value) {
  AddKey(key);
  absl::StrAppend(&body_, value);
  return *this;
}

JsonObject& JsonObject::Add(const std::string& key, const std::string& value) {
  AddKey(key);
  body_ += JsonQuote(value);
  return *this;
}

JsonObject& JsonObject::AddRaw(const std::string& key, const std::string& json) {
  AddKey(key);
  body_ += json;
  return *this;
}

absl::StatusOr<double> JsonNumberField(const std::string& json, const std::string& key) {
  const std::string quoted = JsonQuote(key);
  // Top-level keys only: skip matches inside nested objects or arrays.
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') --depth;
    if (c != '"') continue;
    if (depth == 1 && json.compare(i, quoted.size(), quoted) == 0) {
      size_t pos = i + quoted.size();
      while (pos < json.size() && json[pos] == ' ') ++pos;
      if (pos >= json.size() || json[pos] != ':') {  // a string value, not a key
        in_string = true;
        continue;
      }
      ++pos;
      while (pos < json.size() && json[pos] == ' ') ++pos;
      double value = 0;
      auto result = std::from_chars(json.data() + pos, json.data() + json.size(), value);
      if (result.ec != std::errc()) {
        return absl::InvalidArgumentError(
            absl::StrCat("JSON key \"", key, "\" does not hold a number in: ", json));
      }
      return value;
    }
    in_string = true;
  }
  return absl::NotFoundError(absl::StrCat("no JSON key \"", key, "\" in: ", json));
}

}  // namespace runners
