// Printing a config: text format and the flat `key=value` form (SPEC §5).
#ifndef HEYHI_PRINT_H_
#define HEYHI_PRINT_H_

#include <string>
#include <vector>

#include "google/protobuf/message.h"

namespace heyhi {

// Text format with shortest round-trip numbers (`lr: 0.001`).
std::string PrintText(const google::protobuf::Message& msg);

// One `key=value` line per set field, sorted by key (byte order); repeated
// fields one line per element (`key.N=v`), maps `key.K=v` (K in double
// quotes when it is empty or holds '.' or '=': `key."a.b"=v`), a present message
// with nothing set inside `key=SELECT`. With `with_all`, also every unset
// field of the message and of its non-oneof sub-messages: its default, or
// `key=NULL` when it has none. A string value NULL or SELECT is written
// `\NULL`, `\SELECT`. Applying the lines (shell-unquoted) as
// overrides to an empty message rebuilds `msg`.
std::vector<std::string> Flatten(const google::protobuf::Message& msg, bool with_all);

}  // namespace heyhi

#endif  // HEYHI_PRINT_H_
