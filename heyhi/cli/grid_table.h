// The table of a grid's members as `run grid` shows it (SPEC §12): aligned
// text, one JSON document (--json), or one self-contained HTML page with a
// chart per metric (--html FILE). Rendering only: the caller gathers the data.
#ifndef HEYHI_CLI_GRID_TABLE_H_
#define HEYHI_CLI_GRID_TABLE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "heyhi/cli/plot.h"

namespace heyhi {

// One grid's members as `run grid` gathers them.
struct GridTable {
  std::string grid_name;
  // Override tokens every member shares, shown once above the rows.
  std::vector<std::string> shared;
  // The grid's metric columns, in order.
  std::vector<std::string> metric_names;
  struct Row {
    int index = 0;  // 0-based position in the grid
    // Short name: the member's overrides that differ between members, joined
    // by ' '; "" for a lone member.
    std::string name;
    std::string status;  // NOT_STARTED, RUNNING, DONE, DEAD, or DROPPED (left the grid)
    std::string sig;     // 12 hex
    std::string job_id;  // "" when none, e.g. "local:123@host", "slurm:45_3"
    std::optional<double> epoch;
    std::vector<std::optional<double>> metrics;  // one per metric_names
    std::optional<int64_t> log_age_s;            // seconds since its log last changed
    std::string exp_dir;
    std::string error;  // for DEAD members: the last lines of the log ("" otherwise)
  };
  std::vector<Row> rows;
};

// The table as `run grid` prints it: a header line with the grid name and
// counts per status, the shared overrides once, then aligned columns
// IDX NAME STATUS SIG JOB EPOCH <metrics...> LOG_AGE (ages like 12s / 5m /
// 3h / 2d; missing values "-"; numbers %.4g), numbers right-aligned. Below
// the columns, the `error` of each member that has one, indented under
// "IDX NAME: STATUS, EXP_DIR". Control characters in any cell are shown as
// C escapes (\n, \t, \x1b), so that no value can break the alignment.
std::string GridTableText(const GridTable& table);

// `--json`: one JSON document
//   {"grid": NAME, "shared": [...], "metrics": [...], "counts": {STATUS: N},
//    "rows": [{"index", "name", "status", "sig", "job_id", "epoch",
//              "metrics": {METRIC: value}, "log_age_s", "exp_dir", "error"}]}
// with null for a missing job id, epoch, metric, log age or error (and for
// NaN and infinite values). Text that is not valid UTF-8 has U+FFFD in
// place of each bad byte.
std::string GridTableJson(const GridTable& table);

// `--html FILE`: one self-contained HTML page (no script, and nothing
// fetched: its Content-Security-Policy forbids every request) with the
// counts, the shared overrides, the table (one
// <tr class="status-STATUS" data-status="STATUS" data-sig="SIG"> per row),
// the errors of the members that have one, and one chart per metric of
// `charts` (inline SVG from LineChartSvg, in <figure class="chart"
// data-metric="M">). Every value from the table is HTML-escaped.
std::string GridReportHtml(const GridTable& table, const MetricCharts& charts);

// The charts GridReportHtml draws for `table`: one per metric of
// `metric_names` (every numeric metric when it is empty), one line per row,
// labelled "IDX NAME" (the sig for a row without a name), read from each
// row's <exp dir>/metrics.jsonl. Unreadable lines are named in `warnings`.
MetricCharts GridTableCharts(const GridTable& table, std::vector<std::string>* warnings);

// "45s", "12m", "3h", "2d", as `run ls` shows ages: seconds below 2
// minutes, minutes below 2 hours, hours below 2 days, then days.
std::string ShortAge(int64_t seconds);

// %.4g of `value` ("nan", "inf", "-inf" for those).
std::string ShortNumber(double value);

}  // namespace heyhi

#endif  // HEYHI_CLI_GRID_TABLE_H_
