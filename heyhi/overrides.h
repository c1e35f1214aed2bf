// Applying command-line overrides (`key=value`, SPEC §3) to a message.
#ifndef HEYHI_OVERRIDES_H_
#define HEYHI_OVERRIDES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace heyhi {

// Parses `tokens` and applies them as scalar overrides in order. A
// reference `key=${from}` gives `key` the value `from` has once every token
// is applied (a later `key=value` wins over it). Include overrides need files
// and a search path: use LoadConfig for those; here they are an error.
absl::Status ApplyOverrides(google::protobuf::Message* msg, const std::vector<std::string>& tokens);

}  // namespace heyhi

#endif  // HEYHI_OVERRIDES_H_
