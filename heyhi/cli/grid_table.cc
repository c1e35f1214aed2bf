// Renderings of a grid's table: aligned text, JSON, and an HTML report.
#include "heyhi/cli/grid_table.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "heyhi/cli/svg_chart.h"
#include "nlohmann/json.hpp"

namespace heyhi {
namespace {

// Statuses in the order the counts list them; any other status follows, in
// the order the rows first show it.
constexpr const char* kStatusOrder[] = {"NOT_STARTED", "RUNNING", "DONE", "DEAD", "DROPPED"};

std::vector<std::pair<std::string, int>> StatusCounts(const GridTable& table) {
  std::vector<std::pair<std::string, int>> counts;
  for (const char* status : kStatusOrder) counts.emplace_back(status, 0);
  for (const GridTable::Row& row : table.rows) {
    auto it = std::find_if(counts.begin(), counts.end(),
                           [&](const auto& count) { return count.first == row.status; });
    if (it == counts.end()) {
      counts.emplace_back(row.status, 1);
    } else {
      ++it->second;
    }
  }
  counts.erase(std::remove_if(counts.begin(), counts.end(),
                              [](const auto& count) { return count.second == 0; }),
               counts.end());
  return counts;
}

std::string MembersText(size_t count) {
  return absl::StrCat(count, count == 1 ? " member" : " members");
}

// "1 NOT_STARTED, 2 DONE"
std::string CountsText(const GridTable& table) {
  std::vector<std::string> parts;
  for (const auto& [status, count] : StatusCounts(table)) {
    parts.push_back(absl::StrCat(count, " ", status));
  }
  return absl::StrJoin(parts, ", ");
}

std::optional<double> MetricOf(const GridTable::Row& row, size_t i) {
  return i < row.metrics.size() ? row.metrics[i] : std::nullopt;
}

// `text` for a terminal: control characters as C escapes; with
// `keep_tabs`, tabs as they are.
std::string Printable(absl::string_view text, bool keep_tabs = false) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) {
      out += c;
    } else if (c == '\t') {
      out += keep_tabs ? "\t" : "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      absl::StrAppendFormat(&out, "\\x%02x", u);
    }
  }
  return out;
}

// Columns on a terminal: one per UTF-8 character (continuation bytes take
// none).
size_t DisplayWidth(absl::string_view text) {
  size_t width = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++width;
  }
  return width;
}

std::string OrDash(const std::string& text) { return text.empty() ? "-" : text; }

std::string NumberOrDash(const std::optional<double>& value) {
  return value ? ShortNumber(*value) : "-";
}

std::string AgeOrDash(const std::optional<int64_t>& age) { return age ? ShortAge(*age) : "-"; }

// The lines of a log's tail, without blank lines at either end.
std::vector<std::string> ErrorLines(const std::string& error) {
  std::vector<std::string> lines = absl::StrSplit(error, '\n');
  for (std::string& line : lines) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  const auto first = std::find_if(lines.begin(), lines.end(),
                                  [](const std::string& line) { return !line.empty(); });
  lines.erase(lines.begin(), first);
  return lines;
}

std::string HtmlEscape(absl::string_view text) { return XmlEscape(text); }

// A status as a class name: letters, digits, '-' and '_' only.
std::string ClassName(absl::string_view status) {
  std::string out;
  for (char c : status) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_';
    out += plain ? c : '_';
  }
  return out;
}

std::string RowLabel(const GridTable::Row& row) {
  return absl::StrCat(row.index, " ", row.name.empty() ? row.sig : row.name);
}

