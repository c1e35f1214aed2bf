// Launching a grid's members: locally, each as its own `run` process, or on
// Slurm as job arrays of members prepared by the grid itself (SPEC §12).
#ifndef HEYHI_CLI_GRID_LAUNCH_H_
#define HEYHI_CLI_GRID_LAUNCH_H_

#include <functional>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "heyhi/cli/grid_members.h"
#include "heyhi/experiment/snapshot.h"

namespace heyhi {

// What `grid` does with one member.
enum class MemberAction {
  kNone,
  kLaunch,    // NOT_STARTED (or just wiped): start it
  kContinue,  // DEAD with --retry: start it again in its folder
  kRestart,   // RUNNING with --replace, DONE with --replace_done: kill, wipe, start
};

using MemberTodo = std::vector<std::pair<const GridXpInfo*, MemberAction>>;

struct LaunchOutcome {
  std::vector<std::string> failures;  // one paragraph per member that failed
  std::set<std::string> launched;     // sigs
  int not_launched = 0;               // left out by --fail_fast
};

struct LocalLaunchOptions {
  int jobs = 1;            // members running at once
  bool wait = false;       // return when all have ended, not when all are started
  bool fail_fast = false;  // start nothing after the first failure
};

// Runs each member as `run -c CONFIG OVERRIDES... --mode M`, output in
// GridMemberLog; at most `jobs` at once.
LaunchOutcome LaunchLocally(const MemberTodo& todo, const std::string& grid_folder,
                            const LocalLaunchOptions& options, std::ostream& log);

// Threads that prepare members at once: writing a member's folder waits on
// the disk (an fsync per file), not on a core.
inline constexpr size_t kPrepareThreads = 16;

// What every member prepared by the grid itself records: the snapshot of
// this binary, the launch folder and its source state (read once).
struct Preparation {
  std::string binary;
  std::string snapshot;
  std::string launch_dir;
  SourceState source;
};
absl::StatusOr<Preparation> Prepare(const std::string& exp_root);

// Creates the member's exp dir and writes everything `run` writes before a
// launch (configs, record, index), under its lock, when its status is one of
// `statuses`; with `placeholder_job`, records this process as its job, so
// that it reads RUNNING until the real job id replaces it. A member that
// another process launched meanwhile is left alone (false).
absl::StatusOr<bool> PrepareMember(const GridXpInfo& xp, const Preparation& prep,
                                   const google::protobuf::Descriptor* root_type,
                                   const ActiveEnv& env, const std::set<XpStatus>& statuses,
                                   bool placeholder_job);

// The journal folder of the grid's Slurm submissions.
std::string GridSlurmFolder(const std::string& grid_folder);

// Submits the members (each of which runs on Slurm) as job arrays: members
// whose SlurmLauncher as submitted (with `env`'s cluster defaults) is equal share arrays of at most
// `parallelism` tasks running at once. RUNNING/DONE members to restart are killed and wiped first.
LaunchOutcome LaunchOnSlurm(const MemberTodo& todo, const std::string& grid_folder, int parallelism,
                            const google::protobuf::Descriptor* root_type, const ActiveEnv& env,
                            std::ostream& log);

}  // namespace heyhi

#endif  // HEYHI_CLI_GRID_LAUNCH_H_
