// The sweep grammar (SPEC §12): `key=a,b,c`, `range(start,stop[,step])`,
// `choice(a,b)`, `glob(PATTERN)`, and the product of the axes it defines.
#ifndef HEYHI_CONFIG_SWEEP_H_
#define HEYHI_CONFIG_SWEEP_H_

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace heyhi {

// The most members one sweep or grid may define: a product that would be
// larger is refused before it is built (memory stays bounded).
inline constexpr size_t kMaxSweepMembers = 100000;

// One axis: a key and the override tokens of its values, in order.
struct SweepAxis {
  std::string key;                  // as written, dashes stripped ("lr", "Iencoder")
  std::vector<std::string> tokens;  // "key=value" for each value
};

// The names an include override could take at `mount` that match the glob
// `pattern` (SPEC §12 glob()); sorted, without duplicates.
using IncludeGlob = std::function<absl::StatusOr<std::vector<std::string>>(
    const std::string& mount, const std::string& pattern)>;

// The glob of a config file: the names (`*.prototxt` without the
// extension) in the folders an include at the mount would search from the
// config's folder (IncludeSearchFolders), matching the fnmatch pattern.
IncludeGlob IncludeGlobFor(const std::string& config_path, const std::string& conf_root = "");

// Splits `text` at the commas that are outside (), [], {} and quotes.
// Unbalanced brackets or an unclosed quote are an error naming the position.
absl::StatusOr<std::vector<std::string>> SplitSweepValues(absl::string_view text);

// The values one sweep value list stands for: every top-level item as
// itself, except `range(...)`, `choice(...)` and (for an include override
// key, `I...`) `glob(...)`, which expand in place. Errors name the item and
// the forms that are valid. `glob` may be null when no include can be found.
absl::StatusOr<std::vector<std::string>> ExpandSweepValues(absl::string_view key,
                                                           absl::string_view text,
                                                           const IncludeGlob& glob);

// Parses one `key=values` token of `run --sweep` into an axis (a token with
// one value is an axis of one). A token without '=' is an error.
absl::StatusOr<SweepAxis> ParseSweepToken(absl::string_view token, const IncludeGlob& glob);

// The members of the product of `axes`, in the order written (the last axis
// varies fastest); each member the tokens of its values. A key given twice,
// an empty axis or more than kMaxSweepMembers members is an error.
absl::StatusOr<std::vector<std::vector<std::string>>> SweepProduct(
    const std::vector<SweepAxis>& axes);

}  // namespace heyhi

#endif  // HEYHI_CONFIG_SWEEP_H_
