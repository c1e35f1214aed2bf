// Finding the file an include names (SPEC §2), and the folders involved.
#ifndef HEYHI_CONFIG_INCLUDE_RESOLVER_H_
#define HEYHI_CONFIG_INCLUDE_RESOLVER_H_

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
// ancestor folder named `conf`, else the file's own folder. Absolute.
std::string FindConfRoot(const std::string& config_path);

// OK unless a conf root is given, as `conf_root` (pp --conf_root) or else as
// $HH_CONF_ROOT, that is not a folder: an error naming it and how it was given.
absl::Status CheckGivenConfRoot(const std::string& conf_root);

// The search path for `config_path`: conf root as FindConfRoot unless
// `conf_root` is given, project root its parent, and `include_dirs`.
SearchPath MakeSearchPath(const std::string& config_path, const std::string& conf_root = "",
                          const std::vector<std::string>& include_dirs = {});

// Resolves `path` included at `mount` from a file in folder `including_dir`:
// absolute paths as is; a path with '/' that exists under the project root;
// else `D/<path>.prototxt` for D in including_dir, conf_root/common,
// include_dirs, then each of those joined with the mount folder (dots -> '/').
// Not found: an error listing the searched folders, the *.prototxt names there
// and the 5 closest to `path`.
absl::StatusOr<std::string> ResolveInclude(const std::string& path, const std::string& mount,
                                           const std::string& including_dir,
                                           const SearchPath& search);

// The folders rule 3 tries, in order, without duplicates.
std::vector<std::string> IncludeSearchFolders(const std::string& mount,
                                              const std::string& including_dir,
                                              const SearchPath& search);

// The names of the regular `*.prototxt` files in `folder`, without the
// extension, sorted (none when it cannot be read).
std::vector<std::string> PrototxtNamesIn(const std::string& folder);

// The working directory ("/" if it cannot be read).
std::string CurrentDir();

// `path` made absolute (relative to `cwd`, default the working directory)
// and lexically normal: no ".", "..", or repeated '/' (symlinks are kept).
std::string AbsolutePath(const std::string& path);
std::string AbsolutePath(const std::string& path, const std::string& cwd);

// `path` as shown to the user: relative to the working directory `cwd` when
// inside it, else absolute.
std::string DisplayPath(const std::string& path);
std::string DisplayPath(const std::string& path, const std::string& cwd);

// The folder part of `path` ("." when there is none).
std::string ParentDir(const std::string& path);

}  // namespace heyhi

#endif  // HEYHI_CONFIG_INCLUDE_RESOLVER_H_
