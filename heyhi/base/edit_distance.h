// Edit distance between names, for "did you mean" suggestions.
#ifndef HEYHI_BASE_EDIT_DISTANCE_H_
#define HEYHI_BASE_EDIT_DISTANCE_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace heyhi {

// Levenshtein distance between two strings.
int EditDistance(absl::string_view a, absl::string_view b);

// The `n` candidates closest to `wanted` by edit distance, closest first
// (ties by candidate order).
std::vector<std::string> ClosestMatches(absl::string_view wanted,
                                        const std::vector<std::string>& candidates, int n = 5);

}  // namespace heyhi

#endif  // HEYHI_BASE_EDIT_DISTANCE_H_
