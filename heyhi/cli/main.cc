// heyhi::Main: the `run` command from its command line to the task's end.
#include "heyhi/main.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gflags/gflags.h"
#include "glog/logging.h"
#include "heyhi/base/command_line.h"
#include "heyhi/base/test_hook.h"
#include "heyhi/cli/grid.h"
#include "heyhi/cli/inspect.h"
#include "heyhi/cli/run_flags.h"
#include "heyhi/cli/stored_config.h"
#include "heyhi/cli/xp_setup.h"
#include "heyhi/conf_access.h"
#include "heyhi/config.h"
#include "heyhi/config/describe.h"
#include "heyhi/config/include_resolver.h"
#include "heyhi/config/printer.h"
#include "heyhi/env.h"
#include "heyhi/exp_dir.h"
#include "heyhi/experiment/local_job.h"
#include "heyhi/experiment/naming.h"
#include "heyhi/experiment/run_modes.h"
#include "heyhi/experiment/snapshot.h"
#include "heyhi/experiment/task_registry.h"
#include "heyhi/experiment/xp_index.h"
#include "heyhi/experiment/xp_record.h"
#include "heyhi/launch/dispatch.h"
#include "heyhi/launch/local.h"
#include "heyhi/launch/worker.h"
#include "heyhi/signature.h"

