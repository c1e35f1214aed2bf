// Launching a grid's members locally or as Slurm job arrays.
#include "heyhi/cli/grid_launch.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "heyhi/base/parallel.h"
#include "heyhi/base/subprocess.h"
#include "heyhi/cli/xp_setup.h"
#include "heyhi/config.h"
#include "heyhi/config/include_resolver.h"
#include "heyhi/experiment/local_job.h"
#include "heyhi/experiment/xp_index.h"
#include "heyhi/experiment/xp_record.h"
#include "heyhi/launch/dispatch.h"
#include "heyhi/launch/slurm/array.h"

namespace heyhi {
namespace {

// A member's `run` command line: its config and overrides, and the mode that
// makes `run` do what the grid decided.
std::vector<std::string> MemberCommand(const std::string& binary, const GridXpInfo& xp,
                                       MemberAction action) {
  std::vector<std::string> argv = {binary, "-c", xp.def.config};
  argv.insert(argv.end(), xp.def.overrides.begin(), xp.def.overrides.end());
  argv.push_back("--mode");
  argv.push_back(action == MemberAction::kRestart    ? "restart"
                 : action == MemberAction::kContinue ? "start_continue"
                                                     : "gentle_start");
  if (action == MemberAction::kRestart) argv.push_back("--force");
  return argv;
}

std::string FailureText(const GridXpInfo& xp, int code, const std::string& log) {
  return absl::StrCat("  ", xp.name.empty() ? xp.sig : xp.name, " (", xp.sig, "): `run` exited ",
                      code, "; last lines of ", log, ":\n    ",
                      absl::StrReplaceAll(LastLines(log, 5), {{"\n", "\n    "}}));
}

}  // namespace

LaunchOutcome LaunchLocally(const MemberTodo& todo, const std::string& grid_folder,
                            const LocalLaunchOptions& options, std::ostream& log) {
  LaunchOutcome outcome;
  absl::StatusOr<std::string> binary = CurrentExecutable();
  if (!binary.ok()) {
    outcome.failures.push_back(std::string(binary.status().message()));
    return outcome;
  }
  std::map<pid_t, const GridXpInfo*> running;
  auto reap = [&](bool block) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, block ? 0 : WNOHANG);
    if (pid <= 0) return false;
    auto it = running.find(pid);
    if (it == running.end()) return true;
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (code != 0) {
      outcome.failures.push_back(
          FailureText(*it->second, code, GridMemberLog(grid_folder, it->second->sig)));
    }
    running.erase(it);
    return true;
  };
  size_t next = 0;
  while (next < todo.size()) {
    if (options.fail_fast && !outcome.failures.empty()) break;
    if (static_cast<int>(running.size()) >= options.jobs) {
      reap(/*block=*/true);
      continue;
    }
    const auto& [xp, action] = todo[next++];
    ProgramOptions program;
    program.log_file = GridMemberLog(grid_folder, xp->sig);
    absl::StatusOr<pid_t> pid = StartProgram(MemberCommand(*binary, *xp, action), program);
    if (!pid.ok()) {
      outcome.failures.push_back(absl::StrCat("  ", xp->name, ": ", pid.status().message()));
      continue;
    }
    log << "launched " << (xp->name.empty() ? xp->sig : xp->name) << " (" << xp->sig << ", log "
        << program.log_file << ")" << std::endl;
    outcome.launched.insert(xp->sig);
    running.emplace(*pid, xp);
  }
  outcome.not_launched = static_cast<int>(todo.size() - next);
  if (options.wait) {
    while (!running.empty() && reap(/*block=*/true)) {
    }
  } else {
    while (!running.empty() && reap(/*block=*/false)) {
    }
  }
  return outcome;
}

absl::StatusOr<Preparation> Prepare(const std::string& exp_root) {
  Preparation prep;
  absl::StatusOr<std::string> binary = CurrentExecutable();
  if (!binary.ok()) return binary.status();
  prep.binary = *binary;
  absl::StatusOr<std::string> snapshot = SnapshotBinary(*binary, exp_root);
  if (!snapshot.ok()) return snapshot.status();
  prep.snapshot = *snapshot;
  prep.launch_dir = CurrentDir();
  prep.source = ReadSourceState(prep.launch_dir);
  return prep;
}

