// The XP index: $HH_EXP_DIR/.xps/<sig> points to the exp dir of every
// experiment launched or recorded, so that a signature (or any unique prefix
// of it) finds its experiment again (SPEC §11).
#ifndef HEYHI_EXPERIMENT_XP_INDEX_H_
#define HEYHI_EXPERIMENT_XP_INDEX_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace heyhi {

// The shortest signature prefix accepted.
inline constexpr size_t kMinSigPrefix = 4;

struct IndexedXp {
  std::string sig;
  std::string exp_dir;
};

// Makes `<exp_root>/.xps/<sig>` a symbolic link to `exp_dir` (replaced
// atomically: experiments of one config share a sig, e.g. adhoc runs, and
// the index points to the one recorded last).
absl::Status IndexXp(const std::string& exp_root, const std::string& sig,
                     const std::string& exp_dir);

// Removes `<exp_root>/.xps/<sig>` if it points to `exp_dir` (an experiment
// that was removed again before its task started).
void UnindexXp(const std::string& exp_root, const std::string& sig, const std::string& exp_dir);

// The exp dir that `sig_or_dir` names: a path to an exp dir (it must carry
// heyhi's marker), or a signature or a unique prefix of one of at least
// kMinSigPrefix hex characters. An unknown or ambiguous prefix is an error
// (the latter lists the candidates).
absl::StatusOr<std::string> FindXp(const std::string& exp_root, const std::string& sig_or_dir);

// The exp dir of the experiment whose signature is or starts with `sig` (at
// least kMinSigPrefix hex characters); never a folder path. Errors as FindXp.
absl::StatusOr<std::string> FindXpBySig(const std::string& exp_root, const std::string& sig);

// Every indexed experiment whose exp dir still exists, in no given order.
std::vector<IndexedXp> ListXps(const std::string& exp_root);

}  // namespace heyhi

#endif  // HEYHI_EXPERIMENT_XP_INDEX_H_
