// Small file helpers of the runners: atomic writes and whole-file reads.
#ifndef RUNNERS_FILES_H_
#define RUNNERS_FILES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace runners {

// Writes `contents` to a temporary file beside `path`, flushes it to disk and
// renames it over `path`: a reader (or a run killed meanwhile) sees either the
// old file or the new one, never a part.
absl::Status WriteFileAtomically(const std::string& path, const std::string& contents);

// The whole content of `path`.
absl::StatusOr<std::string> ReadFile(const std::string& path);

bool FileExists(const std::string& path);

// `path` if absolute, else `dir`/`path`.
std::string JoinPath(const std::string& dir, const std::string& path);

}  // namespace runners

#endif  // RUNNERS_FILES_H_
