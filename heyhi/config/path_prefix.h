// The parts of resolving a config's path that need no XP index (SPEC §13):
// the cluster's path_map rewrites, the //reference/ and //sig/ prefixes, and
// //reference/ itself. heyhi::ResolvePath (heyhi/paths.h) adds //sig/.
#ifndef HEYHI_CONFIG_PATH_PREFIX_H_
#define HEYHI_CONFIG_PATH_PREFIX_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "heyhi/heyhi.pb.h"

namespace heyhi {

inline constexpr char kReferencePrefix[] = "//reference";
inline constexpr char kSigPrefix[] = "//sig";

enum class PathPrefix {
  kNone,       // absolute or relative, no prefix
  kReference,  // "//reference" or "//reference/..."
  kSig,        // "//sig/SIG[/...]"
};

// The prefix `path` starts with. Any other "//name/" start is an error that
// names it and lists the known prefixes (a misspelt prefix would otherwise be
// read as the absolute path /name/...).
absl::StatusOr<PathPrefix> PathPrefixOf(absl::string_view path);

// `path` after every path_map entry of the env's cluster, in order: each
// replaces all matches of its regex. A regex that does not compile is an
// error naming it (LoadEnvironment checks them first).
absl::StatusOr<std::string> ApplyPathMap(const std::string& path, const ActiveEnv& env);

// "//reference/x" -> <reference_dir>/x ("//reference" alone: the folder).
// Errors: no reference dir in force (saying how to set one), or no file or
// folder there, naming both the written path and the resolved one.
absl::StatusOr<std::string> ResolveReferencePath(const std::string& path, const ActiveEnv& env);

// "//sig/SIG/rest" -> SIG and "rest" ("" when there is none). SIG must be
// hex, at least 4 characters; else an error naming the path.
absl::Status SplitSigPath(const std::string& path, std::string* sig, std::string* rest);

// For `--explain KEY`: one line for each string at or under `key` (a
// canonical dotted key) of `task` that starts with "//": the written value
// and what it resolves to in the environment of `conf_root` (loaded only when
// there is such a string), or why it does not. //sig/ is not looked up: that
// needs the XP index, which only `run` reads. "" when there is no such string.
std::string ExplainPrefixedPaths(const google::protobuf::Message& task, const std::string& key,
                                 const std::string& conf_root);

}  // namespace heyhi

#endif  // HEYHI_CONFIG_PATH_PREFIX_H_