namespace heyhi {
namespace {

int Fail(const std::string& message, int code = kExitFailed) {
  std::cerr << "run: " << message << std::endl;
  return code;
}

std::string RegisteredTaskList() {
  std::vector<std::string> names;
  for (const auto& [name, task] : RegisteredTasks()) names.push_back(name);
  return names.empty() ? "(none)" : absl::StrJoin(names, ", ");
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string WorkingDirectory() {
  char buffer[4096];
  return getcwd(buffer, sizeof(buffer)) == nullptr ? "." : buffer;
}

// The status as it will be once this process has exited: its own job id no
// longer counts as alive.
XpStatus StatusAfterThisProcess(const ExpDir& dir) {
  const std::string self = LocalJobId();
  return dir.Status([&self](const std::string& job_id) -> absl::StatusOr<bool> {
    if (job_id == self) return false;
    return JobIsAlive(job_id);
  });
}

void Countdown(const std::string& path, bool force) {
  if (force) return;
  std::cout << "wiping " << path << " in 3 seconds (--force skips the wait):" << std::flush;
  for (int left = 3; left > 0; --left) {
    std::cout << " " << left << std::flush;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  std::cout << std::endl;
}

// Writes glog messages of this run into the exp dir's run.log.
class RunLogSink : public google::LogSink {
 public:
  explicit RunLogSink(const std::string& path) : out_(path, std::ios::app) {}
  void send(google::LogSeverity severity, const char* full_filename, const char* base_filename,
            int line, const google::LogMessageTime& time, const char* message,
            size_t message_len) override {
    std::lock_guard<std::mutex> lock(mutex_);
    out_ << ToString(severity, base_filename, line, time, message, message_len) << "\n";
    out_.flush();
    (void)full_filename;
  }

 private:
  std::mutex mutex_;
  std::ofstream out_;
};

int PrintOnly(const RunCommandLine& cli, const Composed& composed) {
  std::string out;
  if (!cli.describe.empty()) {
    absl::StatusOr<std::string> described = DescribeField(*composed.task, cli.describe);
    // The message starts with "--describe KEY: " itself.
    if (!described.ok()) return Fail(std::string(described.status().message()));
    out = *described;
  } else if (cli.print_flat || cli.print_flat_all) {
    for (const std::string& line : Flatten(*composed.task, cli.print_flat_all)) {
      absl::StrAppend(&out, line, "\n");
    }
  } else {
    out = PrintText(*composed.task);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? kExitOk : kExitFailed;
}

// The folders from `path` up that do not exist, deepest first.
std::vector<std::string> MissingFolders(std::string path) {
  std::vector<std::string> missing;
  struct stat st;
  while (!path.empty() && path != "/" && lstat(path.c_str(), &st) != 0 && errno == ENOENT) {
    missing.push_back(path);
    path = path.substr(0, path.rfind('/'));
  }
  return missing;
}

// A launch that failed before its task started takes back what it made: the
// exp dir, the folders above it that it created (`made`, deepest first) and
// its index link. So the experiment reads NOT_STARTED and nothing is left.
void RemoveUnstartedLaunch(const ExpDir& dir, const std::vector<std::string>& made,
                           const std::string& exp_root, const std::string& sig) {
  // Without its marker (it could not be written) the folder holds nothing.
  if (absl::Status wiped = dir.HasMarker() ? dir.Wipe() : absl::OkStatus(); !wiped.ok()) {
    std::cerr << "run: cannot remove the exp dir of the failed launch: " << wiped.message()
              << std::endl;
    return;
  }
  UnindexXp(exp_root, sig, dir.path());
  for (const std::string& folder : made) rmdir(folder.c_str());  // the empty ones only
}

// The binary the jobs run: the snapshot in the cache, or with --checkpoint=""
// the running binary itself.
absl::StatusOr<std::string> BinaryForJobs(const RunCommandLine& cli, const std::string& exp_root) {
  absl::StatusOr<std::string> binary = CurrentExecutable();
  if (!binary.ok()) return binary.status();
  if (cli.checkpoint_given && cli.checkpoint.empty()) return *binary;
  return SnapshotBinary(*binary, cli.checkpoint_given ? cli.checkpoint : exp_root);
}

int Launch(const RunCommandLine& cli, const Composed& composed, XpRecord record,
           const RegisteredTask& task, const LaunchPlan& plan, ExpDir& dir, const ActiveEnv& env,
           const std::string& snapshot, const std::vector<std::string>& made,
           std::unique_ptr<ExpLock> lock) {
  const std::string& exp_root = env.active_cluster().exp_dir();
  const std::string launch_dir = WorkingDirectory();
  XpFiles files;
  files.overrides = cli.overrides;
  files.command = CommandToRepeat(cli.argv, launch_dir);
  files.launch_dir = launch_dir;
  files.snapshot = snapshot;
  const SourceState source = ReadSourceState(launch_dir);
  FillXpRecord(composed, cli.config, files, source, &record);
  RecordLaunchEnvironment(plan, env, &record);
  absl::Status written = WriteXpFiles(dir, composed, files, source);
  if (written.ok()) {
    KillHereForTest("after_config");
    if (LaunchEndsWithTask(plan) && plan.num_procs <= 1) record.set_started(UnixNow());
    // An XP that goes on in its folder (start_continue) keeps its history:
    // when it was made and every job it had.
    written = StoreXpRecord(dir, record, /*goes_on=*/made.empty());
  }
  if (written.ok()) {
    KillHereForTest("after_record");
    written = IndexXp(exp_root, record.sig(), dir.path());
  }
  if (written.ok()) {
    KillHereForTest("after_index");
    written = dir.RecordJobId(LocalJobId());
  }
  if (!written.ok()) {
    if (!made.empty()) RemoveUnstartedLaunch(dir, made, exp_root, record.sig());
    return Fail(std::string(written.message()));
  }
  KillHereForTest("after_jobid");

  RunLogSink sink(dir.File(kRunLogFile));
  google::AddLogSink(&sink);
  LOG(INFO) << "running task " << task.case_name << " in " << dir.path() << " (snapshot "
            << snapshot << ")";
  absl::Status ran = LaunchTask(plan, task, *composed.task, dir.path(), launch_dir, snapshot, env);
  if (ran.ok() && LaunchEndsWithTask(plan)) {
    KillHereForTest("after_task");
    ran = dir.MarkDone();
    if (ran.ok()) KillHereForTest("after_done");
    if (ran.ok()) LOG(INFO) << "task " << task.case_name << " done";
  } else if (ran.ok()) {
    LOG(INFO) << "task " << task.case_name << " submitted";
  }
  if (!ran.ok()) LOG(ERROR) << "task " << task.case_name << " failed: " << ran.message();
  google::RemoveLogSink(&sink);
  lock.reset();
  std::cout << "status after: " << XpStatusName(StatusAfterThisProcess(dir)) << std::endl;
  return ran.ok() ? kExitOk : kExitFailed;
}

// The composition `run` starts from: the config file with the overrides,
// or with -f SIG the stored config of that experiment with them on top.
// `parent_dir` gets the exp dir of SIG, found under `exp_root`.
absl::StatusOr<Composed> ComposeForRun(const RunCommandLine& cli,
                                       const google::protobuf::Descriptor* root_type,
                                       const std::string& exp_root, XpRecord* record,
                                       std::string* parent_dir) {
  if (cli.from.empty()) {
    LoadOptions options;
    options.root_type = root_type;
    options.with_provenance = false;  // nothing a run does asks where a value came from
    return LoadConfig(cli.config, cli.overrides, options);
  }
  absl::StatusOr<std::string> found = FindXp(exp_root, cli.from);
  if (!found.ok()) return found.status();
  *parent_dir = *found;
  absl::StatusOr<XpRecord> parent = ReadXpRecord(ExpDir(*found, *found));
  if (!parent.ok()) return parent.status();
  absl::StatusOr<Composed> stored = LoadStoredConfig(*found, *parent, root_type);
  if (!stored.ok()) return stored.status();
  record->set_parent_sig(parent->sig());
  record->set_tag(parent->tag());
  for (const std::string& token : cli.overrides) record->add_parent_overrides(token);
  record->set_config(parent->config());
  return DeriveConfig(std::move(*stored), cli.overrides);
}

int RunCommand(const RunCommandLine& cli, const google::protobuf::Descriptor* root_type) {
  if (cli.config.empty() && cli.from.empty()) {
    return Fail(absl::StrCat("missing -c CFG\n\nusage: ", RunUsage()), kExitBadUsage);
  }
  if (!cli.config.empty() && !cli.from.empty()) {
    return Fail(absl::StrCat("give -c CFG or -f SIG, not both\n\nusage: ", RunUsage()),
                kExitBadUsage);
  }
  XpRecord record;
  std::string parent_dir;
  // The environment: of the config's conf root; with -f SIG (no config), of
  // the working directory's, which also finds SIG.
  absl::StatusOr<ActiveEnv> env = absl::UnknownError("not loaded");
  if (!cli.from.empty()) {
    env = LoadEnvironment(ConfRootOfWorkingDir());
    if (!env.ok()) return Fail(std::string(env.status().message()));
  }
  absl::StatusOr<Composed> composed = ComposeForRun(
      cli, root_type, env.ok() ? env->active_cluster().exp_dir() : "", &record, &parent_dir);
  if (!composed.ok()) return Fail(std::string(composed.status().message()));
  if (cli.print + cli.print_flat + cli.print_flat_all + !cli.describe.empty() > 1) {
    return Fail("choose one of --print, --print-flat, --print-flat-all, --describe", kExitBadUsage);
  }
  if (cli.print || cli.print_flat || cli.print_flat_all || !cli.describe.empty()) {
    return PrintOnly(cli, *composed);
  }
  RunMode mode = DefaultRunMode(cli.adhoc);
  if (!cli.mode.empty()) {
    absl::StatusOr<RunMode> parsed = ParseRunMode(cli.mode);
    if (!parsed.ok()) return Fail(std::string(parsed.status().message()), kExitBadUsage);
    mode = *parsed;
  }
  if (!env.ok()) env = LoadEnvironment(composed->search->conf_root);
  if (!env.ok()) return Fail(std::string(env.status().message()));
  const std::string exp_root = env->active_cluster().exp_dir();
  absl::StatusOr<ExpIdFields> fields = ExpIdFieldsFor(*composed, cli.overrides, cli.adhoc);
  if (!fields.ok()) return Fail(std::string(fields.status().message()));
  if (!cli.from.empty()) {
    // -f SIG: the parent's tag, then the new overrides' (none: the same XP).
    const std::string& parent_tag = record.tag();
    if (parent_tag.empty()) {
      // A parent without a tag keeps the tag of the new overrides alone.
    } else if (cli.overrides.empty()) {
      fields->redefines = parent_tag;
    } else if (parent_tag != "default") {
      fields->redefines = absl::StrCat(parent_tag, "@", fields->redefines).substr(0, 100);
    }
  }
  absl::StatusOr<std::string> path = ExpDirFor(*fields, cli.out, exp_root);
  // -f SIG with no overrides is SIG itself, wherever its folder is.
  if (!cli.from.empty() && cli.overrides.empty() && path.ok()) *path = parent_dir;
  if (!path.ok()) return Fail(std::string(path.status().message()));
  if (*path == exp_root) {
    return Fail(absl::StrCat("exp dir ", *path,
                             " is the exp root itself; give --out a folder "
                             "inside it or elsewhere"));
  }
  ExpDir dir(*path, WipeRoot(*path, exp_root));

  XpStatus status = dir.Status(JobIsAlive);
  RunAction action = DecideRunAction(mode, status);
  std::cout << "exp dir: " << dir.path() << "\nstatus: " << XpStatusName(status)
            << "\nmode: " << RunModeName(mode) << " -> " << RunActionName(action) << std::endl;
  if (action == RunAction::kReport || action == RunAction::kSkip) {
    std::cout << "status after: " << XpStatusName(dir.Status(JobIsAlive)) << std::endl;
    return kExitOk;
  }

  // Checks that need no file come first: a refused launch leaves no trace.
  const RegisteredTask* task = FindTask(composed->task_name);
  if (task == nullptr) {
    return Fail(absl::StrCat("no task registered for \"", composed->task_name,
                             "\" in this binary; registered tasks: ", RegisteredTaskList()));
  }
  absl::StatusOr<LaunchPlan> plan = PlanLaunch(*composed->task, &*env);
  if (!plan.ok()) return Fail(std::string(plan.status().message()));
  if (IsDirectory(dir.path()) && !dir.HasMarker() && !HoldsOnlyHeyhiFiles(dir.path())) {
    return Fail(absl::StrCat(dir.path(), " exists and is not heyhi's (no ", kMarkerFile,
                             " marker); refusing to run or wipe there"));
  }
  // The snapshot lies outside the exp dir: made first, a failure leaves no
  // exp dir behind (and stops no running job).
  absl::StatusOr<std::string> snapshot = BinaryForJobs(cli, exp_root);
  if (!snapshot.ok()) return Fail(std::string(snapshot.status().message()));
  KillHereForTest("after_snapshot");
  if (action == RunAction::kKillWipeRun) {
    absl::StatusOr<std::string> job_id = dir.JobId();
    if (job_id.ok()) {
      std::cout << "stopping job " << *job_id << std::endl;
      absl::Status killed = KillJob(*job_id);
      if (!killed.ok()) return Fail(std::string(killed.message()));
    }
  }
  // What this launch creates, it removes again if it fails before its task.
  std::vector<std::string> made = MissingFolders(dir.path());
  absl::StatusOr<std::unique_ptr<ExpLock>> lock = dir.TryLock();
  if (!lock.ok()) {
    if (!made.empty()) RemoveUnstartedLaunch(dir, made, exp_root, fields->sig);
    return Fail(std::string(lock.status().message()));
  }
  if (*lock == nullptr) {
    std::cout << "another run is launching this experiment\nstatus after: RUNNING" << std::endl;
    return kExitOk;
  }
  KillHereForTest("after_lock");
  if (const int removed = dir.RemoveLeftoverTempFiles(); removed > 0) {
    std::cout << "removed " << removed << " temporary file(s) left by a killed run" << std::endl;
  }
  // Another run may have finished between the first look and the lock.
  status = dir.Status(JobIsAlive);
  action = DecideRunAction(mode, status);
  // Then the folder is that run's too: a failure here must not remove it.
  if (status != XpStatus::kNotStarted) made.clear();
  if (action == RunAction::kSkip) {
    std::cout << "status now " << XpStatusName(status)
              << ": skip\nstatus after: " << XpStatusName(status) << std::endl;
    return kExitOk;
  }
  if (action == RunAction::kKillWipeRun) {
    absl::StatusOr<std::string> job_id = dir.JobId();
    if (job_id.ok()) {
      absl::Status killed = KillJob(*job_id);
      if (!killed.ok()) return Fail(std::string(killed.message()));
    }
  }
  if (action == RunAction::kWipeRun || action == RunAction::kKillWipeRun) {
    Countdown(dir.path(), cli.force);
    // Clear, not Wipe: the lock file this run holds stays in place, so a
    // racing run cannot take a fresh lock in between and launch as well.
    absl::Status wiped = dir.Clear();
    if (!wiped.ok()) return Fail(absl::StrCat("cannot wipe: ", wiped.message()));
    if (made.empty()) made.push_back(dir.path());  // as good as new
  }
  record.set_sig(fields->sig);
  record.set_tag(fields->redefines);
  return Launch(cli, *composed, std::move(record), *task, *plan, dir, *env, *snapshot, made,
                std::move(*lock));
}

}  // namespace

int Main(int argc, char** argv, const google::protobuf::Descriptor* root_type) {
  FLAGS_logtostderr = true;
  google::InitGoogleLogging(argv[0]);
  if (absl::Status hook = CheckTestKillStep(); !hook.ok()) {
    return Fail(std::string(hook.message()), kExitBadUsage);
  }
  if (IsGridCommandLine(argc, argv)) return GridMain(argc, argv, root_type);
  if (argc >= 2 && IsInspectCommand(argv[1])) return InspectMain(argc - 1, argv + 1, root_type);
  absl::StatusOr<RunCommandLine> cli = ParseRunCommandLine(argc, argv);
  if (!cli.ok()) {
    return Fail(absl::StrCat(cli.status().message(), "\n\nusage: ", RunUsage()), kExitBadUsage);
  }
  if (cli->help) {
    std::cout << RunHelp() << std::flush;
    return kExitOk;
  }
  if (!cli->worker.empty()) return WorkerMain(cli->worker, root_type);
  return RunCommand(*cli, root_type);
}

}  // namespace heyhi
