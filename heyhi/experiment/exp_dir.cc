// An experiment folder: status from heyhi's own files, the launch lock,
// atomic writes and the safe wipe.
#include "heyhi/exp_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "glog/logging.h"
#include "heyhi/base/files.h"
#include "heyhi/base/subprocess.h"
#include "heyhi/experiment/local_job.h"
#include "heyhi/experiment/xp_record.h"

namespace heyhi {
namespace {

absl::StatusOr<std::string> RealPath(const std::string& path) {
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) == nullptr) return ErrnoError("cannot resolve", path);
  return std::string(resolved);
}

// Deletes everything inside the open folder `dir_fd` but the entries named in
// `keep`, never following a symbolic link: links are unlinked, their targets
// untouched.
absl::Status RemoveContents(int dir_fd, const std::string& shown_path,
                            const std::vector<std::string>& keep = {}) {
  DIR* dir = fdopendir(dup(dir_fd));
  if (dir == nullptr) return ErrnoError("cannot list", shown_path);
  absl::Status status;
  while (struct dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    if (std::find(keep.begin(), keep.end(), name) != keep.end()) continue;
    struct stat st;
    if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      status = ErrnoError("cannot inspect", shown_path + "/" + name);
      break;
    }
    if (S_ISDIR(st.st_mode)) {
      const int child =
          openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (child < 0) {
        status = ErrnoError("cannot open", shown_path + "/" + name);
        break;
      }
      status = RemoveContents(child, shown_path + "/" + name);
      close(child);
      if (!status.ok()) break;
      if (unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) != 0) {
        status = ErrnoError("cannot remove", shown_path + "/" + name);
        break;
      }
    } else if (unlinkat(dir_fd, name.c_str(), 0) != 0) {
      status = ErrnoError("cannot remove", shown_path + "/" + name);
      break;
    }
  }
  closedir(dir);
  return status;
}

}  // namespace

const char* XpStatusName(XpStatus status) {
  switch (status) {
    case XpStatus::kNotStarted:
      return "NOT_STARTED";
    case XpStatus::kRunning:
      return "RUNNING";
    case XpStatus::kDone:
      return "DONE";
    case XpStatus::kDead:
      return "DEAD";
  }
  return "UNKNOWN";
}

absl::StatusOr<bool> LocalJobIsAlive(const std::string& job_id) {
  absl::StatusOr<LocalJob> job = ParseLocalJobId(job_id);
  if (!job.ok()) return job.status();
  // Another machine's process cannot be checked from here: assume it lives,
  // so that nothing of a running job is ever wiped.
  if (job->host != HostName()) return true;
  return ProcessAlive(job->pid);
}

ExpLock::~ExpLock() {
  if (fd_ >= 0) close(fd_);  // closing releases the flock
}

ExpDir::ExpDir(std::string path, std::string exp_root)
    : path_(std::move(path)), exp_root_(std::move(exp_root)) {
  while (path_.size() > 1 && path_.back() == '/') path_.pop_back();
}

XpStatus ExpDir::Status(const JobLivenessProbe& probe) const {
  struct stat st;
  if (stat(File(kDoneFile).c_str(), &st) == 0) return XpStatus::kDone;
  absl::StatusOr<std::string> job_id = JobId();
  if (!job_id.ok()) return XpStatus::kNotStarted;
  absl::StatusOr<bool> alive = probe(*job_id);
  if (!alive.ok()) {
    // Unknown is reported as RUNNING: a status that lets a wipe kill a live
    // job would be worse than one that makes the user look.
    LOG(WARNING) << "cannot tell whether job " << *job_id << " lives: " << alive.status();
    return XpStatus::kRunning;
  }
  return *alive ? XpStatus::kRunning : XpStatus::kDead;
}

absl::Status ExpDir::Create() {
  // Never through a link: a marker written into the folder a link points to
  // would make that folder heyhi's, and a later restart there would wipe it.
  struct stat st;
  if (lstat(path_.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path_,
                     " is a symbolic link; heyhi makes experiments only in plain "
                     "folders it creates (give --out the folder itself, or a new path)"));
  }
  if (absl::Status made = MakeDirs(path_); !made.ok()) return made;
  if (HasMarker()) return absl::OkStatus();
  return WriteFile(kMarkerFile, "This folder is a heyhi experiment; heyhi may wipe it.\n");
}

