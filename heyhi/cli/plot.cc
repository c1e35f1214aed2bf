// Charts of metrics.jsonl: SVG from svg_chart, PNG through a converter when
// one is installed (rsvg-convert or ImageMagick's convert).
#include "heyhi/cli/plot.h"

#include <unistd.h>

#include <iostream>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "heyhi/base/command_line.h"
#include "heyhi/base/files.h"
#include "heyhi/base/subprocess.h"
#include "heyhi/cli/env_command.h"
#include "heyhi/exp_dir.h"
#include "heyhi/experiment/metrics.h"
#include "heyhi/experiment/naming.h"
#include "heyhi/experiment/xp_index.h"
#include "heyhi/experiment/xp_record.h"
#include "nlohmann/json.hpp"

namespace heyhi {
namespace {

constexpr int kChartWidth = 640;
constexpr int kChartHeight = 400;

bool IsBookkeeping(const std::string& key) {
  return key == "epoch" || key == "step" || key == "time";
}

constexpr FlagSpec kPlotFlags[] = {
    {"metric", true, "A metric to chart (repeatable); default: every one."},
    {"o", true, "Output file, .svg or .png (default plot.svg)."},
    {"json", false, "Print one JSON document naming the file and its charts."},
};

}  // namespace

MetricCharts ChartsOfMetrics(const std::vector<std::string>& exp_dirs,
                             const std::vector<std::string>& labels,
                             std::vector<std::string> metrics, std::vector<std::string>* warnings) {
  std::vector<std::vector<MetricsLine>> lines;
  std::set<std::string> found;
  for (const std::string& dir : exp_dirs) {
    lines.push_back(ReadMetrics(absl::StrCat(dir, "/", kMetricsFile), warnings));
    for (const MetricsLine& line : lines.back()) {
      for (const auto& [key, value] : line.values) {
        if (!IsBookkeeping(key)) found.insert(key);
      }
    }
  }
  if (metrics.empty()) metrics.assign(found.begin(), found.end());
  MetricCharts charts;
  charts.metrics = metrics;
  for (const std::string& metric : metrics) {
    std::vector<ChartSeries> series;
    for (size_t i = 0; i < exp_dirs.size(); ++i) {
      ChartSeries one;
      one.label = labels[i];
      for (const MetricsLine& line : lines[i]) {
        auto epoch = line.values.find("epoch");
        auto value = line.values.find(metric);
        if (epoch != line.values.end() && value != line.values.end()) {
          one.points.emplace_back(epoch->second, value->second);
        }
      }
      series.push_back(std::move(one));
    }
    charts.series.push_back(std::move(series));
  }
  return charts;
}

ChartOptions MetricChartOptions(const std::string& metric) {
  ChartOptions options;
  options.title = metric;
  options.y_label = metric;
  options.width = kChartWidth;
  options.height = kChartHeight;
  return options;
}

std::string StackedChartsSvg(const MetricCharts& charts) {
  const int count = std::max<int>(1, static_cast<int>(charts.metrics.size()));
  std::string out = absl::StrCat("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"", kChartWidth,
                                 "\" height=\"", kChartHeight * count, "\" viewBox=\"0 0 ",
                                 kChartWidth, " ", kChartHeight * count, "\">\n");
  for (size_t i = 0; i < charts.metrics.size(); ++i) {
    std::string chart = LineChartSvg(charts.series[i], MetricChartOptions(charts.metrics[i]));
    // Nested <svg> elements, each moved down to its own row.
    const size_t start = chart.find("<svg");
    if (start == std::string::npos) continue;
    chart = chart.substr(start);
    chart.insert(4, absl::StrCat(" y=\"", kChartHeight * static_cast<int>(i), "\""));
    absl::StrAppend(&out, chart, "\n");
  }
  if (charts.metrics.empty()) {
    absl::StrAppend(&out, "<text x=\"20\" y=\"40\">no metrics</text>\n");
  }
  absl::StrAppend(&out, "</svg>\n");
  return out;
}

int PlotCommand(int argc, char** argv) {
  absl::StatusOr<SplitArgs> args = SplitFlags(argc, argv, kPlotFlags);
  auto fail = [](const std::string& message, int code) {
    std::cerr << "run plot: " << message << std::endl;
    return code;
  };
  if (!args.ok()) return fail(std::string(args.status().message()), kExitBadUsage);
  std::vector<std::string> metrics;
  std::string output = "plot.svg";
  bool as_json = false;
  for (const auto& [name, value] : args->flags) {
    if (name == "metric") metrics.push_back(value);
    if (name == "o") output = value;
    if (name == "json") as_json = ParseSwitch(name, value).value_or(false);
  }
  if (args->others.empty()) {
    return fail("usage: run plot SIG... [--metric M]... [-o FILE.svg|FILE.png] [--json]",
                kExitBadUsage);
  }
  const bool png = absl::EndsWith(output, ".png");
  if (!png && !absl::EndsWith(output, ".svg")) {
    return fail(absl::StrCat("-o ", output, ": expected a .svg or .png file"), kExitBadUsage);
  }
  absl::StatusOr<std::string> found_root = ExpRootOfWorkingDir();
  if (!found_root.ok()) return fail(std::string(found_root.status().message()), kExitFailed);
  const std::string& exp_root = *found_root;
  std::vector<std::string> dirs, labels;
  for (const std::string& sig : args->others) {
    absl::StatusOr<std::string> dir = FindXp(exp_root, sig);
    if (!dir.ok()) return fail(std::string(dir.status().message()), kExitFailed);
    absl::StatusOr<XpRecord> record = ReadXpRecord(ExpDir(*dir, exp_root));
    if (!record.ok()) return fail(std::string(record.status().message()), kExitFailed);
    dirs.push_back(*dir);
    const std::string sig_text = record->sig().empty() ? SigFromExpDirName(*dir) : record->sig();
    labels.push_back(record->tag().empty() ? sig_text : absl::StrCat(record->tag(), " ", sig_text));
  }
  std::vector<std::string> warnings;
  const MetricCharts charts = ChartsOfMetrics(dirs, labels, metrics, &warnings);
  for (const std::string& warning : warnings) std::cerr << "run plot: " << warning << std::endl;
  const std::string svg = StackedChartsSvg(charts);
  const std::string svg_path = png ? output + ".svg" : output;
  if (absl::Status written = WriteFileAtomically(svg_path, svg); !written.ok()) {
    return fail(std::string(written.message()), kExitFailed);
  }
  if (png) {
    absl::StatusOr<std::string> converted = ProgramOutput({"rsvg-convert", "-o", output, svg_path});
    if (!converted.ok()) converted = ProgramOutput({"convert", svg_path, output});
    unlink(svg_path.c_str());
    if (!converted.ok()) {
      return fail(absl::StrCat("cannot write ", output,
                               ": no SVG converter worked (install librsvg2-bin for "
                               "rsvg-convert, or write .svg): ",
                               converted.status().message()),
                  kExitFailed);
    }
  }
  if (as_json) {
    std::cout << nlohmann::json({{"file", output}, {"metrics", charts.metrics}}).dump(2)
              << std::endl;
  } else {
    std::cout << "wrote " << output << " (" << charts.metrics.size() << " chart(s), " << dirs.size()
              << " experiment(s))" << std::endl;
  }
  return kExitOk;
}

}  // namespace heyhi
