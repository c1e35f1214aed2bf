// Paths of the runners' files: existence and joining onto the exp dir.
#include "runners/files.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"

namespace runners {

bool FileExists(const std::string& path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0;
}

std::string JoinPath(const std::string& dir, const std::string& path) {
  if (path.empty() || path[0] == '/' || dir.empty()) return path;
  return absl::StrCat(dir, "/", path);
}

}  // namespace runners
