// heyhi::ResolvePath: path rewrites and prefixes, with //sig/ looked up in
// the XP index.
#include "heyhi/paths.h"

#include "absl/strings/str_cat.h"
#include "heyhi/config/path_prefix.h"
#include "heyhi/experiment/xp_index.h"

namespace heyhi {

absl::StatusOr<std::string> ResolvePath(const std::string& path, const ActiveEnv& env,
                                        const std::string& launch_dir) {
  if (path.empty()) return path;
  absl::StatusOr<std::string> mapped = ApplyPathMap(path, env);
  if (!mapped.ok()) return mapped.status();
  absl::StatusOr<PathPrefix> prefix = PathPrefixOf(*mapped);
  if (!prefix.ok()) return prefix.status();
  switch (*prefix) {
    case PathPrefix::kReference:
      return ResolveReferencePath(*mapped, env);
    case PathPrefix::kSig: {
      std::string sig, rest;
      if (absl::Status split = SplitSigPath(*mapped, &sig, &rest); !split.ok()) return split;
      absl::StatusOr<std::string> dir = FindXpBySig(env.active_cluster().exp_dir(), sig);
      if (!dir.ok()) {
        return absl::Status(dir.status().code(),
                            absl::StrCat("'", *mapped, "': ", dir.status().message()));
      }
      return rest.empty() ? *dir : absl::StrCat(*dir, "/", rest);
    }
    case PathPrefix::kNone:
      break;
  }
  if ((*mapped)[0] == '/' || launch_dir.empty()) return *mapped;
  return absl::StrCat(launch_dir, "/", *mapped);
}

}  // namespace heyhi
