// The read-only experiment commands: info, ls, diff, plot. Each reads exp
// dirs through the XP index and prints a table or, with --json, one document.
#include "heyhi/cli/inspect.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "heyhi/base/command_line.h"
#include "heyhi/base/files.h"
#include "heyhi/cli/env_command.h"
#include "heyhi/cli/grid_table.h"
#include "heyhi/cli/plot.h"
#include "heyhi/cli/stored_config.h"
#include "heyhi/config.h"
#include "heyhi/exp_dir.h"
#include "heyhi/experiment/metrics.h"
#include "heyhi/experiment/naming.h"
#include "heyhi/experiment/xp_index.h"
#include "heyhi/experiment/xp_record.h"
#include "heyhi/launch/dispatch.h"
#include "heyhi/launch/job_probe.h"
#include "heyhi/launch/slurm/client.h"
#include "heyhi/launch/slurm/launcher.h"
#include "heyhi/print.h"
#include "nlohmann/json.hpp"

namespace heyhi {
namespace {

using nlohmann::json;

int Fail(const std::string& command, const std::string& message, int code = kExitFailed) {
  std::cerr << "run " << command << ": " << message << std::endl;
  return code;
}

// Prints `document` as the whole of stdout.
int PrintJson(const json& document) {
  std::cout << document.dump(2) << std::endl;
  return std::cout.good() ? kExitOk : kExitFailed;
}

std::string FormatTime(int64_t unix_seconds) {
  if (unix_seconds <= 0) return "-";
  const std::time_t when = static_cast<std::time_t>(unix_seconds);
  std::tm local{};
  localtime_r(&when, &local);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%d %H:%M:%S", &local);
  return buffer;
}

// "90s", "30m", "2h", "1d" (a bare number is seconds).
absl::StatusOr<int64_t> ParseDuration(const std::string& text) {
  int64_t unit = 1;
  std::string number = text;
  if (!number.empty() && !absl::ascii_isdigit(static_cast<unsigned char>(number.back()))) {
    const char suffix = number.back();
    number.pop_back();
    if (suffix == 's')
      unit = 1;
    else if (suffix == 'm')
      unit = 60;
    else if (suffix == 'h')
      unit = 3600;
    else if (suffix == 'd')
      unit = 86400;
    else
      unit = 0;
  }
  int64_t value = 0;
  if (unit == 0 || !absl::SimpleAtoi(number, &value) || value < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--since ", text, ": expected a duration such as 90s, 30m, 2h or 1d"));
  }
  return value * unit;
}

// The metrics of a line that are the task's own (not epoch, step, time).
std::map<std::string, double> TaskMetrics(const MetricsLine& line) {
  std::map<std::string, double> out = line.values;
  for (const char* key : {"epoch", "step", "time"}) out.erase(key);
  return out;
}

std::string MetricsText(const std::map<std::string, double>& metrics) {
  std::vector<std::string> items;
  for (const auto& [key, value] : metrics) items.push_back(absl::StrFormat("%s=%.4g", key, value));
  return absl::StrJoin(items, " ");
}

// One experiment as the commands show it.
struct XpView {
  std::string dir;
  std::string name;  // the exp dir relative to the exp root
  XpRecord record;
  XpStatus status = XpStatus::kNotStarted;
  std::string job_id;
  std::string slurm_state;
  std::optional<MetricsLine> last_metrics;
  int64_t created = 0;
};

std::string NameUnder(const std::string& exp_root, const std::string& dir) {
  return absl::StartsWith(dir, exp_root + "/") ? dir.substr(exp_root.size() + 1) : dir;
}

absl::StatusOr<XpView> ViewXp(const std::string& exp_root, const std::string& dir,
                              const JobLivenessProbe& probe) {
  XpView view;
  view.dir = dir;
  view.name = NameUnder(exp_root, dir);
  ExpDir exp(dir, exp_root);
  absl::StatusOr<XpRecord> record = ReadXpRecord(exp);
  if (!record.ok()) return record.status();
  view.record = std::move(*record);
  if (view.record.sig().empty()) view.record.set_sig(SigFromExpDirName(dir));
  view.status = exp.Status(probe);
  absl::StatusOr<std::string> job_id = exp.JobId();
  if (job_id.ok()) view.job_id = *job_id;
  absl::StatusOr<MetricsLine> last = LastMetrics(exp.File(kMetricsFile));
  if (last.ok()) view.last_metrics = std::move(*last);
  view.created = view.record.created() > 0 ? view.record.created() : ModifiedTime(dir);
  return view;
}

// The log files of every rank that exist: run.log, worker_K.log, slurm/*.
std::vector<std::string> LogFiles(const XpView& xp) {
  std::vector<std::string> logs;
  auto add = [&logs](const std::string& path) {
    if (access(path.c_str(), F_OK) == 0) logs.push_back(path);
  };
  add(absl::StrCat(xp.dir, "/", kRunLogFile));
  for (int rank = 0;; ++rank) {
    const std::string path = absl::StrCat(xp.dir, "/worker_", rank, ".log");
    if (access(path.c_str(), F_OK) != 0) break;
    logs.push_back(path);
  }
  for (const std::string& job : xp.record.job_ids()) {
    absl::string_view id = job;
    if (!absl::ConsumePrefix(&id, kSlurmJobIdPrefix)) continue;
    add(absl::StrCat(xp.dir, "/slurm/", id, ".out"));
    add(absl::StrCat(xp.dir, "/slurm/", id, ".err"));
  }
  return logs;
}

// The log `--tail` and `--follow` show: the Slurm job's output, else rank
// 0's worker log, else run.log.
std::string MainLog(const XpView& xp) {
  absl::string_view id = xp.job_id;
  if (absl::ConsumePrefix(&id, kSlurmJobIdPrefix)) {
    return absl::StrCat(xp.dir, "/slurm/", id, ".out");
  }
  const std::string worker = absl::StrCat(xp.dir, "/worker_0.log");
  if (access(worker.c_str(), F_OK) == 0) return worker;
  return absl::StrCat(xp.dir, "/", kRunLogFile);
}

// key -> value of a config's flat form.
std::map<std::string, std::string> FlatMap(const google::protobuf::Message& task) {
  std::map<std::string, std::string> out;
  for (const std::string& line : Flatten(task, /*with_all=*/false)) {
    const size_t eq = line.find('=');
    out[line.substr(0, eq)] = eq == std::string::npos ? "" : line.substr(eq + 1);
  }
  return out;
}

struct FlatDiff {
  std::vector<std::tuple<std::string, std::string, std::string>> changed;  // key, a, b
  std::vector<std::pair<std::string, std::string>> only_a, only_b;
};

FlatDiff DiffFlat(const std::map<std::string, std::string>& a,
                  const std::map<std::string, std::string>& b) {
  FlatDiff diff;
  for (const auto& [key, value] : a) {
    auto it = b.find(key);
    if (it == b.end()) {
      diff.only_a.emplace_back(key, value);
    } else if (it->second != value) {
      diff.changed.emplace_back(key, value, it->second);
    }
  }
  for (const auto& [key, value] : b) {
    if (a.count(key) == 0) diff.only_b.emplace_back(key, value);
  }
  return diff;
}

// The stale check: the experiment's config and overrides composed again from
// today's files, compared with what it ran.
struct StaleCheck {
  bool checked = false;
  std::string error;  // why it could not be checked
  struct Change {
    std::string key, ran, today, origin;
  };
  std::vector<Change> changes;
};

// The origin part of ExplainKey's answer ("conf/x.prototxt:3 ..."), or "".
std::string OriginOf(const Composed& composed, const std::string& key) {
  absl::StatusOr<std::string> explained = ExplainKey(composed, key);
  if (!explained.ok()) return "";
  std::vector<std::string> lines = absl::StrSplit(*explained, '\n', absl::SkipEmpty());
  if (lines.size() < 2) return "";
  const std::string& origin = lines.back();
  const size_t colon = origin.find(": ");
  return colon == std::string::npos ? origin : origin.substr(colon + 2);
}

StaleCheck CheckStale(const XpView& xp, const Composed& stored,
                      const google::protobuf::Descriptor* root_type) {
  StaleCheck check;
  if (xp.record.config_abs().empty()) {
    check.error = "no config path recorded";
    return check;
  }
  if (access(xp.record.config_abs().c_str(), F_OK) != 0) {
    check.error = absl::StrCat(xp.record.config_abs(), " no longer exists");
    return check;
  }
  LoadOptions options;
  options.root_type = root_type;
  options.conf_root = xp.record.conf_root();
  std::vector<std::string> overrides(xp.record.overrides().begin(), xp.record.overrides().end());
  absl::StatusOr<Composed> today = LoadConfig(xp.record.config_abs(), overrides, options);
  if (!today.ok()) {
    check.error = absl::StrCat("today's files do not compose: ", today.status().message());
    return check;
  }
  check.checked = true;
  const FlatDiff diff = DiffFlat(FlatMap(*stored.task), FlatMap(*today->task));
  for (const auto& [key, ran, now] : diff.changed) {
    check.changes.push_back({key, ran, now, OriginOf(*today, key)});
  }
  for (const auto& [key, ran] : diff.only_a) check.changes.push_back({key, ran, "(unset)", ""});
  for (const auto& [key, now] : diff.only_b) {
    check.changes.push_back({key, "(unset)", now, OriginOf(*today, key)});
  }
  return check;
}

json MetricsJson(const std::optional<MetricsLine>& line) {
  if (!line) return nullptr;
  json out = json::parse(line->text, nullptr, false);
  return out.is_discarded() ? json(nullptr) : out;
}

std::string StatusText(const XpView& xp) {
  std::string text = XpStatusName(xp.status);
  if (!xp.slurm_state.empty()) absl::StrAppend(&text, " (Slurm: ", xp.slurm_state, ")");
  return text;
}

// Copies the bytes of `path` from `offset` to stdout; returns the new offset.
std::streamoff CopyFrom(const std::string& path, std::streamoff offset) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return offset;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < offset) offset = 0;  // truncated or replaced: start again
  in.seekg(offset);
  std::string chunk(static_cast<size_t>(size - offset), '\0');
  in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  std::cout << chunk << std::flush;
  return size;
}

