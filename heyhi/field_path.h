// Dotted field paths ("encoder.transformer.num_heads", "agents.0.name",
// "counts.x") walked over any message by descriptor reflection.
#ifndef HEYHI_FIELD_PATH_H_
#define HEYHI_FIELD_PATH_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace heyhi {

// Returns the sub-message at `path` inside `root`, creating every message on
// the way. Passing through a member of a oneof selects that member. An index
// step ("agents.0") addresses an existing element of a repeated message field;
// index == size or -1 appends a new element. A map step ("agent_map.k")
// addresses the value of that key, inserting it when absent. The empty path
// (or ".") is `root` itself. Errors name the failing step and suggest the
// closest valid paths.
absl::StatusOr<google::protobuf::Message*> MutableMessageAt(
    google::protobuf::Message* root, absl::string_view path);

// The message type found at `path` from `type`, without any instance.
// Index and map-key steps are accepted and skipped.
absl::StatusOr<const google::protobuf::Descriptor*> MessageTypeAt(
    const google::protobuf::Descriptor* type, absl::string_view path);

// Every dotted field path reachable from `type` (fields of sub-messages
// included), up to `max_depth` levels; recursive types stop there. Used to
// suggest what the user may have meant.
std::vector<std::string> AllFieldPaths(const google::protobuf::Descriptor* type,
                                       int max_depth = 6);

// The `n` candidates closest to `wanted` by edit distance, closest first
// (ties by candidate order).
std::vector<std::string> ClosestMatches(absl::string_view wanted,
                                        const std::vector<std::string>& candidates,
                                        int n = 5);

// Levenshtein distance between two strings.
int EditDistance(absl::string_view a, absl::string_view b);

}  // namespace heyhi

#endif  // HEYHI_FIELD_PATH_H_
