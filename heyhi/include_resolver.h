// Finding the file an include names (SPEC §2), and the folders involved.
#ifndef HEYHI_INCLUDE_RESOLVER_H_
#define HEYHI_INCLUDE_RESOLVER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace heyhi {

// Where includes are looked up.
struct SearchPath {
  std::string project_root;               // parent of conf_root
  std::string conf_root;                  // the `conf` folder
  std::vector<std::string> include_dirs;  // --include_dir, in order
};

// The conf root of a config file: $HH_CONF_ROOT if set, else the nearest
// ancestor folder named `conf`, else the file's own folder.
std::string FindConfRoot(const std::string& config_path);

// Resolves `path` included at `mount` from a file in folder `including_dir`:
// absolute paths as is; a path with '/' that exists under the project root;
// else `D/<path>.prototxt` for D in including_dir, conf_root/common,
// include_dirs, then each of those joined with the mount folder (dots -> '/').
// Not found: an error listing the searched folders, the *.prototxt names there
// and the 5 closest to `path`.
absl::StatusOr<std::string> ResolveInclude(const std::string& path,
                                           const std::string& mount,
                                           const std::string& including_dir,
                                           const SearchPath& search);

}  // namespace heyhi

#endif  // HEYHI_INCLUDE_RESOLVER_H_
