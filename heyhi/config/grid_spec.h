// A grid's members (SPEC §12): a grid file (heyhi.Grid) or a `run --sweep`
// command line expanded into the config and override tokens of every member.
// Knows nothing of experiments: members are composed and signed elsewhere.
#ifndef HEYHI_CONFIG_GRID_SPEC_H_
#define HEYHI_CONFIG_GRID_SPEC_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace heyhi {

// The deepest chain of grid files including each other and sub-grids.
inline constexpr int kMaxGridDepth = 32;

struct GridMember {
  std::string config;                  // absolute path of the base config
  std::vector<std::string> overrides;  // in order: common, the xp's, axis values, launcher
  std::string origin;                  // where it is defined: "FILE:LINE" or "--sweep"
};

struct GridSpec {
  std::string name;  // the grid file's stem, or "sweep_<hash>" for --sweep
  std::string file;  // absolute path of the grid file; "" for --sweep
  std::vector<GridMember> members;
  std::vector<std::string> metrics;
  int array_parallelism = 256;
};

// The grid file that `name_or_file` names: an existing file as is, else
// `<conf root>/grids/<name>.prototxt` (conf root: $HH_CONF_ROOT, else
// ./conf). Not found: an error listing the grids there.
absl::StatusOr<std::string> FindGridFile(const std::string& name_or_file);

// Reads the grid file `path` (its includes and sub-grids too) and lists its
// members, not yet deduplicated. Errors name the file, and the line of the
// entry at fault when there is one.
absl::StatusOr<GridSpec> LoadGridFile(const std::string& path);

// The grid of `run -c CONFIG --sweep TOKEN...`: every token an axis in the
// sweep grammar (config/sweep.h). Its name is "sweep_" and 8 hex of a hash
// of the config and tokens, so the same command names the same grid.
absl::StatusOr<GridSpec> SweepGrid(const std::string& config,
                                   const std::vector<std::string>& tokens);

}  // namespace heyhi

#endif  // HEYHI_CONFIG_GRID_SPEC_H_
