// Small file helpers of the runners; atomic writes and reads are heyhi's own.
#ifndef RUNNERS_FILES_H_
#define RUNNERS_FILES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "heyhi/base/files.h"

namespace runners {

using heyhi::ReadFileToString;
using heyhi::WriteFileAtomically;

bool FileExists(const std::string& path);

// `path` if absolute, else `dir`/`path`.
std::string JoinPath(const std::string& dir, const std::string& path);

}  // namespace runners

#endif  // RUNNERS_FILES_H_
