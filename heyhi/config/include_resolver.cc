// Include lookup (SPEC §2): absolute, project-relative, then the search
// folders and their mount sub-folders; a miss lists what could have matched.
#include "heyhi/config/include_resolver.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "heyhi/base/edit_distance.h"
#include "heyhi/base/files.h"

namespace heyhi {
namespace {

namespace fs = std::filesystem;

constexpr absl::string_view kExtension = ".prototxt";

// fs::path(dir) / name, without building paths: `name` when it is absolute
// or `dir` is empty, else the two joined by one '/'.
std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty() || (!name.empty() && name[0] == '/')) return name;
  if (dir.back() == '/') return absl::StrCat(dir, name);
  return absl::StrCat(dir, "/", name);
}

// "encoder.mlp" -> "encoder/mlp"; index steps ("agents.0", "agents.-1") do
// not name folders and are dropped.
std::string MountFolder(const std::string& mount) {
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(mount, '.', absl::SkipEmpty())) {
    int index;
    if (absl::SimpleAtoi(part, &index)) continue;
    parts.emplace_back(part);
  }
  return absl::StrJoin(parts, "/");
}

// The *.prototxt names in `dir`/`sub`, written as `sub/<name>` without the
// extension: what an include could have said to find them.
void CollectNames(const std::string& dir, const std::string& sub, std::set<std::string>* names) {
  for (const std::string& name : PrototxtNamesIn(sub.empty() ? dir : JoinPath(dir, sub))) {
    names->insert(sub.empty() ? name : sub + "/" + name);
  }
}

}  // namespace

std::vector<std::string> PrototxtNamesIn(const std::string& folder) {
  std::vector<std::string> names;
  std::error_code error;
  fs::directory_iterator it(folder, error);
  if (error) return names;
  for (const fs::directory_entry& entry : it) {
    const std::string file = entry.path().filename().string();
    if (file.size() <= kExtension.size() || !absl::EndsWith(file, kExtension) ||
        !entry.is_regular_file(error)) {
      continue;
    }
    names.push_back(file.substr(0, file.size() - kExtension.size()));
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string CurrentDir() {
  char buffer[4096];
  return ::getcwd(buffer, sizeof(buffer)) != nullptr ? std::string(buffer) : std::string("/");
}

// Whether an absolute path is already normal: no empty, "." or ".." parts.
bool IsNormalAbsolute(const std::string& path) {
  if (path.empty() || path[0] != '/') return false;
  if (path.size() > 1 && path.back() == '/') return false;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '/') continue;
    const size_t next = i + 1;
    if (next < path.size() && path[next] == '/') return false;
    if (next < path.size() && path[next] == '.') {
      const size_t after = next + 1;
      if (after == path.size() || path[after] == '/') return false;
      if (path[after] == '.' && (after + 1 == path.size() || path[after + 1] == '/')) return false;
    }
  }
  return true;
}

std::string AbsolutePath(const std::string& path, const std::string& cwd) {
  // Most paths are already normal: checking is cheaper than normalising.
  if (IsNormalAbsolute(path)) return path;
  std::string normal = (fs::path(cwd) / path).lexically_normal().string();
  if (normal.size() > 1 && normal.back() == '/') normal.pop_back();
  return normal;
}

std::string AbsolutePath(const std::string& path) {
  if (IsNormalAbsolute(path)) return path;  // no getcwd(2) needed
  return AbsolutePath(path, CurrentDir());
}

std::string DisplayPath(const std::string& path, const std::string& cwd) {
  const std::string absolute = AbsolutePath(path, cwd);
  if (cwd == "/") return absolute.substr(1);
  if (absl::StartsWith(absolute, cwd) && absolute.size() > cwd.size() &&
      absolute[cwd.size()] == '/') {
    return absolute.substr(cwd.size() + 1);
  }
  return absolute;
}

std::string DisplayPath(const std::string& path) { return DisplayPath(path, CurrentDir()); }

std::string ParentDir(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  // A normal absolute path: all before its last '/' ("/" for "/a").
  if (IsNormalAbsolute(path)) return slash == 0 ? "/" : path.substr(0, slash);
  return fs::path(path).parent_path().string();
}

std::string FindConfRoot(const std::string& config_path) {
  const char* from_env = std::getenv("HH_CONF_ROOT");
  if (from_env != nullptr && *from_env != '\0') return AbsolutePath(from_env);
  const std::string file = AbsolutePath(config_path);
  for (std::string dir = ParentDir(file); dir != "/"; dir = ParentDir(dir)) {
    if (absl::EndsWith(dir, "/conf")) return dir;
  }
  return ParentDir(file);
}

