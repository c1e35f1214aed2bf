// Resolving the paths a config gives (SPEC §13): what a task opens for
// "//reference/x", "//sig/SIG/checkpoint.pt" or "data/x".
#ifndef HEYHI_PATHS_H_
#define HEYHI_PATHS_H_

#include <string>

#include "absl/status/statusor.h"
#include "heyhi/env.h"
#include "heyhi/heyhi.pb.h"

namespace heyhi {

// The file or folder `path` names in environment `env` (LoadEnvironment) for
// a run started in `launch_dir`. First the cluster's path_map rewrites apply,
// in order; then
//   //reference/x     -> <reference_dir>/x, which must exist (else an error
//                        naming both the written and the resolved path);
//   //sig/SIG[/rest]  -> the exp dir of the experiment whose signature is or
//                        starts with SIG (at least 4 hex characters; none or
//                        several: an error, listing the candidates), + /rest;
//   /abs              -> as is;
//   rel               -> <launch_dir>/rel (as is when launch_dir is "");
//   ""                -> "".
// Any other "//name/" prefix is an error listing the known ones.
absl::StatusOr<std::string> ResolvePath(const std::string& path, const ActiveEnv& env,
                                        const std::string& launch_dir);

}  // namespace heyhi

#endif  // HEYHI_PATHS_H_
