// `run grid` and `run --sweep`: decide, per member, what to launch, cancel or
// wipe; launch locally as `run` processes or on Slurm; draw the table.
#include "heyhi/cli/grid.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "heyhi/base/command_line.h"
#include "heyhi/base/files.h"
#include "heyhi/base/parallel.h"
#include "heyhi/base/subprocess.h"
#include "heyhi/cli/grid_launch.h"
#include "heyhi/cli/grid_members.h"
#include "heyhi/cli/grid_table.h"
#include "heyhi/cli/inspect.h"
#include "heyhi/cli/plot.h"
#include "heyhi/cli/xp_setup.h"
#include "heyhi/config.h"
#include "heyhi/config/grid_spec.h"
#include "heyhi/config/include_resolver.h"
#include "heyhi/env.h"
#include "heyhi/experiment/naming.h"
#include "heyhi/experiment/snapshot.h"
#include "heyhi/experiment/xp_index.h"
#include "heyhi/experiment/xp_record.h"
#include "heyhi/launch/dispatch.h"
#include "heyhi/launch/job_probe.h"
#include "heyhi/launch/slurm/array.h"

namespace heyhi {
namespace {

constexpr FlagSpec kGridFlags[] = {
    {"dry_run", false, "Show what would be launched; no scheduler call, no file written."},
    {"init", false, "Record every member (info, -f work on them) without launching."},
    {"retry", false, "Launch DEAD members again (in their folder: they may resume)."},
    {"replace", false, "Kill, wipe and launch RUNNING members again."},
    {"replace_done", false, "Wipe and launch DONE members again."},
    {"cancel", false, "Cancel the matching members that are running; launch nothing."},
    {"clear", false, "Cancel, wipe and launch the matching members (3 s countdown)."},
    {"force", false, "No countdown before --clear wipes."},
    {"cancel_dropped", false, "Cancel members that left the grid, unless another grid links them."},
    {"skip_bad", false, "Launch the members that compose even when others do not."},
    {"jobs", true, "Local members running at once (default 1)."},
    {"wait", false, "Return when every launched member has ended, not when all are started."},
    {"fail_fast", false, "Launch nothing more after the first member that fails."},
    {"watch", false, "Redraw the table every 30 s (--watch=S: every S s) until all have ended."},
    {"json", false, "Print the table as one JSON document on stdout (messages on stderr)."},
    {"html", true, "Write the table and one chart per metric as a self-contained HTML page."},
    {"help", false, "Show this help."},
};

// For `run -c CFG --sweep ...`, on top of the grid's flags.
constexpr FlagSpec kSweepFlags[] = {
    {"c", true, "The base config."},
    {"cfg", true, "The base config."},
    {"sweep", false, "Every other token is an axis: key=a,b | range(..) | choice(..) | glob(..)."},
};

struct GridOptions {
  bool dry_run = false, init = false, retry = false, replace = false, replace_done = false;
  bool cancel = false, clear = false, force = false, cancel_dropped = false, skip_bad = false;
  bool wait = false, fail_fast = false, json = false, help = false;
  int jobs = 1;
  int watch_s = 0;  // 0: no watch
  std::string html;
  std::string config;               // --sweep
  std::vector<std::string> others;  // grid name then patterns, or sweep tokens
};

constexpr char kUsage[] =
    "run grid NAME|FILE [PATTERN...] [flags]\n"
    "       run -c CFG --sweep key=a,b 'key2=range(0,5)' ... [flags]\n";

std::string GridHelp() {
  return absl::StrCat("usage: ", kUsage, "\nflags:\n", FlagsHelp(kGridFlags),
                      "\nPATTERN: a substring of a member's name or sig; !PATTERN excludes.\n");
}

absl::StatusOr<GridOptions> ParseGridFlags(int argc, char** argv, bool sweep) {
  std::vector<FlagSpec> specs(std::begin(kGridFlags), std::end(kGridFlags));
  if (sweep) specs.insert(specs.end(), std::begin(kSweepFlags), std::end(kSweepFlags));
  absl::StatusOr<SplitArgs> args = SplitFlags(argc, argv, specs);
  if (!args.ok()) return args.status();
  GridOptions options;
  for (const auto& [name, value] : args->flags) {
    if (name == "jobs") {
      if (!absl::SimpleAtoi(value, &options.jobs) || options.jobs < 1) {
        return absl::InvalidArgumentError(
            absl::StrCat("--jobs ", value, ": expected a whole number of at least 1"));
      }
      continue;
    }
    if (name == "html") {
      options.html = value;
      continue;
    }
    if (name == "c" || name == "cfg") {
      options.config = value;
      continue;
    }
    if (name == "watch") {
      options.watch_s = 30;
      if (value != "true" && !absl::SimpleAtoi(value, &options.watch_s)) {
        return absl::InvalidArgumentError(
            absl::StrCat("--watch=", value, ": expected seconds between redraws, e.g. --watch=10"));
      }
      if (options.watch_s < 1) {
        return absl::InvalidArgumentError("--watch: redraw at least every 1 s");
      }
      continue;
    }
    absl::StatusOr<bool> on = ParseSwitch(name, value);
    if (!on.ok()) return on.status();
    bool* target = name == "dry_run"          ? &options.dry_run
                   : name == "init"           ? &options.init
                   : name == "retry"          ? &options.retry
                   : name == "replace"        ? &options.replace
                   : name == "replace_done"   ? &options.replace_done
                   : name == "cancel"         ? &options.cancel
                   : name == "clear"          ? &options.clear
                   : name == "force"          ? &options.force
                   : name == "cancel_dropped" ? &options.cancel_dropped
                   : name == "skip_bad"       ? &options.skip_bad
                   : name == "wait"           ? &options.wait
                   : name == "fail_fast"      ? &options.fail_fast
                   : name == "json"           ? &options.json
                   : name == "help"           ? &options.help
                                              : nullptr;
    if (target != nullptr) *target = *on;
  }
  if (options.cancel + options.clear + options.init > 1) {
    return absl::InvalidArgumentError("choose one of --cancel, --clear, --init");
  }
  options.others = std::move(args->others);
  return options;
}

// Holds <grid folder>/.lock: one `grid` launching this grid at a time.
class GridLock {
 public:
  static absl::StatusOr<GridLock> Take(const std::string& folder) {
    const std::string path = absl::StrCat(folder, "/.lock");
    const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoError("cannot open", path);
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      close(fd);
      return absl::UnavailableError(
          absl::StrCat("another `run grid` is working on this grid now (", path, " is locked)"));
    }
    return GridLock(fd);
  }
  GridLock(GridLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  GridLock(const GridLock&) = delete;
  ~GridLock() {
    if (fd_ >= 0) close(fd_);
  }

 private:
  explicit GridLock(int fd) : fd_(fd) {}
  int fd_;
};

MemberAction DecideMember(const GridOptions& options, XpStatus status) {
  switch (status) {
    case XpStatus::kNotStarted:
      return MemberAction::kLaunch;
    case XpStatus::kDead:
      return options.retry ? MemberAction::kContinue : MemberAction::kNone;
    case XpStatus::kRunning:
      return options.replace ? MemberAction::kRestart : MemberAction::kNone;
    case XpStatus::kDone:
      return options.replace_done ? MemberAction::kRestart : MemberAction::kNone;
  }
  return MemberAction::kNone;
}

int Fail(const std::string& message, int code = kExitFailed) {
  std::cerr << "run grid: " << message << std::endl;
  return code;
}

int RunGrid(const GridOptions& options, const GridSpec& spec, std::vector<std::string> patterns,
            const google::protobuf::Descriptor* root_type) {
  std::ostream& log = options.json ? std::cerr : std::cout;
  // The environment of the project the grid belongs to, as `run -c` of a
  // member would load it.
  const std::string conf_root =
      spec.members.empty() ? ConfRootOfWorkingDir() : FindConfRoot(spec.members.front().config);
  absl::StatusOr<ActiveEnv> env = LoadEnvironment(conf_root);
  if (!env.ok()) return Fail(std::string(env.status().message()));
  const std::string exp_root = env->active_cluster().exp_dir();
  ComposedGrid grid = ComposeGrid(spec, root_type, *env);
  for (const std::string& note : grid.folded) log << note << std::endl;
  if (!grid.errors.empty()) {
    std::cerr << "run grid: " << grid.errors.size() << " of " << spec.members.size()
              << " member(s) of grid " << spec.name << " do not compose:\n";
    for (const std::string& error : grid.errors) std::cerr << "  " << error << "\n";
    if (!options.skip_bad) {
      std::cerr << "nothing launched (--skip_bad launches the others)" << std::endl;
      return kExitFailed;
    }
  }
  // Patterns narrow the members acted on and shown.
  if (!patterns.empty()) {
    std::vector<GridXpInfo> kept;
    for (GridXpInfo& xp : grid.xps) {
      if (MatchesPatterns(absl::StrCat(xp.name, " ", xp.sig), patterns)) kept.push_back(xp);
    }
    grid.xps = std::move(kept);
  }
  const std::string folder = GridFolder(exp_root, spec.name);
  std::optional<GridLock> lock;
  if (!options.dry_run) {
    absl::Status made = MakeDirs(absl::StrCat(folder, "/logs"));
    if (!made.ok()) return Fail(std::string(made.message()));
    absl::StatusOr<GridLock> taken = GridLock::Take(folder);
    if (!taken.ok()) return Fail(std::string(taken.status().message()));
    lock.emplace(std::move(*taken));
    for (const GridXpInfo& xp : grid.xps) {
      if (absl::Status linked = ReplaceSymlink(xp.exp_dir, absl::StrCat(folder, "/", xp.sig));
          !linked.ok()) {
        return Fail(std::string(linked.message()));
      }
    }
    // A `grid` killed while it submitted left its journal: adopt what Slurm
    // got, so that nothing is submitted twice.
    if (access(GridSlurmFolder(folder).c_str(), F_OK) == 0) {
      absl::StatusOr<int> adopted = RecoverSlurmSubmissions(GridSlurmFolder(folder));
      if (!adopted.ok()) return Fail(std::string(adopted.status().message()));
      if (*adopted > 0) {
        log << "adopted " << *adopted << " member(s) submitted by a `grid` that was killed"
            << std::endl;
      }
    }
  }
  std::vector<std::pair<std::string, std::string>> dropped =
      patterns.empty() ? DroppedMembers(folder, grid)
                       : std::vector<std::pair<std::string, std::string>>();

  int exit_code = kExitOk;
  // A dry run asks no scheduler anything (SPEC §12).
  BatchedJobProbe probe("run grid", /*ask_slurm=*/!options.dry_run);
  MemberTodo todo;
  if (options.cancel || options.clear) {
    std::vector<const GridXpInfo*> targets;
    for (const GridXpInfo& xp : grid.xps) targets.push_back(&xp);
    if (options.clear && !options.dry_run && !options.force && !targets.empty()) {
      log << "clearing " << targets.size()
          << " member(s) in 3 seconds (--force skips the wait):" << std::flush;
      for (int left = 3; left > 0; --left) {
        log << " " << left << std::flush;
        std::this_thread::sleep_for(std::chrono::seconds(1));
      }
      log << std::endl;
    }
    // The running members are cancelled together (a few scancel calls, one
    // wait), then each is wiped if asked.
    std::vector<std::string> job_ids;
    for (const GridXpInfo* xp : targets) {
      if (MemberStatus(xp->exp_dir, probe) != XpStatus::kRunning) continue;
      absl::StatusOr<std::string> job_id = ExpDir(xp->exp_dir, exp_root).JobId();
      log << (options.dry_run ? "would cancel " : "cancelling ") << xp->sig << " (job "
          << job_id.value_or("?") << ")" << std::endl;
      if (job_id.ok()) job_ids.push_back(*job_id);
    }
    if (!options.dry_run && !job_ids.empty()) {
      if (absl::Status killed = KillJobs(job_ids); !killed.ok()) {
        std::cerr << "run grid: " << killed.message() << std::endl;
        exit_code = kExitFailed;
      }
    }
    BatchedJobProbe after_cancel("run grid");  // squeue again: the states have changed
    for (const GridXpInfo* xp : targets) {
      if (!options.clear) continue;
      ExpDir dir(xp->exp_dir, exp_root);
      if (!options.dry_run && dir.HasMarker()) {
        // A member still running (its cancel failed) is not wiped under it.
        if (MemberStatus(xp->exp_dir, after_cancel) == XpStatus::kRunning) {
          std::cerr << "run grid: " << xp->sig << " still runs; not wiped" << std::endl;
          exit_code = kExitFailed;
          continue;
        }
        if (absl::Status wiped = dir.Wipe(); !wiped.ok()) {
          std::cerr << "run grid: cannot wipe " << xp->exp_dir << ": " << wiped.message()
                    << std::endl;
          exit_code = kExitFailed;
          continue;
        }
      }
      todo.emplace_back(xp, MemberAction::kLaunch);
    }
  } else if (!options.init) {
    for (const GridXpInfo& xp : grid.xps) {
      const MemberAction action = DecideMember(options, MemberStatus(xp.exp_dir, probe));
      if (action != MemberAction::kNone) todo.emplace_back(&xp, action);
    }
  }
  if (options.cancel_dropped) {
    for (const auto& [sig, exp_dir] : dropped) {
      if (LinkedByOtherGrid(exp_root, spec.name, sig)) {
        log << "dropped " << sig << " is linked by another grid: left alone" << std::endl;
        continue;
      }
      ExpDir dir(exp_dir, exp_root);
      absl::StatusOr<std::string> job_id = dir.JobId();
      if (MemberStatus(exp_dir, probe) == XpStatus::kRunning && job_id.ok()) {
        log << (options.dry_run ? "would cancel dropped " : "cancelling dropped ") << sig
            << " (job " << *job_id << ")" << std::endl;
        if (!options.dry_run) {
          if (absl::Status killed = KillJob(*job_id); !killed.ok()) {
            std::cerr << "run grid: " << killed.message() << std::endl;
            exit_code = kExitFailed;
          }
        }
      }
    }
  }

  LaunchOutcome outcome;
  if (options.dry_run) {
    log << "dry run: would launch " << todo.size() << " of " << grid.xps.size() << " member(s)"
        << std::endl;
    for (const auto& [xp, action] : todo) {
      log << "  " << xp->sig << "  " << (xp->name.empty() ? "(base)" : xp->name) << std::endl;
    }
  } else if (options.init) {
    absl::StatusOr<Preparation> prep = Prepare(exp_root);
    if (!prep.ok()) return Fail(std::string(prep.status().message()));
    std::vector<absl::StatusOr<bool>> done(grid.xps.size(), false);
    ParallelFor(grid.xps.size(), kPrepareThreads, /*min_per_thread=*/1, [&](size_t i) {
      done[i] = PrepareMember(grid.xps[i], *prep, root_type, *env, {XpStatus::kNotStarted},
                              /*placeholder_job=*/false);
    });
    int recorded = 0;
    for (size_t i = 0; i < grid.xps.size(); ++i) {
      if (!done[i].ok()) {
        std::cerr << "run grid: " << grid.xps[i].sig << ": " << done[i].status().message()
                  << std::endl;
        exit_code = kExitFailed;
      }
      recorded += done[i].value_or(false);
    }
    log << "recorded " << recorded << " member(s) without launching" << std::endl;
  } else if (!todo.empty()) {
    MemberTodo local, slurm;
    for (const auto& item : todo) (item.first->on_slurm ? slurm : local).push_back(item);
    LocalLaunchOptions local_options;
    local_options.jobs = options.jobs;
    local_options.wait = options.wait;
    local_options.fail_fast = options.fail_fast;
    if (!local.empty()) outcome = LaunchLocally(local, folder, local_options, log);
    if (!slurm.empty()) {
      LaunchOutcome submitted =
          LaunchOnSlurm(slurm, folder, spec.array_parallelism, root_type, *env, log);
      outcome.launched.insert(submitted.launched.begin(), submitted.launched.end());
      outcome.failures.insert(outcome.failures.end(), submitted.failures.begin(),
                              submitted.failures.end());
    }
    log << "launched " << outcome.launched.size() << " of " << grid.xps.size() << " member(s)"
        << std::endl;
    if (outcome.not_launched > 0) {
      log << outcome.not_launched << " member(s) not launched after a failure (--fail_fast)"
          << std::endl;
    }
    if (!outcome.failures.empty()) {
      std::cerr << outcome.failures.size() << " member(s) failed:\n"
                << absl::StrJoin(outcome.failures, "\n") << std::endl;
      exit_code = kExitFailed;
    }
  } else {
    log << "nothing to launch: every member is launched" << std::endl;
  }

  for (;;) {
    BatchedJobProbe refresh("run grid", /*ask_slurm=*/!options.dry_run);
    const GridTable table = BuildGridTable(spec, grid, dropped, folder, refresh);
    if (!options.html.empty() && !options.dry_run) {
      std::vector<std::string> warnings;
      const MetricCharts charts = GridTableCharts(table, &warnings);
      for (const std::string& warning : warnings) std::cerr << "run grid: " << warning << "\n";
      absl::Status written = WriteFileAtomically(options.html, GridReportHtml(table, charts));
      if (!written.ok()) return Fail(std::string(written.message()));
      log << "wrote " << options.html << std::endl;
    }
    const std::string text = options.json ? GridTableJson(table) : GridTableText(table);
    if (options.watch_s > 0 && !options.json && isatty(STDOUT_FILENO)) std::cout << "\033[H\033[2J";
    std::cout << text << std::flush;
    if (options.watch_s <= 0) break;
    bool active = false;
    for (const GridTable::Row& row : table.rows) {
      if (row.status == "RUNNING" ||
          (row.status == "NOT_STARTED" && outcome.launched.count(row.sig) > 0)) {
        active = true;
      }
    }
    if (!active) break;
    std::this_thread::sleep_for(std::chrono::seconds(options.watch_s));
  }
  return exit_code;
}

}  // namespace

bool IsGridCommandLine(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "grid") == 0) return true;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--sweep") == 0 || std::strcmp(argv[i], "-sweep") == 0) return true;
  }
  return false;
}

