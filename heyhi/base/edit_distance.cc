// Edit distance between names, for "did you mean" suggestions.
#include "heyhi/base/edit_distance.h"

#include <algorithm>
#include <numeric>
#include <utility>

namespace heyhi {

int EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<int> previous(b.size() + 1), current(b.size() + 1);
  std::iota(previous.begin(), previous.end(), 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      const int substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitute});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::vector<std::string> ClosestMatches(absl::string_view wanted,
                                        const std::vector<std::string>& candidates, int n) {
  std::vector<std::pair<int, size_t>> ranked;
  ranked.reserve(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) {
    ranked.emplace_back(EditDistance(wanted, candidates[i]), i);
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> closest;
  for (size_t i = 0; i < ranked.size() && static_cast<int>(closest.size()) < n; ++i) {
    closest.push_back(candidates[ranked[i].second]);
  }
  return closest;
}

}  // namespace heyhi
