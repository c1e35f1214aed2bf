// The content-addressed copy of the `run` binary that jobs execute, and the
// git record of the source tree.
#include "heyhi/experiment/snapshot.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
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
  // The content hash of a binary is computed once: a file named after the
  // binary's device, inode, size and modification time remembers it, and
  // any rebuild changes at least the time, so the hash is taken again.
  struct stat binary_stat;
  if (stat(binary.c_str(), &binary_stat) != 0) return ErrnoError("cannot inspect", binary);
  const std::string known = absl::StrCat(
      exp_root, "/.bin/known/", binary_stat.st_dev, "-", binary_stat.st_ino, "-",
      binary_stat.st_size, "-", binary_stat.st_mtim.tv_sec, ".", binary_stat.st_mtim.tv_nsec);
  struct stat st;
  if (absl::StatusOr<std::string> sha = ReadFileToString(known); sha.ok()) {
    const std::string target = absl::StrCat(exp_root, "/.bin/", *sha, "/run");
    if (sha->size() == 64 && stat(target.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      // A copy that a killed run left half made is of no use to anyone.
      RemoveStaleTempFiles(absl::StrCat(exp_root, "/.bin/", *sha), "run");
      return target;
    }
  }
  absl::StatusOr<std::string> content = ReadFileToString(binary);
  if (!content.ok()) return content.status();
  const std::string sha = Sha256Hex(*content);
  const std::string folder = absl::StrCat(exp_root, "/.bin/", sha);
  const std::string target = folder + "/run";
  RemoveStaleTempFiles(folder, "run");
  if (stat(target.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    if (absl::Status made = MakeDirs(folder); !made.ok()) return made;
    // A copy, not a hard link: a build that rewrites the binary in place
    // would change a hard-linked snapshot under a waiting job.
    if (absl::Status written = WriteFileAtomically(target, *content, 0755); !written.ok()) {
      rmdir(folder.c_str());  // when it holds nothing else
      return written;
    }
  }
  // Remembering the hash is an optimisation: failing to only costs time.
  if (MakeDirs(exp_root + "/.bin/known").ok()) {
    RemoveStaleTempFiles(exp_root + "/.bin/known");
    WriteFileAtomically(known, sha).IgnoreError();
  }
  return target;
}

SourceState ReadSourceState(const std::string& source_dir) {
  // One git process tells the commit, the branch and whether the tree is
  // dirty; a second one, for the diff, runs only when it is.
  absl::StatusOr<std::string> status =
      ProgramOutput({"git", "-C", source_dir, "status", "--porcelain=v2", "--branch"});
  if (!status.ok()) return SourceState();  // not a checkout, or no git
  SourceState state;
  std::string branch = "?", changes;
  for (absl::string_view line : absl::StrSplit(*status, '\n', absl::SkipEmpty())) {
    if (absl::ConsumePrefix(&line, "# branch.oid ")) {
      state.commit = std::string(line);
    } else if (absl::ConsumePrefix(&line, "# branch.head ")) {
      branch = std::string(line);
    } else if (!absl::StartsWith(line, "# ")) {
      absl::StrAppend(&changes, line, "\n");
    }
  }
  if (state.commit.empty() || state.commit == "(initial)") return SourceState();  // no commit
  state.dirty = !changes.empty();
  if (state.dirty) {
    state.diff = ProgramOutput({"git", "-C", source_dir, "diff", "HEAD", "--binary"}).value_or("");
  }
  state.info = absl::StrCat("commit: ", state.commit, "\nbranch: ", branch, "\nstatus:\n", changes);
  return state;
}

absl::Status WriteSourceState(const SourceState& state, const ExpDir& dir) {
  if (state.commit.empty()) return absl::OkStatus();
  if (absl::Status written = dir.WriteFile("git.txt", state.info); !written.ok()) return written;
  return dir.WriteFile("workdir.diff", state.diff);
}

absl::StatusOr<SourceState> RecordSourceState(const std::string& source_dir, const ExpDir& dir) {
  SourceState state = ReadSourceState(source_dir);
  if (absl::Status written = WriteSourceState(state, dir); !written.ok()) return written;
  return state;
}

}  // namespace heyhi
