// SVG line charts of metrics per epoch, for `run plot` and the HTML grid report.
#ifndef HEYHI_CLI_SVG_CHART_H_
#define HEYHI_CLI_SVG_CHART_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace heyhi {

// One line of a chart: one experiment's metric.
struct ChartSeries {
  std::string label;
  // (x, y), x = epoch. Drawn in the given order; a point with a non-finite
  // coordinate (nan, inf) is left out and breaks the line there.
  std::vector<std::pair<double, double>> points;
};

struct ChartOptions {
  std::string title;  // "" draws none
  std::string x_label = "epoch";
  std::string y_label;
  // Pixels; sizes below 200 x 150 are raised to that, so the plot area never
  // vanishes behind the margins.
  int width = 640;
  int height = 400;
};

// One self-contained SVG document (no scripts, no external references): axes
// with about 5 ticks each at 1-2-5 steps that cover the data (y padded 5% past
// it at each end), tick labels, title, axis labels, one
// <path class="series" data-label="..."> per series in a colour of a fixed
// palette, a legend, and a <circle> per point of a series of at most 50
// points. With no finite point at all, a valid SVG saying "no data".
std::string LineChartSvg(const std::vector<ChartSeries>& series, const ChartOptions& options);

// `text` with &, <, >, " and ' escaped, usable in XML text and attribute
// values alike. Control characters XML 1.0 forbids become U+FFFD, so no label
// can make the document unparseable.
std::string XmlEscape(absl::string_view text);

}  // namespace heyhi

#endif  // HEYHI_CLI_SVG_CHART_H_