// The offset where the last `lines` lines of `path` begin.
std::streamoff TailOffset(const std::string& path, int lines) {
  absl::StatusOr<std::string> content = ReadFileToString(path);
  if (!content.ok() || lines <= 0) return content.ok() ? content->size() : 0;
  size_t pos = content->size();
  if (pos > 0 && (*content)[pos - 1] == '\n') --pos;
  for (int seen = 0; pos > 0; --pos) {
    if ((*content)[pos - 1] == '\n' && ++seen == lines) break;
  }
  return static_cast<std::streamoff>(pos);
}

constexpr FlagSpec kInfoFlags[] = {
    {"json", false, "Print one JSON document."},
    {"log", false, "Print the main log after the summary."},
    {"tail", true, "Print the last N lines of the main log."},
    {"follow", false, "Print the main log as it grows, until the experiment ends."},
};

int Info(int argc, char** argv, const google::protobuf::Descriptor* root_type) {
  absl::StatusOr<SplitArgs> args = SplitFlags(argc, argv, kInfoFlags);
  if (!args.ok()) return Fail("info", std::string(args.status().message()), kExitBadUsage);
  bool as_json = false, whole_log = false, follow = false;
  int tail = -1;
  for (const auto& [name, value] : args->flags) {
    if (name == "json") as_json = ParseSwitch(name, value).value_or(false);
    if (name == "log") whole_log = ParseSwitch(name, value).value_or(false);
    if (name == "follow") follow = ParseSwitch(name, value).value_or(false);
    if (name == "tail" && (!absl::SimpleAtoi(value, &tail) || tail < 0)) {
      return Fail("info", absl::StrCat("--tail ", value, ": expected a number of lines"),
                  kExitBadUsage);
    }
  }
  if (args->others.size() != 1) {
    return Fail("info", "usage: run info SIG|EXP_DIR [--json] [--log | --tail N | --follow]",
                kExitBadUsage);
  }
  absl::StatusOr<std::string> found_root = ExpRootOfWorkingDir();
  if (!found_root.ok()) return Fail("info", std::string(found_root.status().message()));
  const std::string& exp_root = *found_root;
  absl::StatusOr<std::string> dir = FindXp(exp_root, args->others[0]);
  if (!dir.ok()) return Fail("info", std::string(dir.status().message()));
  absl::StatusOr<XpView> xp = ViewXp(exp_root, *dir, JobIsAlive);
  if (!xp.ok()) return Fail("info", std::string(xp.status().message()));
  absl::string_view slurm_id = xp->job_id;
  if (absl::ConsumePrefix(&slurm_id, kSlurmJobIdPrefix)) {
    absl::StatusOr<SlurmJobState> state = SlurmClient().QueryJob(std::string(slurm_id));
    xp->slurm_state = state.ok() ? state->state : "unknown";
  }
  absl::StatusOr<Composed> stored = LoadStoredConfig(*dir, xp->record, root_type);
  StaleCheck stale;
  if (stored.ok()) {
    stale = CheckStale(*xp, *stored, root_type);
  } else {
    stale.error = std::string(stored.status().message());
  }
  const std::vector<std::string> logs = LogFiles(*xp);
  const XpRecord& r = xp->record;
  if (as_json) {
    json changes = json::array();
    for (const StaleCheck::Change& change : stale.changes) {
      changes.push_back({{"key", change.key},
                         {"ran", change.ran},
                         {"today", change.today},
                         {"origin", change.origin}});
    }
    json stale_json = {{"checked", stale.checked}, {"changed", changes}};
    if (!stale.error.empty()) stale_json["error"] = stale.error;
    return PrintJson(
        {{"exp_dir", xp->dir},
         {"sig", r.sig()},
         {"status", XpStatusName(xp->status)},
         {"slurm_state", xp->slurm_state},
         {"job_id", xp->job_id},
         {"job_ids", std::vector<std::string>(r.job_ids().begin(), r.job_ids().end())},
         {"requeue_count", r.requeue_count()},
         {"config", r.config()},
         {"config_abs", r.config_abs()},
         {"overrides", std::vector<std::string>(r.overrides().begin(), r.overrides().end())},
         {"tag", r.tag()},
         {"task", r.task()},
         {"command", r.command()},
         {"launch_dir", r.launch_dir()},
         {"git", {{"commit", r.git_commit()}, {"dirty", r.git_dirty()}}},
         {"created", r.created()},
         {"started", r.started()},
         {"ended", r.ended()},
         {"parent_sig", r.parent_sig()},
         {"team", r.env().team()},
         {"cluster", r.env().active_cluster().name()},
         {"slurm_from_env",
          std::vector<std::string>(r.slurm_from_env().begin(), r.slurm_from_env().end())},
         {"last_metrics", MetricsJson(xp->last_metrics)},
         {"logs", logs},
         {"stale", stale_json}});
  }
  std::string command(absl::StripTrailingAsciiWhitespace(r.command()));
  std::cout << "exp dir:    " << xp->dir << "\n"
            << "sig:        " << r.sig() << "\n"
            << "status:     " << StatusText(*xp) << "\n"
            << "config:     " << (r.config().empty() ? "?" : r.config()) << "\n"
            << "overrides:  " << absl::StrJoin(r.overrides(), " ") << "\n"
            << "tag:        " << r.tag() << "\n"
            << "command:    " << command << "\n"
            << "git:        " << (r.git_commit().empty() ? "-" : r.git_commit())
            << (r.git_dirty() ? " (uncommitted changes)" : "") << "\n"
            << "created:    " << FormatTime(r.created()) << "\n"
            << "started:    " << FormatTime(r.started()) << "\n"
            << "ended:      " << FormatTime(r.ended()) << "\n"
            << "jobs:       " << absl::StrJoin(r.job_ids(), " ") << "\n"
            << "requeues:   " << r.requeue_count() << "\n";
  if (r.has_env()) {
    std::cout << "cluster:    " << r.env().active_cluster().name() << " (team " << r.env().team()
              << ")";
    if (!r.slurm_from_env().empty()) {
      std::cout << "; from its env: " << absl::StrJoin(r.slurm_from_env(), " ");
    }
    std::cout << "\n";
  }
  if (!r.parent_sig().empty()) {
    std::cout << "from:       " << r.parent_sig() << " + "
              << absl::StrJoin(r.parent_overrides(), " ") << "\n";
  }
  std::cout << "metrics:    " << (xp->last_metrics ? xp->last_metrics->text : "-") << "\n"
            << "logs:       " << absl::StrJoin(logs, "\n            ") << "\n";
  if (!stale.checked) {
    std::cout << "stale:      not checked: " << stale.error << "\n";
  } else if (stale.changes.empty()) {
    std::cout << "stale:      no (today's files compose the same config)\n";
  } else {
    std::cout << "stale:      yes: today's files compose " << stale.changes.size()
              << " different value(s):\n";
    for (const StaleCheck::Change& change : stale.changes) {
      std::cout << "  " << change.key << ": " << change.ran << " -> " << change.today
                << (change.origin.empty() ? "" : absl::StrCat("  (", change.origin, ")")) << "\n";
    }
  }
  std::cout << std::flush;
  const std::string main_log = MainLog(*xp);
  if (whole_log || tail >= 0 || follow) {
    std::cout << "==> " << main_log << " <==" << std::endl;
    std::streamoff offset = whole_log ? 0 : TailOffset(main_log, tail >= 0 ? tail : 10);
    offset = CopyFrom(main_log, offset);
    ExpDir exp(*dir, exp_root);
    while (follow && exp.Status(JobIsAlive) == XpStatus::kRunning) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      offset = CopyFrom(main_log, offset);
    }
    if (follow) CopyFrom(main_log, offset);
  }
  return kExitOk;
}

