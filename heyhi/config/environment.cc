// Env files: finding the team's file, reading and checking it, and choosing
// the cluster this machine is on.
#include "heyhi/config/environment.h"

#include <fnmatch.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "heyhi/base/host.h"
#include "heyhi/config/field_path.h"
#include "heyhi/config/include_resolver.h"
#include "heyhi/config/text_loader.h"
#include "heyhi/env.h"

namespace heyhi {
namespace {

constexpr char kDefaultName[] = "default";

std::string EnvVar(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

std::string HomeDir() {
  if (std::string home = EnvVar("HOME"); !home.empty()) return home;
  struct passwd entry;
  struct passwd* found = nullptr;
  char buffer[4096];
  if (getpwuid_r(getuid(), &entry, buffer, sizeof(buffer), &found) == 0 && found != nullptr) {
    return found->pw_dir;
  }
  return "/";
}

// Absolute, lexically normal, no trailing '/' (but "/" itself).
std::string NormalFolder(const std::string& path) {
  std::string out = AbsolutePath(path);
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

// Names of teams, clusters: what may follow HH_TEAM= or HH_CLUSTER=.
bool IsPlainName(absl::string_view name) {
  return !name.empty() && name != "." && name != ".." &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
                  c == '.';
         });
}

// "FILE:LINE:COL" of the first value written at or under `key`
// ("cluster.1.name"), else "FILE".
std::string Where(const std::string& file, const std::vector<FieldLocation>& locations,
                  const std::string& key) {
  for (const FieldLocation& location : locations) {
    const std::string path = FieldPathToString(location.path);
    if (path == key || absl::StartsWith(path, key + ".")) {
      return absl::StrCat(file, ":", location.line, ":", location.column);
    }
  }
  return file;
}

std::vector<std::string> ClusterNames(const Env& env) {
  std::vector<std::string> names;
  for (const Cluster& cluster : env.cluster()) names.push_back(cluster.name());
  return names;
}

std::string NameList(const std::vector<std::string>& names) {
  return names.empty() ? "(none)" : absl::StrJoin(names, ", ");
}

// A folder of the env file (exp_dir, reference_dir), expanded; absolute.
absl::StatusOr<std::string> EnvFolder(const std::string& value, const std::string& where,
                                      const std::string& field) {
  absl::StatusOr<std::string> expanded = ExpandEnvValue(value);
  if (!expanded.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": ", field, " '", value, "': ", expanded.status().message()));
  }
  if (expanded->empty() || (*expanded)[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": ", field, " '", value,
                     "' is not an absolute folder (start it with /, ~/, ${VAR} or {{ROOT_DIR}})"));
  }
  return NormalFolder(*expanded);
}

absl::Status CheckCluster(const Cluster& cluster, int index, const std::string& file,
                          const std::vector<FieldLocation>& locations) {
  const std::string key = absl::StrCat("cluster.", index);
  const std::string where = Where(file, locations, key);
  if (cluster.name().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": cluster ", index + 1,
                     " has no name; give it `name: \"...\"` (HH_CLUSTER names a cluster by it)"));
  }
  const std::string label = absl::StrCat(where, ": cluster ", cluster.name());
  if (!IsPlainName(cluster.name())) {
    return absl::InvalidArgumentError(
        absl::StrCat(label, ": a name has only letters, digits, '_', '-' and '.'"));
  }
  for (int i = 0; i < cluster.host_size(); ++i) {
    if (cluster.host(i).empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          Where(file, locations, absl::StrCat(key, ".host.", i)), ": cluster ", cluster.name(),
          ": host ", i, " is empty; give a glob such as \"*.cluster.example.org\""));
    }
  }
  std::vector<std::string> roles;
  for (int i = 0; i < cluster.partition_size(); ++i) {
    const SlurmPartition& partition = cluster.partition(i);
    const std::string at = absl::StrCat(Where(file, locations, absl::StrCat(key, ".partition.", i)),
                                        ": cluster ", cluster.name(), ": partition ", i);
    if (partition.role().empty() || partition.name().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          at, " needs a role and a name, e.g. partition { role: \"default\" name: \"gpu\" }"));
    }
    if (std::find(roles.begin(), roles.end(), partition.role()) != roles.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(at, ": role '", partition.role(), "' is given twice"));
    }
    roles.push_back(partition.role());
  }
  for (int i = 0; i < cluster.path_map_size(); ++i) {
    const PathMap& map = cluster.path_map(i);
    const std::string at = absl::StrCat(Where(file, locations, absl::StrCat(key, ".path_map.", i)),
                                        ": cluster ", cluster.name(), ": path_map ", i);
    if (map.regex().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(at, " has no regex"));
    }
    try {
      std::regex compiled(map.regex(), std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return absl::InvalidArgumentError(absl::StrCat(at, ": regex '", map.regex(),
                                                     "' is not an ECMAScript regular expression (",
                                                     e.what(), ")"));
    }
  }
  if (cluster.has_exp_dir()) {
    absl::StatusOr<std::string> dir =
        EnvFolder(cluster.exp_dir(), Where(file, locations, key + ".exp_dir"), "exp_dir");
    if (!dir.ok()) return dir.status();
  }
  if (cluster.has_reference_dir()) {
    absl::StatusOr<std::string> dir = EnvFolder(
        cluster.reference_dir(), Where(file, locations, key + ".reference_dir"), "reference_dir");
    if (!dir.ok()) return dir.status();
  }
  return absl::OkStatus();
}

