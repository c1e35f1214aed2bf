// Small file-system helpers: errors that name the file, folders, atomic writes.
#ifndef HEYHI_BASE_FILES_H_
#define HEYHI_BASE_FILES_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace heyhi {

// An error "<what> <path>: <strerror(errno)>" ("<what>: ..." without a path);
// call right after the failure.
absl::Status ErrnoError(const std::string& what, const std::string& path = "");

// Replaces `path` with `content` all at once: written to a temporary file
// beside it (`<path>.tmp.<pid>.<n>`), flushed to disk, then renamed over
// `path`. Readers see the old file or the new one, never a part; on failure
// the temporary file is removed and `path` is unchanged.
absl::Status WriteFileAtomically(const std::string& path, const std::string& content,
                                 int mode = 0644);

// Removes from `folder` the temporary files that a writer killed before its
// rename left behind (`<name>.tmp.<pid>[.<n>]`, the names WriteFileAtomically
// uses) whose process is gone; only those of `name` unless it is "". Returns
// how many it removed.
int RemoveStaleTempFiles(const std::string& folder, const std::string& name = "");

// The whole content of the file at `path`.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

// The content of `path` when it is a regular file of at most `max_bytes`
// bytes; anything else (a FIFO, a device, a folder, a larger file) is an
// error naming the file and what it is. Opening never blocks.
absl::StatusOr<std::string> ReadRegularFile(const std::string& path, size_t max_bytes);

// mkdir -p: creates `path` and its missing parents; an error if it exists as
// something other than a folder.
absl::Status MakeDirs(const std::string& path);

// Whether `path` (links followed) is a regular file.
bool IsRegularFile(const std::string& path);

// The modification time of `path` in Unix seconds; 0 when it cannot be read.
int64_t ModifiedTime(const std::string& path);

// Makes `link` a symbolic link to `target`, replacing what is there all at
// once (a link beside it, `<link>.tmp.<pid>`, renamed over it). Nothing is
// written when `link` already points to `target`.
absl::Status ReplaceSymlink(const std::string& target, const std::string& link);

}  // namespace heyhi

#endif  // HEYHI_BASE_FILES_H_
