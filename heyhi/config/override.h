// Command-line overrides: parsing `key=value` / `I<mount>=<path>` tokens and
// applying scalar overrides to a message by reflection (SPEC §3).
#ifndef HEYHI_CONFIG_OVERRIDE_H_
#define HEYHI_CONFIG_OVERRIDE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "heyhi/config/provenance.h"
#include "heyhi/overrides.h"

namespace heyhi {

// One override token, split.
struct Override {
  enum class Kind { kScalar, kInclude };
  Kind kind = Kind::kScalar;
  std::string key;    // dotted path; for includes the mount ("" = task root)
  std::string value;  // raw text after the first '='
  std::string token;  // the token as given on the command line
};

// Parses tokens: strips any number of leading '-', splits at the first '=',
// classifies `I<mount>=` tokens as include overrides. Duplicate keys keep the
// last value at the position of their first appearance. A token without '='
// is an error showing the expected forms.
absl::StatusOr<std::vector<Override>> ParseOverrides(const std::vector<std::string>& tokens);

// Applies one scalar override `key=value` to `msg` (value typed by the
// schema; NULL, SELECT, indices, -1 append, list literals, map keys: SPEC §3).
// A reference `key=${from}` takes the value `from` has now: LoadConfig and
// ApplyOverrides resolve references once all overrides are applied instead.
absl::Status ApplyScalarOverride(google::protobuf::Message* msg, absl::string_view key,
                                 absl::string_view value);

// Applies the scalar overrides among `overrides` to `msg`, in order. A
// reference (`key=${from}`) is made (MakeReference) with its entry appended
// to `entries` (paths from `msg`), to be resolved by the caller; any other
// value drops the entries at or under its key, as it wins over them. Errors
// name the token.
absl::Status ApplyScalarOverrides(google::protobuf::Message* msg,
                                  const std::vector<Override>& overrides,
                                  std::vector<ProvenanceEntry>* entries);

}  // namespace heyhi

#endif  // HEYHI_CONFIG_OVERRIDE_H_