absl::Status CheckEnv(const Env& env, const std::string& file,
                      const std::vector<FieldLocation>& locations) {
  for (int i = 0; i < env.cluster_size(); ++i) {
    if (absl::Status s = CheckCluster(env.cluster(i), i, file, locations); !s.ok()) return s;
    for (int j = 0; j < i; ++j) {
      if (env.cluster(j).name() == env.cluster(i).name()) {
        return absl::InvalidArgumentError(
            absl::StrCat(Where(file, locations, absl::StrCat("cluster.", i)), ": cluster name '",
                         env.cluster(i).name(), "' is used twice (also at ",
                         Where(file, locations, absl::StrCat("cluster.", j)), ")"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> TeamFromEnv() {
  const std::string team = EnvVar("HH_TEAM");
  if (team.empty()) return std::string(kDefaultName);
  if (!IsPlainName(team)) {
    return absl::InvalidArgumentError(
        absl::StrCat("HH_TEAM='", team,
                     "': a team name has only letters, digits, '_', '-' and '.' (it names "
                     "conf/env/<team>.prototxt)"));
  }
  return team;
}

absl::StatusOr<std::string> FindEnvFile(const std::string& conf_root, const std::string& team) {
  if (const std::string given = EnvVar("HH_ENV"); !given.empty()) {
    const std::string path = AbsolutePath(given);
    if (!Exists(path)) {
      return absl::NotFoundError(absl::StrCat("HH_ENV=", given, ": no such env file"));
    }
    return path;
  }
  if (conf_root.empty()) {
    if (team == kDefaultName) return std::string();
    return absl::NotFoundError(absl::StrCat("HH_TEAM=", team, ": no conf folder here to hold env/",
                                            team, ".prototxt; set HH_CONF_ROOT or HH_ENV"));
  }
  const std::string folder = absl::StrCat(conf_root, "/env");
  const std::string path = absl::StrCat(folder, "/", team, ".prototxt");
  if (Exists(path)) return path;
  if (team == kDefaultName) return std::string();
  std::vector<std::string> teams;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    if (entry.path().extension() == ".prototxt") teams.push_back(entry.path().stem().string());
  }
  std::sort(teams.begin(), teams.end());
  return absl::NotFoundError(absl::StrCat("HH_TEAM=", team, ": no env file ", path,
                                          "; teams with one: ", NameList(teams)));
}

absl::StatusOr<ClusterChoice> ChooseCluster(const Env& env, const std::string& env_file,
                                            const std::string& fqdn,
                                            const std::string& hh_cluster) {
  const std::vector<std::string> names = ClusterNames(env);
  if (!hh_cluster.empty()) {
    for (int i = 0; i < env.cluster_size(); ++i) {
      if (env.cluster(i).name() == hh_cluster) return ClusterChoice{i, "HH_CLUSTER=" + hh_cluster};
    }
    return absl::NotFoundError(
        absl::StrCat("HH_CLUSTER=", hh_cluster, ": ", env_file,
                     " has no cluster of that name; its clusters: ", NameList(names)));
  }
  for (int i = 0; i < env.cluster_size(); ++i) {
    for (const std::string& glob : env.cluster(i).host()) {
      if (fnmatch(glob.c_str(), fqdn.c_str(), FNM_CASEFOLD) == 0) {
        return ClusterChoice{i, absl::StrCat("host ", fqdn, " matches \"", glob, "\"")};
      }
    }
  }
  for (int i = 0; i < env.cluster_size(); ++i) {
    if (env.cluster(i).name() == kDefaultName) {
      return ClusterChoice{
          i, absl::StrCat("no cluster's host matches ", fqdn, ": the one named \"default\"")};
    }
  }
  return absl::NotFoundError(absl::StrCat(
      env_file, ": no cluster's host matches this machine (", fqdn,
      ") and no cluster is named \"default\"; set HH_CLUSTER to one of: ", NameList(names),
      ", or add a cluster named \"default\""));
}

absl::StatusOr<std::string> ExpandEnvValue(const std::string& value) {
  std::string out;
  size_t i = 0;
  if (value == "~" || absl::StartsWith(value, "~/")) {
    out = HomeDir();
    i = 1;
  }
  while (i < value.size()) {
    const size_t start = value.find("${", i);
    if (start == std::string::npos) {
      out.append(value, i, std::string::npos);
      break;
    }
    out.append(value, i, start - i);
    const size_t end = value.find('}', start + 2);
    if (end == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("'${' at ", start, " is not closed by '}'"));
    }
    const std::string name = value.substr(start + 2, end - start - 2);
    const char* variable = name.empty() ? nullptr : std::getenv(name.c_str());
    if (variable == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("${", name, "}: no such environment variable"));
    }
    out += variable;
    i = end + 1;
  }
  return out;
}

std::string BuiltInExpRoot() { return NormalFolder(HomeDir() + "/results/heyhi"); }

absl::StatusOr<ActiveEnv> LoadEnvironment(const std::string& conf_root) {
  absl::StatusOr<std::string> team = TeamFromEnv();
  if (!team.ok()) return team.status();
  const std::string root = conf_root.empty() ? "" : NormalFolder(conf_root);
  absl::StatusOr<std::string> file = FindEnvFile(root, *team);
  if (!file.ok()) return file.status();
  const std::string hh_cluster = EnvVar("HH_CLUSTER");

  ActiveEnv active;
  active.set_team(*team);
  active.set_host(ThisHostFqdn());
  Cluster cluster;
  std::string cluster_label;
  if (file->empty()) {
    if (!hh_cluster.empty() && hh_cluster != kDefaultName) {
      return absl::NotFoundError(
          absl::StrCat("HH_CLUSTER=", hh_cluster, ": there is no env file (",
                       root.empty() ? "no conf folder here"
                                    : absl::StrCat("no ", root, "/env/", *team, ".prototxt"),
                       "), so the only cluster is the built-in \"default\""));
    }
    cluster.set_name(kDefaultName);
    active.set_chosen_by(root.empty() ? "no conf folder, no env file: built-in defaults"
                                      : absl::StrCat("no env file ", root, "/env/", *team,
                                                     ".prototxt: built-in defaults"));
    cluster_label = "the built-in defaults";
  } else {
    Env env;
    std::vector<FieldLocation> locations;
    const std::string display = DisplayPath(*file);
    absl::Status parsed =
        ParseTextFile(*file, root.empty() ? "" : ParentDir(root), &env, &locations, display);
    if (!parsed.ok()) return parsed;
    if (absl::Status checked = CheckEnv(env, display, locations); !checked.ok()) return checked;
    absl::StatusOr<ClusterChoice> choice = ChooseCluster(env, display, active.host(), hh_cluster);
    if (!choice.ok()) return choice.status();
    cluster = env.cluster(choice->index);
    active.set_env_file(*file);
    active.set_chosen_by(choice->why);
    cluster_label = absl::StrCat("cluster ", cluster.name(), " of ", display);
  }

  if (const std::string from_env = EnvVar("HH_EXP_DIR"); !from_env.empty()) {
    cluster.set_exp_dir(NormalFolder(from_env));
    active.set_exp_dir_from("HH_EXP_DIR");
  } else if (cluster.has_exp_dir()) {
    absl::StatusOr<std::string> dir = EnvFolder(cluster.exp_dir(), cluster_label, "exp_dir");
    if (!dir.ok()) return dir.status();
    cluster.set_exp_dir(*dir);
    active.set_exp_dir_from(cluster_label);
  } else {
    cluster.set_exp_dir(BuiltInExpRoot());
    active.set_exp_dir_from("built-in default (~/results/heyhi)");
  }
  if (const std::string from_env = EnvVar("HH_REFERENCE_DIR"); !from_env.empty()) {
    cluster.set_reference_dir(NormalFolder(from_env));
    active.set_reference_dir_from("HH_REFERENCE_DIR");
  } else if (cluster.has_reference_dir()) {
    absl::StatusOr<std::string> dir =
        EnvFolder(cluster.reference_dir(), cluster_label, "reference_dir");
    if (!dir.ok()) return dir.status();
    cluster.set_reference_dir(*dir);
    active.set_reference_dir_from(cluster_label);
  } else {
    cluster.clear_reference_dir();
    active.set_reference_dir_from(
        absl::StrCat("none: neither HH_REFERENCE_DIR nor ", cluster_label, " gives one"));
  }
  *active.mutable_active_cluster() = std::move(cluster);
  return active;
}

std::string ConfRootOfWorkingDir() {
  if (const std::string from_env = EnvVar("HH_CONF_ROOT"); !from_env.empty()) {
    return NormalFolder(from_env);
  }
  for (std::string dir = CurrentDir();; dir = ParentDir(dir)) {
    if (absl::EndsWith(dir, "/conf")) return dir;
    const std::string inside = dir == "/" ? "/conf" : dir + "/conf";
    if (IsDirectory(inside)) return inside;
    if (dir == "/" || dir == "." || dir.empty()) return "";
  }
}

}  // namespace heyhi
