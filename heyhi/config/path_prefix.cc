// Path rewrites and prefixes: the steps of ResolvePath below the XP index.
//
// path_map uses std::regex (ECMAScript), not RE2: RE2's Debian package would
// be one more dependency of every project that links heyhi (find_package),
// for a handful of rewrites of short paths, where speed does not matter.
#include "heyhi/config/path_prefix.h"

#include <sys/stat.h>

#include <algorithm>
#include <optional>
#include <regex>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "heyhi/env.h"

namespace heyhi {
namespace {

// "//reference/x" has the prefix "//reference"; "//referencex" has none of ours.
bool HasPrefix(absl::string_view path, absl::string_view prefix) {
  return absl::StartsWith(path, prefix) &&
         (path.size() == prefix.size() || path[prefix.size()] == '/');
}

// Every string value under `msg` that starts with "//", by dotted path
// (maps left out: their entries have no key of this form).
void CollectPrefixed(const google::protobuf::Message& msg, const std::string& path,
                     std::vector<std::pair<std::string, std::string>>* out) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* reflection = msg.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(msg, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->is_map()) continue;
    const std::string here = path.empty() ? field->name() : absl::StrCat(path, ".", field->name());
    const bool is_string = field->cpp_type() == FieldDescriptor::CPPTYPE_STRING;
    const bool is_message = field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(msg, field); ++i) {
        const std::string element = absl::StrCat(here, ".", i);
        if (is_message)
          CollectPrefixed(reflection->GetRepeatedMessage(msg, field, i), element, out);
        if (is_string) {
          std::string value = reflection->GetRepeatedString(msg, field, i);
          if (absl::StartsWith(value, "//")) out->emplace_back(element, std::move(value));
        }
      }
    } else if (is_message) {
      CollectPrefixed(reflection->GetMessage(msg, field), here, out);
    } else if (is_string) {
      std::string value = reflection->GetString(msg, field);
      if (absl::StartsWith(value, "//")) out->emplace_back(here, std::move(value));
    }
  }
}

}  // namespace

absl::StatusOr<PathPrefix> PathPrefixOf(absl::string_view path) {
  if (!absl::StartsWith(path, "//")) return PathPrefix::kNone;
  if (HasPrefix(path, kReferencePrefix)) return PathPrefix::kReference;
  if (HasPrefix(path, kSigPrefix)) return PathPrefix::kSig;
  const size_t end = path.find('/', 2);
  return absl::InvalidArgumentError(
      absl::StrCat("'", path, "': unknown path prefix '", path.substr(0, end),
                   "'; known: //reference/PATH (the cluster's reference_dir), //sig/SIG[/PATH] (an "
                   "experiment's folder); write an absolute path with a single leading /"));
}

absl::StatusOr<std::string> ApplyPathMap(const std::string& path, const ActiveEnv& env) {
  std::string out = path;
  for (const PathMap& map : env.active_cluster().path_map()) {
    try {
      const std::regex regex(map.regex(), std::regex::ECMAScript);
      out = std::regex_replace(out, regex, map.replace());
    } catch (const std::regex_error& e) {
      return absl::InvalidArgumentError(absl::StrCat("path_map regex '", map.regex(),
                                                     "' of cluster ", env.active_cluster().name(),
                                                     ": ", e.what()));
    }
  }
  return out;
}

absl::StatusOr<std::string> ResolveReferencePath(const std::string& path, const ActiveEnv& env) {
  const std::string& dir = env.active_cluster().reference_dir();
  if (dir.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "'", path, "': no reference dir is set for cluster ", env.active_cluster().name(),
        "; set HH_REFERENCE_DIR or the cluster's reference_dir in ",
        env.env_file().empty() ? "an env file (conf/env/<team>.prototxt)" : env.env_file()));
  }
  std::string rest = path.substr(std::string(kReferencePrefix).size());
  while (!rest.empty() && rest[0] == '/') rest.erase(0, 1);
  const std::string resolved = rest.empty() ? dir : absl::StrCat(dir, "/", rest);
  struct stat st;
  if (stat(resolved.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat("'", path, "' is ", resolved,
                                            ", which does not exist (reference dir ", dir, " from ",
                                            env.reference_dir_from(), ")"));
  }
  return resolved;
}

absl::Status SplitSigPath(const std::string& path, std::string* sig, std::string* rest) {
  std::string tail = path.substr(std::string(kSigPrefix).size());
  while (!tail.empty() && tail[0] == '/') tail.erase(0, 1);
  const size_t slash = tail.find('/');
  *sig = tail.substr(0, slash);
  *rest = slash == std::string::npos ? "" : tail.substr(slash + 1);
  while (!rest->empty() && rest->front() == '/') rest->erase(0, 1);
  const bool hex = std::all_of(sig->begin(), sig->end(), [](char c) {
    return absl::ascii_isxdigit(static_cast<unsigned char>(c));
  });
  if (sig->size() < 4 || !hex) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", path,
                     "': //sig/ is followed by an experiment's signature, or a unique prefix of "
                     "at least 4 hex characters of one: //sig/SIG[/PATH]"));
  }
  return absl::OkStatus();
}

std::string ExplainPrefixedPaths(const google::protobuf::Message& task, const std::string& key,
                                 const std::string& conf_root) {
  std::vector<std::pair<std::string, std::string>> found;
  CollectPrefixed(task, "", &found);
  std::string out;
  std::optional<absl::StatusOr<ActiveEnv>> env;
  for (const auto& [path, value] : found) {
    if (!key.empty() && path != key && !absl::StartsWith(path, key + ".")) continue;
    if (!env) env = LoadEnvironment(conf_root);
    absl::StrAppend(&out, path, ": \"", absl::CEscape(value), "\" ");
    if (!env->ok()) {
      absl::StrAppend(&out, "does not resolve: ", env->status().message(), "\n");
      continue;
    }
    absl::StatusOr<std::string> mapped = ApplyPathMap(value, **env);
    absl::StatusOr<PathPrefix> prefix =
        mapped.ok() ? PathPrefixOf(*mapped) : absl::StatusOr<PathPrefix>(mapped.status());
    if (mapped.ok() && *mapped != value) absl::StrAppend(&out, "(path_map: ", *mapped, ") ");
    if (!prefix.ok()) {
      absl::StrAppend(&out, "does not resolve: ", prefix.status().message(), "\n");
    } else if (*prefix == PathPrefix::kSig) {
      absl::StrAppend(&out,
                      "is resolved by run, when the task asks: pp does not read the XP index "
                      "(experiments under ",
                      (*env)->active_cluster().exp_dir(), ")\n");
    } else if (*prefix == PathPrefix::kReference) {
      absl::StatusOr<std::string> resolved = ResolveReferencePath(*mapped, **env);
      if (resolved.ok()) {
        absl::StrAppend(&out, "resolves to ", *resolved, " (reference dir from ",
                        (*env)->reference_dir_from(), ")\n");
      } else {
        absl::StrAppend(&out, "does not resolve: ", resolved.status().message(), "\n");
      }
    } else {
      absl::StrAppend(&out, "resolves to ", *mapped, "\n");
    }
  }
  return out;
}

}  // namespace heyhi