absl::StatusOr<bool> PrepareMember(const GridXpInfo& xp, const Preparation& prep,
                                   const google::protobuf::Descriptor* root_type,
                                   const ActiveEnv& env, const std::set<XpStatus>& statuses,
                                   bool placeholder_job) {
  const std::string& exp_root = env.active_cluster().exp_dir();
  LoadOptions load;
  load.root_type = root_type;
  load.with_provenance = false;
  absl::StatusOr<Composed> composed = LoadConfig(xp.def.config, xp.def.overrides, load);
  if (!composed.ok()) return composed.status();
  absl::StatusOr<ExpIdFields> fields = ExpIdFieldsFor(*composed, xp.def.overrides, false);
  if (!fields.ok()) return fields.status();
  ExpDir dir(xp.exp_dir, WipeRoot(xp.exp_dir, exp_root));
  struct stat st;
  if (lstat(xp.exp_dir.c_str(), &st) == 0 && !dir.HasMarker() && !HoldsOnlyHeyhiFiles(xp.exp_dir)) {
    return absl::FailedPreconditionError(absl::StrCat(xp.exp_dir, " exists and is not heyhi's (no ",
                                                      kMarkerFile, " marker); left alone"));
  }
  absl::StatusOr<std::unique_ptr<ExpLock>> lock = dir.TryLock();
  if (!lock.ok()) return lock.status();
  if (*lock == nullptr || statuses.count(dir.Status(JobIsAlive)) == 0) return false;
  dir.RemoveLeftoverTempFiles();
  XpRecord record;
  record.set_sig(fields->sig);
  record.set_tag(fields->redefines);
  XpFiles files;
  files.overrides = xp.def.overrides;
  std::vector<std::string> argv = {prep.binary, "-c", xp.def.config};
  argv.insert(argv.end(), xp.def.overrides.begin(), xp.def.overrides.end());
  files.command = CommandToRepeat(argv, prep.launch_dir);
  files.launch_dir = prep.launch_dir;
  files.snapshot = prep.snapshot;
  FillXpRecord(*composed, xp.def.config, files, prep.source, &record);
  *record.mutable_env() = env;
  if (xp.on_slurm) {
    *record.mutable_slurm_submitted() = xp.slurm;
    for (const std::string& name : xp.slurm_from_env) record.add_slurm_from_env(name);
  }
  absl::Status written = WriteXpFiles(dir, *composed, files, prep.source);
  if (written.ok()) {
    written = StoreXpRecord(dir, record, /*goes_on=*/statuses.count(XpStatus::kDead) > 0);
  }
  if (written.ok()) written = IndexXp(exp_root, fields->sig, xp.exp_dir);
  if (written.ok() && placeholder_job) written = dir.RecordJobId(LocalJobId());
  if (!written.ok()) return written;
  return true;
}

std::string GridSlurmFolder(const std::string& grid_folder) {
  return absl::StrCat(grid_folder, "/slurm");
}

LaunchOutcome LaunchOnSlurm(const MemberTodo& todo, const std::string& grid_folder, int parallelism,
                            const google::protobuf::Descriptor* root_type, const ActiveEnv& env,
                            std::ostream& log) {
  const std::string& exp_root = env.active_cluster().exp_dir();
  LaunchOutcome outcome;
  absl::StatusOr<Preparation> prep = Prepare(exp_root);
  if (!prep.ok()) {
    outcome.failures.push_back(std::string(prep.status().message()));
    return outcome;
  }
  // Each member's folder first, many at once: the time goes to the fsync of
  // every file written, which the disk serves in parallel.
  std::vector<absl::StatusOr<bool>> prepared(todo.size(), false);
  ParallelFor(todo.size(), kPrepareThreads, /*min_per_thread=*/1, [&](size_t i) {
    const auto& [xp, action] = todo[i];
    ExpDir dir(xp->exp_dir, WipeRoot(xp->exp_dir, exp_root));
    if (action == MemberAction::kRestart) {
      absl::StatusOr<std::string> job_id = dir.JobId();
      absl::Status stopped = job_id.ok() ? KillJob(*job_id) : absl::OkStatus();
      if (stopped.ok()) stopped = dir.Wipe();
      if (!stopped.ok()) {
        prepared[i] = stopped;
        return;
      }
    }
    const std::set<XpStatus> statuses = action == MemberAction::kContinue
                                            ? std::set<XpStatus>{XpStatus::kDead}
                                            : std::set<XpStatus>{XpStatus::kNotStarted};
    prepared[i] = PrepareMember(*xp, *prep, root_type, env, statuses, /*placeholder_job=*/true);
  });
  // Equal launchers (as bytes: every field, defaults included) share arrays.
  std::map<std::string, std::pair<SlurmLauncher, std::vector<const GridXpInfo*>>> groups;
  for (size_t i = 0; i < todo.size(); ++i) {
    const GridXpInfo* xp = todo[i].first;
    if (!prepared[i].ok()) {
      outcome.failures.push_back(absl::StrCat("  ", xp->sig, ": ", prepared[i].status().message()));
      continue;
    }
    if (!*prepared[i]) continue;  // launched by another process meanwhile
    std::string key;
    xp->slurm.SerializeToString(&key);
    auto& group = groups[key];
    group.first = xp->slurm;
    group.second.push_back(xp);
  }
  for (const auto& [key, group] : groups) {
    std::vector<std::string> exp_dirs;
    for (const GridXpInfo* xp : group.second) exp_dirs.push_back(xp->exp_dir);
    absl::StatusOr<std::vector<ArraySubmission>> submitted = SubmitSlurmArrays(
        group.first, exp_dirs, prep->snapshot, GridSlurmFolder(grid_folder), parallelism);
    if (!submitted.ok()) {
      outcome.failures.push_back(absl::StrCat("  ", submitted.status().message()));
      // Members of arrays that were not submitted read NOT_STARTED again.
      for (const std::string& exp_dir : exp_dirs) {
        ExpDir dir(exp_dir, exp_dir);
        absl::StatusOr<std::string> job_id = dir.JobId();
        if (job_id.ok() && *job_id == LocalJobId()) unlink(dir.File(kJobIdFile).c_str());
      }
    }
    size_t i = 0;
    for (const ArraySubmission& array : submitted.value_or(std::vector<ArraySubmission>{})) {
      log << "submitted array " << array.array_job_id << " of " << array.job_ids.size()
          << " member(s)" << std::endl;
      for (size_t t = 0; t < array.job_ids.size() && i < group.second.size(); ++t, ++i) {
        outcome.launched.insert(group.second[i]->sig);
      }
    }
  }
  return outcome;
}

}  // namespace heyhi