constexpr FlagSpec kLsFlags[] = {
    {"json", false, "Print one JSON document."},
    {"status", true, "Only experiments with this status (NOT_STARTED, RUNNING, DONE, DEAD)."},
    {"since", true, "Only experiments created this long ago or later (90s, 30m, 2h, 1d)."},
};

}  // namespace

bool MatchesPatterns(const std::string& name, const std::vector<std::string>& patterns) {
  for (const std::string& pattern : patterns) {
    const bool negated = absl::StartsWith(pattern, "!");
    const bool found = absl::StrContains(name, negated ? pattern.substr(1) : pattern);
    if (found == negated) return false;
  }
  return true;
}

namespace {

int Ls(int argc, char** argv) {
  absl::StatusOr<SplitArgs> args = SplitFlags(argc, argv, kLsFlags);
  if (!args.ok()) return Fail("ls", std::string(args.status().message()), kExitBadUsage);
  bool as_json = false;
  std::string status_filter;
  int64_t since = -1;
  for (const auto& [name, value] : args->flags) {
    if (name == "json") as_json = ParseSwitch(name, value).value_or(false);
    if (name == "status") {
      status_filter = absl::AsciiStrToUpper(value);
      if (status_filter != "NOT_STARTED" && status_filter != "RUNNING" && status_filter != "DONE" &&
          status_filter != "DEAD") {
        return Fail(
            "ls", absl::StrCat("--status ", value, ": expected NOT_STARTED, RUNNING, DONE or DEAD"),
            kExitBadUsage);
      }
    }
    if (name == "since") {
      absl::StatusOr<int64_t> seconds = ParseDuration(value);
      if (!seconds.ok()) return Fail("ls", std::string(seconds.status().message()), kExitBadUsage);
      since = *seconds;
    }
  }
  absl::StatusOr<std::string> found_root = ExpRootOfWorkingDir();
  if (!found_root.ok()) return Fail("ls", std::string(found_root.status().message()));
  const std::string& exp_root = *found_root;
  const int64_t now = UnixNow();
  std::vector<IndexedXp> indexed = ListXps(exp_root);
  // Slurm jobs: one squeue call for all rows, asked only when a row has one.
  BatchedJobProbe jobs("run ls");
  auto probe = [&jobs](const std::string& job_id) { return jobs.IsAlive(job_id); };
  std::vector<XpView> rows;
  for (const IndexedXp& entry : indexed) {
    const std::string name = NameUnder(exp_root, entry.exp_dir);
    if (!MatchesPatterns(name, args->others)) continue;
    absl::StatusOr<XpView> xp = ViewXp(exp_root, entry.exp_dir, probe);
    if (!xp.ok()) continue;
    if (!status_filter.empty() && XpStatusName(xp->status) != status_filter) continue;
    if (since >= 0 && xp->created < now - since) continue;
    xp->slurm_state = jobs.SlurmState(xp->job_id);
    rows.push_back(std::move(*xp));
  }
  std::sort(rows.begin(), rows.end(), [](const XpView& a, const XpView& b) {
    return a.created != b.created ? a.created > b.created : a.name < b.name;
  });
  if (as_json) {
    json out = json::array();
    for (const XpView& xp : rows) {
      out.push_back(
          {{"sig", xp.record.sig()},
           {"name", xp.name},
           {"exp_dir", xp.dir},
           {"config", xp.record.config()},
           {"tag", xp.record.tag()},
           {"status", XpStatusName(xp.status)},
           {"slurm_state", xp.slurm_state},
           {"job_id", xp.job_id},
           {"created", xp.created},
           {"age_s", now - xp.created},
           {"epoch", xp.last_metrics && xp.last_metrics->values.count("epoch")
                         ? json(xp.last_metrics->values.at("epoch"))
                         : json(nullptr)},
           {"metrics", xp.last_metrics ? json(TaskMetrics(*xp.last_metrics)) : json::object()}});
    }
    return PrintJson(out);
  }
  std::string table = absl::StrFormat("%-12s  %-11s  %-22s  %5s  %5s  %s\n", "SIG", "STATUS", "JOB",
                                      "AGE", "EPOCH", "NAME / LAST METRICS");
  for (const XpView& xp : rows) {
    std::string epoch = "-";
    if (xp.last_metrics && xp.last_metrics->values.count("epoch")) {
      epoch = absl::StrCat(xp.last_metrics->values.at("epoch"));
    }
    absl::StrAppendFormat(&table, "%-12s  %-11s  %-22s  %5s  %5s  %s\n", xp.record.sig(),
                          XpStatusName(xp.status), xp.job_id.empty() ? "-" : xp.job_id,
                          ShortAge(now - xp.created), epoch, xp.name);
    if (xp.last_metrics) {
      absl::StrAppend(&table, std::string(64, ' '), MetricsText(TaskMetrics(*xp.last_metrics)),
                      "\n");
    }
  }
  absl::StrAppend(&table, rows.size(), " experiment(s)\n");
  std::fwrite(table.data(), 1, table.size(), stdout);
  return kExitOk;
}

// One side of `diff`: a SIG (or exp dir), or `-c CFG` with the override
// tokens that follow it.
struct DiffSide {
  std::string label;
  absl::StatusOr<Composed> composed = absl::UnknownError("unset");
};

// Reads one side from `words` starting at `*i`.
DiffSide ReadSide(const std::vector<std::string>& words, size_t* i,
                  const google::protobuf::Descriptor* root_type, const std::string& exp_root) {
  DiffSide side;
  if (words[*i] == "-c" || words[*i] == "--c" || words[*i] == "--cfg") {
    if (*i + 1 >= words.size()) {
      side.composed = absl::InvalidArgumentError("-c needs a config file");
      return side;
    }
    const std::string config = words[*i + 1];
    *i += 2;
    std::vector<std::string> overrides;
    while (*i < words.size() && words[*i].find('=') != std::string::npos) {
      overrides.push_back(words[(*i)++]);
    }
    side.label =
        absl::StrJoin(std::vector<std::string>{config, absl::StrJoin(overrides, " ")}, " ");
    LoadOptions options;
    options.root_type = root_type;
    side.composed = LoadConfig(config, overrides, options);
    return side;
  }
  side.label = words[(*i)++];
  absl::StatusOr<std::string> dir = FindXp(exp_root, side.label);
  if (!dir.ok()) {
    side.composed = dir.status();
    return side;
  }
  absl::StatusOr<XpRecord> record = ReadXpRecord(ExpDir(*dir, exp_root));
  if (!record.ok()) {
    side.composed = record.status();
    return side;
  }
  side.composed = LoadStoredConfig(*dir, *record, root_type);
  return side;
}

constexpr FlagSpec kDiffFlags[] = {{"json", false, "Print one JSON document."}};

int Diff(int argc, char** argv, const google::protobuf::Descriptor* root_type) {
  // "-c" belongs to a side, not to diff: split by hand, only --json is diff's.
  std::vector<std::string> words;
  bool as_json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word == "--json" || word == "-json") {
      as_json = true;
    } else {
      words.push_back(word);
    }
  }
  const std::string usage =
      "usage: run diff A B [--json]  (A, B: SIG, exp dir, or -c CFG [k=v...])";
  absl::StatusOr<std::string> found_root = ExpRootOfWorkingDir();
  if (!found_root.ok()) return Fail("diff", std::string(found_root.status().message()));
  const std::string& exp_root = *found_root;
  size_t i = 0;
  if (words.empty()) return Fail("diff", usage, kExitBadUsage);
  DiffSide a = ReadSide(words, &i, root_type, exp_root);
  if (i >= words.size()) return Fail("diff", usage, kExitBadUsage);
  DiffSide b = ReadSide(words, &i, root_type, exp_root);
  if (i != words.size()) {
    return Fail("diff", absl::StrCat("unexpected ", words[i], "\n", usage), kExitBadUsage);
  }
  for (const DiffSide* side : {&a, &b}) {
    if (!side->composed.ok()) {
      return Fail("diff", absl::StrCat(side->label, ": ", side->composed.status().message()));
    }
  }
  const FlatDiff diff = DiffFlat(FlatMap(*a.composed->task), FlatMap(*b.composed->task));
  if (as_json) {
    json changed = json::array(), only_a = json::array(), only_b = json::array();
    for (const auto& [key, va, vb] : diff.changed)
      changed.push_back({{"key", key}, {"a", va}, {"b", vb}});
    for (const auto& [key, value] : diff.only_a) only_a.push_back({{"key", key}, {"value", value}});
    for (const auto& [key, value] : diff.only_b) only_b.push_back({{"key", key}, {"value", value}});
    return PrintJson({{"a", a.label},
                      {"b", b.label},
                      {"changed", changed},
                      {"only_in_a", only_a},
                      {"only_in_b", only_b}});
  }
  std::cout << "A: " << a.label << "\nB: " << b.label << "\n";
  if (diff.changed.empty() && diff.only_a.empty() && diff.only_b.empty()) {
    std::cout << "same config\n";
  }
  if (!diff.changed.empty()) std::cout << "changed:\n";
  for (const auto& [key, va, vb] : diff.changed)
    std::cout << "  " << key << ": " << va << " -> " << vb << "\n";
  if (!diff.only_a.empty()) std::cout << "only in A:\n";
  for (const auto& [key, value] : diff.only_a) std::cout << "  " << key << "=" << value << "\n";
  if (!diff.only_b.empty()) std::cout << "only in B:\n";
  for (const auto& [key, value] : diff.only_b) std::cout << "  " << key << "=" << value << "\n";
  std::cout << std::flush;
  return kExitOk;
}

}  // namespace

bool IsInspectCommand(const std::string& word) {
  return word == "info" || word == "ls" || word == "diff" || word == "plot" || word == "env";
}

int InspectMain(int argc, char** argv, const google::protobuf::Descriptor* root_type) {
  const std::string command = argv[0];
  if (command == "info") return Info(argc, argv, root_type);
  if (command == "ls") return Ls(argc, argv);
  if (command == "diff") return Diff(argc, argv, root_type);
  if (command == "env") return EnvCommand(argc, argv);
  return PlotCommand(argc, argv);
}

}  // namespace heyhi
