// Names of an experiment (SPEC §6): how a config path, the override tokens and
// the config's signature become the exp id, and the exp id the exp dir.
// Pure functions: nothing here creates, changes or removes a file; only the
// environment, the clock value passed in and the working directory are read.
#ifndef HEYHI_EXPERIMENT_NAMING_H_
#define HEYHI_EXPERIMENT_NAMING_H_

#include <ctime>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace heyhi {

// The exp id pattern of `run` when --out is not given.
inline constexpr absl::string_view kDefaultExpIdPattern =
    "%(prefix)s/%(cfg_folder)s/%(cfg)s/%(redefines)s_%(sig)s";

// HeyHi's own pattern, for finding folders that HeyHi created
// (`--out '%(prefix)s/%(cfg_folder)s/%(cfg)s/%(redefines)s_%(redefines_hash)s'`).
inline constexpr absl::string_view kHeyHiExpIdPattern =
    "%(prefix)s/%(cfg_folder)s/%(cfg)s/%(redefines)s_%(redefines_hash)s";

// The override token as naming sees it: leading '-' removed, so `--lr=0.1`
// and `lr=0.1` name the same experiment.
std::string StripOverrideDashes(absl::string_view token);

// The tokens, dashes stripped, in HeyHi's naming order: by (number of dotted
// parts of the key, key, whole token), where the key is the text before the
// first '='. Error naming the token when one has no '='.
absl::StatusOr<std::vector<std::string>> SortOverridesForNaming(
    const std::vector<std::string>& tokens);

// %(redefines)s: the human-readable tag of the overrides, exactly as HeyHi
// writes it. In naming order, each token becomes `key@value` where a key
// longer than 5 characters keeps the first 3 characters of each dotted part
// (`encoder.transformer.num_heads` -> `enc.tra.num`, `Ilauncher` -> `Ila`),
// a value with '/' keeps its last two parts joined by '_', and spaces become
// '_'; the items are joined by '@' and cut at 100 characters. No overrides:
// "default". Example: `Ilauncher=local batch_size=10
// encoder.transformer.num_heads=9` -> `Ila@local@bat@10@enc.tra.num@9`.
absl::StatusOr<std::string> RedefinesTag(const std::vector<std::string>& tokens);

// %(redefines_hash)s: HeyHi's hash of the overrides, the first 8 hex
// characters of the MD5 of Python's repr() of the list of tokens in naming
// order (heyhi/python_text.h). No overrides: "d7517139" (the hash of "[]").
absl::StatusOr<std::string> RedefinesHash(const std::vector<std::string>& tokens);

// %(date)s: the local time `when` in ISO 8601 without colons, to the second:
// 2026-11-22T124501.
std::string LocalTimeTag(std::time_t when);

// %(prefix)s: "p", or with --adhoc "adhoc/" + LocalTimeTag(now).
std::string ExpIdPrefix(bool adhoc, std::time_t now);

// %(cfg_folder)s: the folder of `config_path` relative to `conf_root` with
// '/' -> '_' (conf/c02_sup_train/sl.prototxt -> c02_sup_train); "root" for a
// config directly in the conf root; outside the conf root (or no conf root
// given), the first 8 hex characters of the MD5 of the folder's absolute
// path, as HeyHi. Relative paths are taken from the working directory; a
// path that is outside only through a symlink counts as inside.
std::string ConfigFolderTag(const std::string& config_path, const std::string& conf_root);

// %(cfg)s: the config's file name without its last extension
// (sl.prototxt -> sl).
std::string ConfigNameTag(const std::string& config_path);

// The values of the tags an exp id pattern may use.
struct ExpIdFields {
  std::string prefix;          // %(prefix)s
  std::string cfg_folder;      // %(cfg_folder)s
  std::string cfg;             // %(cfg)s
  std::string redefines;       // %(redefines)s
  std::string redefines_hash;  // %(redefines_hash)s
  std::string sig;             // %(sig)s: Signature() of the composed config
  std::string date;            // %(date)s (HeyHi has it too)
};

// All the fields, from the run command's inputs. `override_tokens` are the
// tokens as given on the command line; `sig` is Signature(composed config).
// Errors are those of RedefinesTag.
absl::StatusOr<ExpIdFields> MakeExpIdFields(const std::string& config_path,
                                            const std::string& conf_root,
                                            const std::vector<std::string>& override_tokens,
                                            bool adhoc, const std::string& sig, std::time_t now);

// `pattern` (kDefaultExpIdPattern or --out) with every %(tag)s replaced by
// its field and %% by %. An unknown tag, or a '%' not followed by (tag)s or
// %, is an error naming it and listing the known tags.
absl::StatusOr<std::string> ExpId(absl::string_view pattern, const ExpIdFields& fields);

// The exp dir of `exp_id`: an absolute id (an absolute --out) as is, a
// relative one under `exp_root`; made absolute and lexically normalized.
// Refused, so that no wipe can ever target them: an empty id, an id that
// names `exp_root` itself or leaves it through "..", and the file system root.
absl::StatusOr<std::string> ExpDirPath(const std::string& exp_root, const std::string& exp_id);

// $HH_EXP_DIR if set and not empty, else ~/results/heyhi; made absolute.
std::string DefaultExpRoot();

}  // namespace heyhi

#endif  // HEYHI_EXPERIMENT_NAMING_H_
