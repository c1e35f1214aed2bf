// Small helpers over composed configs: get/set/test a field by dotted path,
// copy with overrides, save to a file (SPEC §10).
#ifndef HEYHI_CONF_ACCESS_H_
#define HEYHI_CONF_ACCESS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"

namespace heyhi {

// The flat-form value of the field at `key` (a message prints in text format).
absl::StatusOr<std::string> ConfGet(const google::protobuf::Message& msg, const std::string& key);
// Same as the override `key=value`; `value` "${from}" copies the value the
// field `from` has now (a field reference resolved at once).
absl::Status ConfSet(google::protobuf::Message* msg, const std::string& key,
                     const std::string& value);
// Whether the field at `key` is set (a repeated field: non-empty).
absl::StatusOr<bool> ConfIsSet(const google::protobuf::Message& msg, const std::string& key);

// A copy of `frozen` with scalar overrides applied.
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> WithOverrides(
    const google::protobuf::Message& frozen, const std::vector<std::string>& overrides);

// Writes `msg` in text format to `path` atomically (temp file + rename).
absl::Status SaveConfig(const google::protobuf::Message& msg, const std::string& path);

}  // namespace heyhi

#endif  // HEYHI_CONF_ACCESS_H_
