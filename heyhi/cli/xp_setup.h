// One experiment from its composed config to a prepared exp dir: its name
// and folder, and the files and record it keeps before its task starts.
// Shared by `run` and `run grid`.
#ifndef HEYHI_CLI_XP_SETUP_H_
#define HEYHI_CLI_XP_SETUP_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "heyhi/config.h"
#include "heyhi/exp_dir.h"
#include "heyhi/experiment/naming.h"
#include "heyhi/experiment/snapshot.h"
#include "heyhi/heyhi.pb.h"
#include "heyhi/launch/dispatch.h"

namespace heyhi {

// The override tokens as the folder name shows them: a value that names a
// scalar of the task is written as the composed config holds it, so `lr=.1`
// and `lr=0.1` name one folder. Other tokens (include overrides) stay as given.
std::vector<std::string> TokensForTag(const Composed& composed,
                                      const std::vector<std::string>& given);

// The fields of the folder name of `composed` made from `overrides`
// (redefines, its hash, the sig, ...), as `run` names it.
absl::StatusOr<ExpIdFields> ExpIdFieldsFor(const Composed& composed,
                                           const std::vector<std::string>& overrides, bool adhoc);

// The exp dir of `fields` under `exp_root` by `out_pattern` ("" for the
// default pattern). The exp root itself is refused.
absl::StatusOr<std::string> ExpDirFor(const ExpIdFields& fields, const std::string& out_pattern,
                                      const std::string& exp_root);

// "cd LAUNCH_DIR && ARGV..." with every word quoted for the shell.
std::string CommandToRepeat(const std::vector<std::string>& argv, const std::string& launch_dir);

// What an exp dir records before its task starts.
struct XpFiles {
  std::vector<std::string> overrides;  // the tokens, as given
  std::string command;                 // CommandToRepeat
  std::string launch_dir;
  std::string snapshot;  // the binary the jobs run
};

// Fills `record` for a launch: config paths (`config` as the user named
// it), overrides, command, launch folder, task, creation time, git state.
void FillXpRecord(const Composed& composed, const std::string& config, const XpFiles& files,
                  const SourceState& source, XpRecord* record);

// Records in `record` the environment of the launch and, for Slurm, the
// launcher as submitted (the config's with the cluster's defaults) and which
// fields the cluster filled.
void RecordLaunchEnvironment(const LaunchPlan& plan, const ActiveEnv& env, XpRecord* record);

// Writes the frozen configs, overrides.txt, command.txt, the launch dir, the
// snapshot path and the source state into `dir`.
absl::Status WriteXpFiles(const ExpDir& dir, const Composed& composed, const XpFiles& files,
                          const SourceState& source);

// Writes `record` as the exp dir's record. An XP that `goes_on` in its folder
// (start_continue, a retried grid member) keeps its history: when it was
// made and every job it had.
absl::Status StoreXpRecord(const ExpDir& dir, const XpRecord& record, bool goes_on);

// The folder `Wipe()` must stay inside: the exp root, or for an exp dir
// outside it, the folder that holds it.
std::string WipeRoot(const std::string& exp_dir, const std::string& exp_root);

// True when the folder holds nothing but heyhi's own files: empty, or being
// created by a racing `run` that has not written its marker yet. (A folder
// or a link by the name of one of them is not heyhi's.)
bool HoldsOnlyHeyhiFiles(const std::string& path);

}  // namespace heyhi

#endif  // HEYHI_CLI_XP_SETUP_H_
