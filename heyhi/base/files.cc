// Small file-system helpers shared by the exp dir and snapshot units.
#include "heyhi/base/files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "heyhi/base/subprocess.h"
#include "heyhi/base/test_hook.h"

namespace heyhi {

absl::Status ErrnoError(const std::string& what, const std::string& path) {
  if (path.empty()) return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

absl::Status WriteFileAtomically(const std::string& path, const std::string& content, int mode) {
  // The counter keeps two threads of one process off each other's temp file.
  static std::atomic<uint64_t> counter{0};
  const std::string temp = absl::StrCat(path, ".tmp.", getpid(), ".", counter++);
  const int fd = open(temp.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return ErrnoError("cannot create", temp);
  absl::Status status;
  for (size_t written = 0; status.ok() && written < content.size();) {
    const ssize_t n = write(fd, content.data() + written, content.size() - written);
    if (n >= 0) {
      written += static_cast<size_t>(n);
    } else if (errno != EINTR) {
      status = ErrnoError("cannot write", temp);
    }
  }
  // open() applies the umask; the mode asked for is what the file gets.
  if (status.ok() && fchmod(fd, static_cast<mode_t>(mode)) != 0) {
    status = ErrnoError("cannot set the mode of", temp);
  }
  if (status.ok() && fsync(fd) != 0) status = ErrnoError("cannot flush", temp);
  if (close(fd) != 0 && status.ok()) status = ErrnoError("cannot close", temp);
  if (status.ok()) KillWhileWritingForTest(path);
  if (status.ok() && rename(temp.c_str(), path.c_str()) != 0) {
    status = ErrnoError("cannot rename to", path);
  }
  if (!status.ok()) unlink(temp.c_str());
  return status;
}

int RemoveStaleTempFiles(const std::string& folder, const std::string& name) {
  std::unique_ptr<DIR, int (*)(DIR*)> listing(opendir(folder.c_str()), closedir);
  if (!listing) return 0;
  int removed = 0;
  while (dirent* entry = readdir(listing.get())) {
    const absl::string_view entry_name = entry->d_name;
    const size_t tmp = entry_name.rfind(".tmp.");
    if (tmp == absl::string_view::npos || tmp == 0) continue;
    if (!name.empty() && entry_name.substr(0, tmp) != name) continue;
    const absl::string_view rest = entry_name.substr(tmp + 5);
    int pid = 0;
    if (!absl::SimpleAtoi(rest.substr(0, rest.find('.')), &pid) || pid <= 0) continue;
    if (ProcessAlive(pid)) continue;  // still writing it
    if (unlinkat(dirfd(listing.get()), entry->d_name, 0) == 0) ++removed;
  }
  return removed;
}

absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  std::string content;
  char buffer[16384];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int saved = errno;
      ::close(fd);
      return absl::DataLossError(absl::StrCat(path, ": read error: ", std::strerror(saved)));
    }
    if (n == 0) break;
    content.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return content;
}

absl::StatusOr<std::string> ReadRegularFile(const std::string& path, size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  const int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": not a regular file (a folder, FIFO, socket or device); give a .prototxt file"));
  }
  if (static_cast<size_t>(st.st_size) > max_bytes) {
    close(fd);
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", st.st_size, " bytes; the limit is ", max_bytes));
  }
  // Reads of one byte more than fstat's size: a file that did not change
  // since is then whole after one read (its size and no more), where reading
  // to the end would take a second one that returns nothing.
  std::string content;
  const size_t expected = static_cast<size_t>(st.st_size);
  size_t used = 0;
  while (true) {
    if (content.size() < used + 1) content.resize(used == 0 ? expected + 1 : used + 16384);
    const ssize_t n = read(fd, content.data() + used, content.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      absl::Status error =
          absl::DataLossError(absl::StrCat(path, ": read error: ", std::strerror(errno)));
      close(fd);
      return error;
    }
    used += static_cast<size_t>(n);
    if (used > max_bytes) {  // grew while being read
      close(fd);
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": more than ", max_bytes, " bytes; the limit is ", max_bytes));
    }
    if (n == 0 || (used == expected && content.size() > expected)) break;
  }
  close(fd);
  content.resize(used);
  return content;
}

absl::Status MakeDirs(const std::string& path) {
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      const std::string partial = path.substr(0, i);
      if (mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST) {
        return ErrnoError("cannot create folder", partial);
      }
    }
  }
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(path, " exists and is not a folder"));
  }
  return absl::OkStatus();
}

bool IsRegularFile(const std::string& path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

int64_t ModifiedTime(const std::string& path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0 ? static_cast<int64_t>(info.st_mtime) : 0;
}

absl::Status ReplaceSymlink(const std::string& target, const std::string& link) {
  char buffer[4096];
  const ssize_t n = readlink(link.c_str(), buffer, sizeof(buffer));
  if (n > 0 && std::string(buffer, static_cast<size_t>(n)) == target) return absl::OkStatus();
  const std::string temp = absl::StrCat(link, ".tmp.", getpid());
  unlink(temp.c_str());
  if (symlink(target.c_str(), temp.c_str()) != 0) return ErrnoError("cannot create", temp);
  if (rename(temp.c_str(), link.c_str()) != 0) {
    absl::Status error = ErrnoError("cannot rename to", link);
    unlink(temp.c_str());
    return error;
  }
  return absl::OkStatus();
}

}  // namespace heyhi
