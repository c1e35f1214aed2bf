// The content-addressed copy of the `run` binary that jobs execute, and the
// git record of the source tree.
#include "heyhi/experiment/snapshot.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "heyhi/base/files.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "heyhi/base/hash.h"

extern char** environ;

namespace heyhi {
namespace {

// Copies `from` to `to` (created executable).
absl::Status CopyExecutable(const std::string& from, const std::string& to) {
  const int in = open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return ErrnoError("cannot open", from);
  const int out = open(to.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0755);
  if (out < 0) {
    absl::Status error = ErrnoError("cannot create", to);
    close(in);
    return error;
  }
  char buffer[1 << 16];
  absl::Status status;
  while (true) {
    const ssize_t n = read(in, buffer, sizeof(buffer));
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      status = ErrnoError("cannot read", from);
      break;
    }
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = write(out, buffer + done, static_cast<size_t>(n - done));
      if (w < 0) {
        if (errno == EINTR) continue;
        status = ErrnoError("cannot write", to);
        break;
      }
      done += w;
    }
    if (!status.ok()) break;
  }
  close(in);
  if (close(out) != 0 && status.ok()) status = ErrnoError("cannot write", to);
  return status;
}

}  // namespace

absl::StatusOr<std::string> CurrentExecutable() {
  char path[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n < 0) return ErrnoError("cannot read", "/proc/self/exe");
  return std::string(path, static_cast<size_t>(n));
}

absl::StatusOr<std::string> SnapshotBinary(const std::string& binary,
                                           const std::string& exp_root) {
  absl::StatusOr<std::string> digest = Sha256FileHex(binary);
  if (!digest.ok()) return digest.status();
  const std::string folder = absl::StrCat(exp_root, "/.bin/", *digest);
  const std::string target = folder + "/run";
  struct stat st;
  if (stat(target.c_str(), &st) == 0 && S_ISREG(st.st_mode)) return target;
  if (absl::Status made = MakeDirs(folder); !made.ok()) return made;
  // A copy, not a hard link: a build that rewrites the binary in place
  // would change a hard-linked snapshot under a waiting job.
  const std::string temp = absl::StrCat(target, ".tmp.", getpid());
  if (absl::Status copied = CopyExecutable(binary, temp); !copied.ok()) {
    unlink(temp.c_str());
    return copied;
  }
  if (rename(temp.c_str(), target.c_str()) != 0) {
    absl::Status error = ErrnoError("cannot rename to", target);
    unlink(temp.c_str());
    return error;
  }
  return target;
}

absl::StatusOr<std::string> RunProgram(const std::vector<std::string>& argv,
                                       const std::string& working_dir) {
  if (argv.empty()) return absl::InvalidArgumentError("RunProgram: empty command");
  const std::string shown = absl::StrJoin(argv, " ");
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return ErrnoError("cannot create a pipe for", shown);
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return ErrnoError("cannot create a pipe for", shown);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  if (!working_dir.empty()) posix_spawn_file_actions_addchdir_np(&actions, working_dir.c_str());
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (spawned != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    return absl::NotFoundError(absl::StrCat("cannot run ", shown, ": ", std::strerror(spawned)));
  }
  // Read both pipes together so that neither can fill up and block the child.
  std::string out, err;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buffer[1 << 14];
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = read(fds[i].fd, buffer, sizeof(buffer));
      if (n > 0) {
        (i == 0 ? out : err).append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int wait_status = 0;
  while (waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0) {
    const int code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
    if (code == 127) {
      return absl::NotFoundError(absl::StrCat("cannot run ", shown, ": program not found"));
    }
    return absl::InternalError(absl::StrCat(shown, " failed (exit ", code,
                                            "): ", absl::StripAsciiWhitespace(err)));
  }
  return out;
}

absl::Status RecordSourceState(const std::string& source_dir, const ExpDir& dir) {
  absl::StatusOr<std::string> commit = RunProgram({"git", "-C", source_dir, "rev-parse", "HEAD"});
  if (!commit.ok()) return absl::OkStatus();  // not a checkout, or no commit, or no git
  absl::StatusOr<std::string> top =
      RunProgram({"git", "-C", source_dir, "rev-parse", "--show-toplevel"});
  absl::StatusOr<std::string> branch =
      RunProgram({"git", "-C", source_dir, "rev-parse", "--abbrev-ref", "HEAD"});
  absl::StatusOr<std::string> status =
      RunProgram({"git", "-C", source_dir, "status", "--short"});
  absl::StatusOr<std::string> diff =
      RunProgram({"git", "-C", source_dir, "diff", "HEAD", "--binary"});
  const std::string info = absl::StrCat(
      "commit: ", absl::StripAsciiWhitespace(*commit), "\n",
      "checkout: ", top.ok() ? absl::StripAsciiWhitespace(*top) : "?", "\n",
      "branch: ", branch.ok() ? absl::StripAsciiWhitespace(*branch) : "?", "\n",
      "status:\n", status.ok() ? *status : "?\n");
  if (absl::Status written = dir.WriteFile("git.txt", info); !written.ok()) return written;
  return dir.WriteFile("workdir.diff", diff.ok() ? *diff : "");
}

}  // namespace heyhi
