// heyhi::Main: the `run` command from its command line to the task's end.
#include "heyhi/main.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

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
#include "heyhi/cli/inspect.h"
#include "heyhi/cli/run_flags.h"
#include "heyhi/cli/stored_config.h"
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

// True when the folder holds nothing but heyhi's own files: empty, or being
// created by a racing `run` that has not written its marker yet.
bool HoldsOnlyHeyhiFiles(const std::string& path) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(opendir(path.c_str()), closedir);
  if (!dir) return false;
  while (dirent* entry = readdir(dir.get())) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    if (!absl::StartsWith(name, kMarkerFile) && !absl::StartsWith(name, "heyhi.")) return false;
  }
  return true;
}

std::string WorkingDirectory() {
  char buffer[4096];
  return getcwd(buffer, sizeof(buffer)) == nullptr ? "." : buffer;
}

// The folder Wipe() must stay inside: the exp root, or for an absolute --out
// outside it, the folder that holds the explicit --out.
std::string WipeRoot(const std::string& exp_dir, const std::string& exp_root) {
  if (absl::StartsWith(exp_dir, exp_root + "/")) return exp_root;
  const size_t slash = exp_dir.rfind('/');
  return slash == 0 ? "/" : exp_dir.substr(0, slash);
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
    if (!described.ok())
      return Fail(absl::StrCat("--describe ", cli.describe, ": ", described.status().message()));
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

// The override tokens as the folder name shows them: a value that names a
// scalar of the task is written as the composed config holds it, so `lr=.1`
// and `lr=0.1` name one folder. Other tokens (include overrides) stay as given.
std::vector<std::string> TokensForTag(const Composed& composed,
                                      const std::vector<std::string>& given) {
  std::vector<std::string> tokens;
  for (const std::string& token : given) {
    const std::string stripped = StripOverrideDashes(token);
    const size_t eq = stripped.find('=');
    if (eq == std::string::npos) {
      tokens.push_back(token);
      continue;
    }
    const std::string key = stripped.substr(0, eq);
    absl::StatusOr<std::string> value = ConfGet(*composed.task, key);
    const bool scalar = value.ok() && !value->empty() && value->front() != '{' &&
                        value->front() != '[' && value->front() != '\'' && value->front() != '"' &&
                        value->find('\n') == std::string::npos;
    tokens.push_back(scalar ? absl::StrCat(key, "=", *value) : token);
  }
  return tokens;
}

std::string CommandToRepeat(const RunCommandLine& cli, const std::string& launch_dir) {
  std::vector<std::string> words;
  for (const std::string& arg : cli.argv) words.push_back(ShellQuote(arg));
  return absl::StrCat("cd ", ShellQuote(launch_dir), " && ", absl::StrJoin(words, " "), "\n");
}

// Everything an experiment folder records before its task starts.
absl::Status WriteExpFiles(const ExpDir& dir, const RunCommandLine& cli, const Composed& composed,
                           const std::string& launch_dir, const std::string& snapshot) {
  absl::Status status = SaveConfig(*composed.root, dir.File(kRootConfigFile));
  if (status.ok()) status = SaveConfig(*composed.task, dir.File(kTaskConfigFile));
  std::string overrides;
  for (const std::string& token : cli.overrides) absl::StrAppend(&overrides, token, "\n");
  if (status.ok()) status = dir.WriteFile(kOverridesFile, overrides);
  if (status.ok()) status = dir.WriteFile(kCommandFile, CommandToRepeat(cli, launch_dir));
  if (status.ok()) status = dir.WriteFile(kLaunchDirFile, launch_dir + "\n");
  if (status.ok()) status = dir.WriteFile(kSnapshotFile, snapshot + "\n");
  return status;
}

// The record of a new experiment, before its task starts.
void FillRecord(const RunCommandLine& cli, const Composed& composed, const std::string& launch_dir,
                const LaunchPlan& plan, const ActiveEnv& env, XpRecord* record) {
  if (!record->has_config()) record->set_config(cli.config);
  record->set_config_abs(composed.config_path);
  record->set_conf_root(composed.search->conf_root);
  record->clear_overrides();
  for (const std::string& token : composed.overrides) record->add_overrides(token);
  record->set_command(CommandToRepeat(cli, launch_dir));
  record->set_launch_dir(launch_dir);
  record->set_task(composed.task_name);
  record->set_created(UnixNow());
  *record->mutable_env() = env;
  record->clear_slurm_submitted();
  record->clear_slurm_from_env();
  if (plan.kind == LauncherKind::kSlurm) {
    *record->mutable_slurm_submitted() = plan.slurm;
    for (const std::string& name : plan.slurm_from_env) record->add_slurm_from_env(name);
  }
}

int Launch(const RunCommandLine& cli, const Composed& composed, XpRecord record,
           const RegisteredTask& task, const LaunchPlan& plan, ExpDir& dir, const ActiveEnv& env,
           std::unique_ptr<ExpLock> lock) {
  const std::string& exp_root = env.active_cluster().exp_dir();
  const std::string launch_dir = WorkingDirectory();
  absl::StatusOr<std::string> binary = CurrentExecutable();
  if (!binary.ok()) return Fail(std::string(binary.status().message()));
  std::string snapshot = *binary;
  if (!cli.checkpoint_given || !cli.checkpoint.empty()) {
    absl::StatusOr<std::string> cached =
        SnapshotBinary(*binary, cli.checkpoint_given ? cli.checkpoint : exp_root);
    if (!cached.ok()) return Fail(std::string(cached.status().message()));
    snapshot = *cached;
  }
  FillRecord(cli, composed, launch_dir, plan, env, &record);
  absl::Status written = WriteExpFiles(dir, cli, composed, launch_dir, snapshot);
  if (written.ok()) {
    absl::StatusOr<SourceState> source = RecordSourceState(launch_dir, dir);
    written = source.status();
    if (source.ok() && !source->commit.empty()) {
      record.set_git_commit(source->commit);
      record.set_git_dirty(source->dirty);
    }
  }
  if (written.ok()) {
    if (LaunchEndsWithTask(plan) && plan.num_procs <= 1) record.set_started(UnixNow());
    written = UpdateXpRecord(dir, [&record](XpRecord* stored) { *stored = record; });
  }
  if (written.ok()) written = IndexXp(exp_root, record.sig(), dir.path());
  if (written.ok()) written = dir.RecordJobId(LocalJobId());
  if (!written.ok()) return Fail(std::string(written.message()));

  RunLogSink sink(dir.File(kRunLogFile));
  google::AddLogSink(&sink);
  LOG(INFO) << "running task " << task.case_name << " in " << dir.path() << " (snapshot "
            << snapshot << ")";
  absl::Status ran = LaunchTask(plan, task, *composed.task, dir.path(), launch_dir, snapshot, env);
  if (ran.ok() && LaunchEndsWithTask(plan)) {
    ran = dir.MarkDone();
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
    return LoadConfig(cli.config, cli.overrides, options);
  }
  if (!cli.config.empty()) return absl::InvalidArgumentError("give -c CFG or -f SIG, not both");
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
  absl::StatusOr<ExpIdFields> fields = MakeExpIdFields(
      composed->config_path, composed->search->conf_root, TokensForTag(*composed, cli.overrides),
      cli.adhoc, Signature(*composed->task), std::time(nullptr));
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
  // HeyHi hashed the tokens as typed; %(redefines_hash)s finds its folders.
  absl::StatusOr<std::string> redefines_hash = RedefinesHash(composed->overrides);
  if (!redefines_hash.ok()) return Fail(std::string(redefines_hash.status().message()));
  fields->redefines_hash = *redefines_hash;
  absl::StatusOr<std::string> exp_id =
      ExpId(cli.out.empty() ? kDefaultExpIdPattern : cli.out, *fields);
  if (!exp_id.ok()) return Fail(std::string(exp_id.status().message()));
  absl::StatusOr<std::string> path = ExpDirPath(exp_root, *exp_id);
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
  if (action == RunAction::kKillWipeRun) {
    absl::StatusOr<std::string> job_id = dir.JobId();
    if (job_id.ok()) {
      std::cout << "stopping job " << *job_id << std::endl;
      absl::Status killed = KillJob(*job_id);
      if (!killed.ok()) return Fail(std::string(killed.message()));
    }
  }
  absl::StatusOr<std::unique_ptr<ExpLock>> lock = dir.TryLock();
  if (!lock.ok()) return Fail(std::string(lock.status().message()));
  if (*lock == nullptr) {
    std::cout << "another run is launching this experiment\nstatus after: RUNNING" << std::endl;
    return kExitOk;
  }
  if (const int removed = dir.RemoveLeftoverTempFiles(); removed > 0) {
    std::cout << "removed " << removed << " temporary file(s) left by a killed run" << std::endl;
  }
  // Another run may have finished between the first look and the lock.
  status = dir.Status(JobIsAlive);
  action = DecideRunAction(mode, status);
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
  }
  record.set_sig(fields->sig);
  record.set_tag(fields->redefines);
  return Launch(cli, *composed, std::move(record), *task, *plan, dir, *env, std::move(*lock));
}

}  // namespace

int Main(int argc, char** argv, const google::protobuf::Descriptor* root_type) {
  FLAGS_logtostderr = true;
  google::InitGoogleLogging(argv[0]);
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
