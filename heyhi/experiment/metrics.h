// Metrics of an experiment: one JSON object per line in <exp dir>/metrics.jsonl,
// written by rank 0 through JobContext::LogMetrics, read by info, ls, plot.
#ifndef HEYHI_EXPERIMENT_METRICS_H_
#define HEYHI_EXPERIMENT_METRICS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace heyhi {

// One line of metrics.jsonl: its numbers by key (`epoch`, `step`, `time` and
// the task's own), and the line as written.
struct MetricsLine {
  int line_number = 0;  // 1-based
  std::map<std::string, double> values;
  std::string text;
};

// Every line of `path` that parses as a JSON object; a line that does not is
// skipped and named in `warnings` as "<path>:<line>: ...". A missing file has
// no lines.
std::vector<MetricsLine> ReadMetrics(const std::string& path, std::vector<std::string>* warnings);

// The last line of `path` that parses (a cheap read of the file's tail).
absl::StatusOr<MetricsLine> LastMetrics(const std::string& path);

// Appends one line with `values` plus `epoch`, `step` and `time` (Unix
// seconds) to `path`, as one write followed by fsync. With `drop_from_epoch`
// (the first line of a run), lines the file holds of this epoch or later,
// left by the run being resumed, are dropped first, so that a resumed run
// continues the history without repeating an epoch.
absl::Status AppendMetrics(const std::string& path, const std::map<std::string, double>& values,
                           int64_t epoch, int64_t step, bool drop_from_epoch);

}  // namespace heyhi

#endif  // HEYHI_EXPERIMENT_METRICS_H_
