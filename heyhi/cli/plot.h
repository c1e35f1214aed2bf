// `run plot SIG... [--metric M]... [-o FILE]`: one chart per metric, metric
// against epoch, one line per experiment labelled by its tag (SPEC §11).
#ifndef HEYHI_CLI_PLOT_H_
#define HEYHI_CLI_PLOT_H_

#include <string>
#include <vector>

#include "heyhi/cli/svg_chart.h"

namespace heyhi {

// The metrics of every experiment as one series per experiment per metric:
// `metrics` chosen, or every numeric metric but epoch, step and time.
struct MetricCharts {
  std::vector<std::string> metrics;
  std::vector<std::vector<ChartSeries>> series;  // one list per metric
};
MetricCharts ChartsOfMetrics(const std::vector<std::string>& exp_dirs,
                             const std::vector<std::string>& labels,
                             std::vector<std::string> metrics, std::vector<std::string>* warnings);

// The options of a metric's chart (its title and y label, the size every
// chart of `plot` and the grid report has).
ChartOptions MetricChartOptions(const std::string& metric);

// One SVG document holding one chart per metric, stacked.
std::string StackedChartsSvg(const MetricCharts& charts);

int PlotCommand(int argc, char** argv);

}  // namespace heyhi

#endif  // HEYHI_CLI_PLOT_H_
