// The content-addressed copy of the `run` binary that jobs execute, and the
// git record of the source tree.
#include "heyhi/experiment/snapshot.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "heyhi/base/files.h"
#include "heyhi/base/hash.h"
#include "heyhi/base/subprocess.h"

namespace heyhi {

absl::StatusOr<std::string> CurrentExecutable() {
  char path[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n < 0) return ErrnoError("cannot read", "/proc/self/exe");
  return std::string(path, static_cast<size_t>(n));
}

absl::StatusOr<std::string> SnapshotBinary(const std::string& binary, const std::string& exp_root) {
  absl::StatusOr<std::string> content = ReadFileToString(binary);
  if (!content.ok()) return content.status();
  const std::string folder = absl::StrCat(exp_root, "/.bin/", Sha256Hex(*content));
  const std::string target = folder + "/run";
  struct stat st;
  if (stat(target.c_str(), &st) == 0 && S_ISREG(st.st_mode)) return target;
  if (absl::Status made = MakeDirs(folder); !made.ok()) return made;
  // A copy, not a hard link: a build that rewrites the binary in place
  // would change a hard-linked snapshot under a waiting job.
  if (absl::Status written = WriteFileAtomically(target, *content, 0755); !written.ok()) {
    return written;
  }
  return target;
}

absl::StatusOr<SourceState> RecordSourceState(const std::string& source_dir, const ExpDir& dir) {
  absl::StatusOr<std::string> commit =
      ProgramOutput({"git", "-C", source_dir, "rev-parse", "HEAD"});
  if (!commit.ok()) return SourceState();  // not a checkout, or no commit, or no git
  absl::StatusOr<std::string> top =
      ProgramOutput({"git", "-C", source_dir, "rev-parse", "--show-toplevel"});
  absl::StatusOr<std::string> branch =
      ProgramOutput({"git", "-C", source_dir, "rev-parse", "--abbrev-ref", "HEAD"});
  absl::StatusOr<std::string> status =
      ProgramOutput({"git", "-C", source_dir, "status", "--short"});
  absl::StatusOr<std::string> diff =
      ProgramOutput({"git", "-C", source_dir, "diff", "HEAD", "--binary"});
  const std::string info =
      absl::StrCat("commit: ", absl::StripAsciiWhitespace(*commit), "\n",
                   "checkout: ", top.ok() ? absl::StripAsciiWhitespace(*top) : "?", "\n",
                   "branch: ", branch.ok() ? absl::StripAsciiWhitespace(*branch) : "?", "\n",
                   "status:\n", status.ok() ? *status : "?\n");
  if (absl::Status written = dir.WriteFile("git.txt", info); !written.ok()) return written;
  if (absl::Status written = dir.WriteFile("workdir.diff", diff.ok() ? *diff : ""); !written.ok()) {
    return written;
  }
  SourceState state;
  state.commit = std::string(absl::StripAsciiWhitespace(*commit));
  state.dirty = !status.ok() || !absl::StripAsciiWhitespace(*status).empty();
  return state;
}

}  // namespace heyhi
