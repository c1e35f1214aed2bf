// The snapshot of the `run` binary that jobs execute, and the record of the
// source tree it was built from (SPEC §6).
#ifndef HEYHI_EXPERIMENT_SNAPSHOT_H_
#define HEYHI_EXPERIMENT_SNAPSHOT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "heyhi/exp_dir.h"

namespace heyhi {

// The path of the running executable (/proc/self/exe resolved).
absl::StatusOr<std::string> CurrentExecutable();

// Puts `binary` into the content-addressed cache
// `<exp_root>/.bin/<sha256 of its content>/run` (a copy, made atomically) and
// returns that path. The same content gives the same path; rebuilding
// `binary` later does not change the snapshot. The hash is computed once per
// version of the binary: `<exp_root>/.bin/known/<device>-<inode>-<size>-<mtime>`
// remembers it, and a binary changed in any of these is hashed again.
absl::StatusOr<std::string> SnapshotBinary(const std::string& binary, const std::string& exp_root);

// The state of the source tree an experiment was launched from.
struct SourceState {
  std::string commit;  // "" outside a git checkout
  bool dirty = false;  // uncommitted changes or untracked files
  std::string info;    // git.txt: commit, branch, status
  std::string diff;    // workdir.diff: the uncommitted changes
};

// The source state of `source_dir`: one `git status --porcelain=v2
// --branch`, and `git diff HEAD` only when the tree is dirty. Outside a
// checkout, without git or without a commit: an empty state.
SourceState ReadSourceState(const std::string& source_dir);

// Writes `git.txt` and `workdir.diff` of `state` into `dir`; nothing for an
// empty state.
absl::Status WriteSourceState(const SourceState& state, const ExpDir& dir);

// ReadSourceState, then WriteSourceState.
absl::StatusOr<SourceState> RecordSourceState(const std::string& source_dir, const ExpDir& dir);

}  // namespace heyhi

#endif  // HEYHI_EXPERIMENT_SNAPSHOT_H_
