// A grid's members as experiments: each composed, signed and named, the
// duplicates folded, and their state read back for the table (SPEC §12).
#ifndef HEYHI_CLI_GRID_MEMBERS_H_
#define HEYHI_CLI_GRID_MEMBERS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "heyhi/cli/grid_table.h"
#include "heyhi/config/grid_spec.h"
#include "heyhi/exp_dir.h"
#include "heyhi/heyhi.pb.h"
#include "heyhi/launch/job_probe.h"

namespace heyhi {

// One member, composed and signed.
struct GridXpInfo {
  GridMember def;
  std::string sig;
  std::string exp_dir;
  std::string name;  // the overrides that differ between members
  bool on_slurm = false;
  // When on_slurm: the launcher as submitted (with the cluster's defaults)
  // and the fields the cluster filled.
  SlurmLauncher slurm;
  std::vector<std::string> slurm_from_env;
};

struct ComposedGrid {
  std::vector<GridXpInfo> xps;      // deduplicated, in definition order
  std::vector<std::string> shared;  // tokens every member has
  std::vector<std::string> errors;  // one per member that failed to compose
  std::vector<std::string> folded;  // "member N is member M (same sig)"
};

// Composes and signs every member of `spec` (into folders under `env`'s exp
// dir; Slurm launchers with `env`'s cluster defaults),
// folds members with one signature into the first, and names them. Errors of
// single members are collected, not returned.
ComposedGrid ComposeGrid(const GridSpec& spec, const google::protobuf::Descriptor* root_type,
                         const ActiveEnv& env);

// The folder of the grid's links: <exp_root>/grids/<name>.
std::string GridFolder(const std::string& exp_root, const std::string& name);

// The log file a locally launched member writes its `run` output to.
std::string GridMemberLog(const std::string& grid_folder, const std::string& sig);

// Members linked in the grid folder that are no longer in the grid: their
// sig and exp dir.
std::vector<std::pair<std::string, std::string>> DroppedMembers(const std::string& grid_folder,
                                                                const ComposedGrid& grid);

// Whether a grid other than `grid_name` links `sig`.
bool LinkedByOtherGrid(const std::string& exp_root, const std::string& grid_name,
                       const std::string& sig);

// The status of the member's exp dir (no folder: NOT_STARTED).
XpStatus MemberStatus(const std::string& exp_dir, BatchedJobProbe& probe);

// The table of `grid` (and its dropped members), statuses from `probe`.
GridTable BuildGridTable(const GridSpec& spec, const ComposedGrid& grid,
                         const std::vector<std::pair<std::string, std::string>>& dropped,
                         const std::string& grid_folder, BatchedJobProbe& probe);

// The last `lines` lines of the file at `path` ("" when it cannot be read).
std::string LastLines(const std::string& path, int lines);

}  // namespace heyhi

#endif  // HEYHI_CLI_GRID_MEMBERS_H_