bool ExpDir::HasMarker() const {
  struct stat st;
  return lstat(File(kMarkerFile).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

absl::StatusOr<std::unique_ptr<ExpLock>> ExpDir::TryLock() {
  if (absl::Status created = Create(); !created.ok()) return created;
  const std::string lock_path = File(kLockFile);
  const int fd = open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("cannot open", lock_path);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    close(fd);
    if (error == EWOULDBLOCK) return std::unique_ptr<ExpLock>();
    errno = error;
    return ErrnoError("cannot lock", lock_path);
  }
  return std::unique_ptr<ExpLock>(new ExpLock(fd));
}

absl::Status ExpDir::WriteFile(const std::string& name, const std::string& content) const {
  return WriteFileAtomically(File(name), content);
}

absl::StatusOr<std::string> ExpDir::ReadFile(const std::string& name) const {
  std::ifstream in(File(name), std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", File(name)));
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

absl::Status ExpDir::RecordJobId(const std::string& job_id) const {
  absl::Status status = WriteFile(kJobIdFile, job_id + "\n");
  if (!status.ok()) return status;
  return UpdateXpRecord(*this, [&job_id](XpRecord* record) {
    const int n = record->job_ids_size();
    if (n == 0 || record->job_ids(n - 1) != job_id) record->add_job_ids(job_id);
  });
}

absl::Status ExpDir::MarkDone() const {
  absl::Status status = WriteFile(kDoneFile, "done\n");
  if (!status.ok()) return status;
  return UpdateXpRecord(*this, [](XpRecord* record) { record->set_ended(UnixNow()); });
}

absl::StatusOr<std::string> ExpDir::JobId() const {
  absl::StatusOr<std::string> content = ReadFile(kJobIdFile);
  if (!content.ok()) return content.status();
  std::string id(absl::StripAsciiWhitespace(*content));
  if (id.empty()) return absl::NotFoundError(absl::StrCat(File(kJobIdFile), " is empty"));
  return id;
}

int ExpDir::RemoveLeftoverTempFiles() const { return RemoveStaleTempFiles(path_); }

absl::StatusOr<std::string> ExpDir::CheckWipeable() const {
  struct stat st;
  if (lstat(path_.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::string();  // nothing to wipe
    return ErrnoError("cannot inspect", path_);
  }
  if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "refusing to wipe ", path_, ": it is not a plain folder (a symbolic link or a file)"));
  }
  if (!HasMarker()) {
    return absl::FailedPreconditionError(
        absl::StrCat("refusing to wipe ", path_, ": it has no ", kMarkerFile,
                     " marker, so heyhi did not create it; delete it yourself if you mean to"));
  }
  absl::StatusOr<std::string> real = RealPath(path_);
  if (!real.ok()) return real.status();
  absl::StatusOr<std::string> root = RealPath(exp_root_);
  if (!root.ok()) return root.status();
  if (*real == "/" || *real == *root ||
      !absl::StartsWith(*real, *root == "/" ? "/" : *root + "/")) {
    return absl::FailedPreconditionError(
        absl::StrCat("refusing to wipe ", *real, ": it must lie strictly inside ", *root));
  }
  return *real;
}

absl::Status ExpDir::Wipe() const {
  absl::StatusOr<std::string> real = CheckWipeable();
  if (!real.ok()) return real.status();
  if (real->empty()) return absl::OkStatus();
  const int fd = open(real->c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open", *real);
  absl::Status removed = RemoveContents(fd, *real);
  close(fd);
  if (!removed.ok()) return removed;
  if (rmdir(real->c_str()) != 0) return ErrnoError("cannot remove", *real);
  return absl::OkStatus();
}

absl::Status ExpDir::Clear() const {
  absl::StatusOr<std::string> real = CheckWipeable();
  if (!real.ok()) return real.status();
  if (real->empty()) return absl::OkStatus();
  const int fd = open(real->c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open", *real);
  absl::Status removed = RemoveContents(fd, *real, {kLockFile, kMarkerFile});
  close(fd);
  return removed;
}

}  // namespace heyhi
