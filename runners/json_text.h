// Writing the small JSON objects of metrics.jsonl and result.json, and
// reading a number back out of one.
#ifndef RUNNERS_JSON_TEXT_H_
#define RUNNERS_JSON_TEXT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace runners {

// Builds one JSON object, keys in insertion order. Doubles are written in
// their shortest round-trip form, so reading a figure back gives the same
// double.
class JsonObject {
 public:
  JsonObject& Add(const std::string& key, double value);
  JsonObject& Add(const std::string& key, int64_t value);
  JsonObject& Add(const std::string& key, int value) { return Add(key, int64_t{value}); }
  JsonObject& Add(const std::string& key, const std::string& value);
  JsonObject& Add(const std::string& key, const char* value) {
    return Add(key, std::string(value));
  }
  // `json` is already JSON (an object or array).
  JsonObject& AddRaw(const std::string& key, const std::string& json);

  // The object on one line.
  std::string str() const { return "{" + body_ + "}"; }

 private:
  void AddKey(const std::string& key);
  std::string body_;
};

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(const std::string& text);

// The number stored under the top-level `key` of the flat JSON object `json`
// (as JsonObject writes it). Error if the key is missing or not a number.
absl::StatusOr<double> JsonNumberField(const std::string& json, const std::string& key);

}  // namespace runners

#endif  // RUNNERS_JSON_TEXT_H_