absl::Status CheckGivenConfRoot(const std::string& conf_root) {
  const char* from_env = std::getenv("HH_CONF_ROOT");
  std::string given;
  if (!conf_root.empty()) {
    given = absl::StrCat("conf_root ", conf_root);
  } else if (from_env != nullptr && *from_env != '\0') {
    given = absl::StrCat("HH_CONF_ROOT=", from_env);
  } else {
    return absl::OkStatus();
  }
  std::error_code error;
  const fs::path path = conf_root.empty() ? fs::path(from_env) : fs::path(conf_root);
  if (fs::is_directory(path, error)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      given, ": ", fs::exists(path, error) ? "not a folder" : "no such folder",
      "; the conf root is the folder that holds common/ (by default the config's nearest "
      "ancestor named conf)"));
}

SearchPath MakeSearchPath(const std::string& config_path, const std::string& conf_root,
                          const std::vector<std::string>& include_dirs) {
  SearchPath search;
  search.conf_root = conf_root.empty() ? FindConfRoot(config_path) : AbsolutePath(conf_root);
  search.project_root = ParentDir(search.conf_root);
  for (const std::string& dir : include_dirs) search.include_dirs.push_back(AbsolutePath(dir));
  return search;
}

std::vector<std::string> IncludeSearchFolders(const std::string& mount,
                                              const std::string& including_dir,
                                              const SearchPath& search) {
  std::vector<std::string> bases;
  bases.push_back(AbsolutePath(including_dir));
  bases.push_back(JoinPath(search.conf_root, "common"));
  for (const std::string& dir : search.include_dirs) bases.push_back(dir);
  std::vector<std::string> folders;
  auto add = [&folders](const std::string& folder) {
    if (std::find(folders.begin(), folders.end(), folder) == folders.end()) {
      folders.push_back(folder);
    }
  };
  for (const std::string& base : bases) add(base);
  const std::string mount_folder = MountFolder(mount);
  if (!mount_folder.empty()) {
    for (const std::string& base : bases) add(JoinPath(base, mount_folder));
  }
  return folders;
}

absl::StatusOr<std::string> ResolveInclude(const std::string& path, const std::string& mount,
                                           const std::string& including_dir,
                                           const SearchPath& search) {
  if (path.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("include with an empty path (mount \"", mount, "\")"));
  }
  if (path[0] == '/') {
    if (IsRegularFile(path)) return AbsolutePath(path, "/");
    std::error_code error;
    const bool folder = fs::is_directory(path, error);
    return absl::NotFoundError(
        absl::StrCat("include \"", path, "\" (mount \"", mount,
                     "\"): ", folder ? "a folder, not a config file" : "no such file"));
  }
  if (absl::StrContains(path, '/')) {
    const std::string from_root = JoinPath(search.project_root, path);
    if (IsRegularFile(from_root)) return AbsolutePath(from_root, "/");
  }
  std::string name = path;
  if (absl::EndsWith(name, kExtension)) name.resize(name.size() - kExtension.size());
  const std::vector<std::string> folders = IncludeSearchFolders(mount, including_dir, search);
  for (const std::string& folder : folders) {
    const std::string candidate = JoinPath(folder, name + std::string(kExtension));
    if (IsRegularFile(candidate)) return AbsolutePath(candidate, "/");
  }

  const size_t slash = name.rfind('/');
  const std::string sub = slash == std::string::npos ? "" : name.substr(0, slash);
  std::set<std::string> names;
  std::vector<std::string> shown_folders;
  for (const std::string& folder : folders) {
    CollectNames(folder, sub, &names);
    shown_folders.push_back(DisplayPath(folder));
  }
  const std::vector<std::string> known(names.begin(), names.end());
  std::string message =
      absl::StrCat("include \"", path, "\" (mount \"", mount, "\") not found; searched ",
                   absl::StrJoin(shown_folders, ", "), " for ", name, kExtension);
  if (known.empty()) {
    absl::StrAppend(&message, "; no .prototxt files there");
  } else {
    absl::StrAppend(&message, "; known names: ", absl::StrJoin(known, ", "),
                    "; closest: ", absl::StrJoin(ClosestMatches(name, known, 5), ", "));
  }
  return absl::NotFoundError(message);
}

}  // namespace heyhi