int GridMain(int argc, char** argv, const google::protobuf::Descriptor* root_type) {
  const bool sweep = !(argc >= 2 && std::strcmp(argv[1], "grid") == 0);
  absl::StatusOr<GridOptions> options =
      sweep ? ParseGridFlags(argc, argv, true) : ParseGridFlags(argc - 1, argv + 1, false);
  if (!options.ok()) {
    return Fail(absl::StrCat(options.status().message(), "\n\nusage: ", kUsage), kExitBadUsage);
  }
  if (options->help) {
    std::cout << GridHelp() << std::flush;
    return kExitOk;
  }
  absl::StatusOr<GridSpec> spec = absl::UnknownError("");
  std::vector<std::string> patterns;
  if (sweep) {
    if (options->config.empty()) {
      return Fail(absl::StrCat("--sweep needs -c CFG\n\nusage: ", kUsage), kExitBadUsage);
    }
    spec = SweepGrid(options->config, options->others);
  } else {
    if (options->others.empty()) {
      return Fail(absl::StrCat("which grid? give its name or file\n\nusage: ", kUsage),
                  kExitBadUsage);
    }
    absl::StatusOr<std::string> file = FindGridFile(options->others.front());
    if (!file.ok()) return Fail(std::string(file.status().message()));
    spec = LoadGridFile(*file);
    patterns.assign(options->others.begin() + 1, options->others.end());
  }
  if (!spec.ok()) return Fail(std::string(spec.status().message()));
  return RunGrid(*options, *spec, std::move(patterns), root_type);
}

}  // namespace heyhi