// Values stay on one line each; light colours mark the status.
constexpr char kStyle[] = R"css(
body { font-family: sans-serif; margin: 1.5em; color: #222; background: #fff; }
h1 { font-size: 1.4em; margin: 0 0 0.4em 0; }
h2 { font-size: 1.15em; margin: 1.4em 0 0.5em 0; }
code, pre, td.sig, td.job { font-family: monospace; }
h3 { font-size: 1em; margin: 1em 0 0.3em 0; }
p.counts span.count { font-weight: bold; }
p.shared code { background: #f3f3f3; padding: 0 0.3em; margin-right: 0.4em; }
table.members { border-collapse: collapse; font-size: 0.92em; }
table.members th, table.members td { border-bottom: 1px solid #ddd; padding: 0.25em 0.7em;
  text-align: left; white-space: nowrap; }
table.members th { background: #f3f3f3; }
table.members td.num, table.members th.num { text-align: right; }
tr.status-RUNNING td.status, span.status-RUNNING { color: #1f62b4; }
tr.status-DONE td.status, span.status-DONE { color: #2a8a2a; }
tr.status-DEAD td.status, span.status-DEAD { color: #c62828; font-weight: bold; }
td.status a { color: inherit; }
tr.status-DROPPED, span.status-DROPPED { color: #888; }
tr.status-NOT_STARTED td.status, span.status-NOT_STARTED { color: #777; }
div.error pre { background: #fbeeee; padding: 0.6em; overflow-x: auto; }
figure.chart { display: inline-block; margin: 0.5em 1em 1em 0; }
figure.chart svg { max-width: 100%; height: auto; }
)css";

}  // namespace

std::string ShortAge(int64_t seconds) {
  if (seconds < 0) seconds = 0;
  if (seconds < 120) return absl::StrCat(seconds, "s");
  if (seconds < 7200) return absl::StrCat(seconds / 60, "m");
  if (seconds < 172800) return absl::StrCat(seconds / 3600, "h");
  return absl::StrCat(seconds / 86400, "d");
}

std::string ShortNumber(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return absl::StrFormat("%.4g", value);
}

std::string GridTableText(const GridTable& table) {
  std::string out = absl::StrCat("grid ", Printable(table.grid_name), ": ");
  if (table.rows.empty()) {
    absl::StrAppend(&out, "no members\n");
  } else {
    absl::StrAppend(&out, MembersText(table.rows.size()), ": ", CountsText(table), "\n");
  }
  if (!table.shared.empty()) {
    std::vector<std::string> shared;
    for (const std::string& token : table.shared) shared.push_back(Printable(token));
    absl::StrAppend(&out, "shared: ", absl::StrJoin(shared, " "), "\n");
  }
  if (table.rows.empty()) return out;

  // Cells by row, the header first; numbers are right-aligned.
  std::vector<std::string> header = {"IDX", "NAME", "STATUS", "SIG", "JOB", "EPOCH"};
  std::vector<bool> right = {true, false, false, false, false, true};
  for (const std::string& metric : table.metric_names) {
    header.push_back(Printable(metric));
    right.push_back(true);
  }
  header.push_back("LOG_AGE");
  right.push_back(true);
  std::vector<std::vector<std::string>> cells = {header};
  for (const GridTable::Row& row : table.rows) {
    std::vector<std::string> line = {absl::StrCat(row.index),       OrDash(Printable(row.name)),
                                     OrDash(Printable(row.status)), OrDash(Printable(row.sig)),
                                     OrDash(Printable(row.job_id)), NumberOrDash(row.epoch)};
    for (size_t i = 0; i < table.metric_names.size(); ++i) {
      line.push_back(NumberOrDash(MetricOf(row, i)));
    }
    line.push_back(AgeOrDash(row.log_age_s));
    cells.push_back(std::move(line));
  }
  std::vector<size_t> widths(header.size(), 0);
  for (const auto& line : cells) {
    for (size_t c = 0; c < line.size(); ++c) widths[c] = std::max(widths[c], DisplayWidth(line[c]));
  }
  for (const auto& line : cells) {
    std::string text;
    for (size_t c = 0; c < line.size(); ++c) {
      if (c > 0) text += "  ";
      const std::string padding(widths[c] - DisplayWidth(line[c]), ' ');
      absl::StrAppend(&text, right[c] ? padding : "", line[c], right[c] ? "" : padding);
    }
    text.erase(text.find_last_not_of(' ') + 1);
    absl::StrAppend(&out, text, "\n");
  }

  for (const GridTable::Row& row : table.rows) {
    if (row.error.empty()) continue;
    absl::StrAppend(&out, "\n", row.index, row.name.empty() ? "" : " ", Printable(row.name), ": ",
                    Printable(row.status), ", ", Printable(row.exp_dir), "\n");
    for (const std::string& line : ErrorLines(row.error)) {
      absl::StrAppend(&out, "    ", Printable(line, /*keep_tabs=*/true), "\n");
    }
  }
  return out;
}

std::string GridTableJson(const GridTable& table) {
  using nlohmann::ordered_json;
  auto number = [](const std::optional<double>& value) -> ordered_json {
    if (!value || !std::isfinite(*value)) return nullptr;
    return *value;
  };
  auto text_or_null = [](const std::string& text) -> ordered_json {
    if (text.empty()) return nullptr;
    return text;
  };
  ordered_json counts = ordered_json::object();
  for (const auto& [status, count] : StatusCounts(table)) counts[status] = count;
  ordered_json rows = ordered_json::array();
  for (const GridTable::Row& row : table.rows) {
    ordered_json metrics = ordered_json::object();
    for (size_t i = 0; i < table.metric_names.size(); ++i) {
      metrics[table.metric_names[i]] = number(MetricOf(row, i));
    }
    ordered_json age = nullptr;
    if (row.log_age_s) age = *row.log_age_s;
    rows.push_back(ordered_json{{"index", row.index},
                                {"name", row.name},
                                {"status", row.status},
                                {"sig", row.sig},
                                {"job_id", text_or_null(row.job_id)},
                                {"epoch", number(row.epoch)},
                                {"metrics", std::move(metrics)},
                                {"log_age_s", std::move(age)},
                                {"exp_dir", row.exp_dir},
                                {"error", text_or_null(row.error)}});
  }
  const ordered_json document{{"grid", table.grid_name},
                              {"shared", table.shared},
                              {"metrics", table.metric_names},
                              {"counts", std::move(counts)},
                              {"rows", std::move(rows)}};
  return document.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

std::string GridReportHtml(const GridTable& table, const MetricCharts& charts) {
  const std::string name = HtmlEscape(table.grid_name);
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      // Nothing may be fetched nor run: the page is whole as written.
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>grid ",
      name, "</title>\n<style>", kStyle, "</style>\n</head>\n<body>\n");
  absl::StrAppend(&out, "<h1>grid <span class=\"grid-name\">", name, "</span></h1>\n");
  absl::StrAppend(&out, "<p class=\"counts\"><span class=\"members\">",
                  table.rows.empty() ? "no members" : MembersText(table.rows.size()), "</span>");
  const char* separator = ": ";
  for (const auto& [status, count] : StatusCounts(table)) {
    absl::StrAppend(&out, separator);
    separator = ", ";
    absl::StrAppend(&out, "<span class=\"count status-", ClassName(status), "\" data-status=\"",
                    HtmlEscape(status), "\" data-count=\"", count, "\">", count, " ",
                    HtmlEscape(status), "</span>");
  }
  absl::StrAppend(&out, "</p>\n");
  if (!table.shared.empty()) {
    absl::StrAppend(&out, "<p class=\"shared\">Shared overrides:");
    for (const std::string& token : table.shared) {
      absl::StrAppend(&out, " <code>", HtmlEscape(token), "</code>");
    }
    absl::StrAppend(&out, "</p>\n");
  }

  absl::StrAppend(&out,
                  "<table class=\"members\">\n<thead><tr><th class=\"num\">IDX</th><th>NAME</th>"
                  "<th>STATUS</th><th>SIG</th><th>JOB</th><th class=\"num\">EPOCH</th>");
  for (const std::string& metric : table.metric_names) {
    absl::StrAppend(&out, "<th class=\"num metric\" data-metric=\"", HtmlEscape(metric), "\">",
                    HtmlEscape(metric), "</th>");
  }
  absl::StrAppend(&out, "<th class=\"num\">LOG_AGE</th></tr></thead>\n<tbody>\n");
  for (const GridTable::Row& row : table.rows) {
    const std::string status = HtmlEscape(row.status);
    absl::StrAppend(&out, "<tr class=\"status-", ClassName(row.status), "\" data-status=\"", status,
                    "\" data-sig=\"", HtmlEscape(row.sig), "\" data-index=\"", row.index, "\">");
    absl::StrAppend(&out, "<td class=\"num idx\">", row.index, "</td>");
    absl::StrAppend(&out, "<td class=\"name\">", HtmlEscape(OrDash(row.name)), "</td>");
    if (row.error.empty()) {
      absl::StrAppend(&out, "<td class=\"status\">", OrDash(status), "</td>");
    } else {
      absl::StrAppend(&out, "<td class=\"status\"><a href=\"#error-", row.index, "\">",
                      OrDash(status), "</a></td>");
    }
    absl::StrAppend(&out, "<td class=\"sig\" title=\"", HtmlEscape(row.exp_dir), "\">",
                    HtmlEscape(OrDash(row.sig)), "</td>");
    absl::StrAppend(&out, "<td class=\"job\">", HtmlEscape(OrDash(row.job_id)), "</td>");
    absl::StrAppend(&out, "<td class=\"num epoch\">", NumberOrDash(row.epoch), "</td>");
    for (size_t i = 0; i < table.metric_names.size(); ++i) {
      absl::StrAppend(&out, "<td class=\"num metric\">", NumberOrDash(MetricOf(row, i)), "</td>");
    }
    absl::StrAppend(&out, "<td class=\"num log-age\">", AgeOrDash(row.log_age_s), "</td></tr>\n");
  }
  absl::StrAppend(&out, "</tbody>\n</table>\n");

  bool any_error = false;
  for (const GridTable::Row& row : table.rows) {
    if (row.error.empty()) continue;
    if (!any_error) absl::StrAppend(&out, "<section class=\"errors\">\n<h2>Errors</h2>\n");
    any_error = true;
    absl::StrAppend(&out, "<div class=\"error\" id=\"error-", row.index, "\" data-index=\"",
                    row.index, "\">\n<h3>", row.index, " ", HtmlEscape(row.name), " (",
                    HtmlEscape(row.status), ")</h3>\n<p><code>", HtmlEscape(row.exp_dir),
                    "</code></p>\n<pre>", HtmlEscape(absl::StrJoin(ErrorLines(row.error), "\n")),
                    "</pre>\n</div>\n");
  }
  if (any_error) absl::StrAppend(&out, "</section>\n");

  absl::StrAppend(&out, "<section class=\"charts\">\n<h2>Metrics</h2>\n");
  if (charts.metrics.empty()) absl::StrAppend(&out, "<p class=\"no-charts\">No metrics.</p>\n");
  const std::vector<ChartSeries> no_series;  // a metric without its list of lines
  for (size_t i = 0; i < charts.metrics.size(); ++i) {
    const ChartOptions options = MetricChartOptions(charts.metrics[i]);
    const std::vector<ChartSeries>& series =
        i < charts.series.size() ? charts.series[i] : no_series;
    absl::StrAppend(&out, "<figure class=\"chart\" data-metric=\"", HtmlEscape(charts.metrics[i]),
                    "\">\n", LineChartSvg(series, options), "</figure>\n");
  }
  absl::StrAppend(&out, "</section>\n</body>\n</html>\n");
  return out;
}

MetricCharts GridTableCharts(const GridTable& table, std::vector<std::string>* warnings) {
  std::vector<std::string> dirs, labels;
  for (const GridTable::Row& row : table.rows) {
    if (row.exp_dir.empty()) continue;
    dirs.push_back(row.exp_dir);
    labels.push_back(RowLabel(row));
  }
  return ChartsOfMetrics(dirs, labels, table.metric_names, warnings);
}

}  // namespace heyhi
