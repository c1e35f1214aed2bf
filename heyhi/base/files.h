// Small file-system helpers shared by the exp dir and snapshot units.
#ifndef HEYHI_BASE_FILES_H_
#define HEYHI_BASE_FILES_H_

#include <string>

#include "absl/status/status.h"

namespace heyhi {

// An error "<what> <path>: <strerror(errno)>"; call right after the failure.
absl::Status ErrnoError(const std::string& what, const std::string& path);

// mkdir -p: creates `path` and its missing parents; an error if it exists as
// something other than a folder.
absl::Status MakeDirs(const std::string& path);

}  // namespace heyhi

#endif  // HEYHI_BASE_FILES_H_
