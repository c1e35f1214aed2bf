// Composing a config file, its includes and the command-line overrides into
// one frozen message (SPEC §4). The entry point of the engine.
#ifndef HEYHI_CONFIG_H_
#define HEYHI_CONFIG_H_

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace heyhi {

struct SearchPath;  // where includes are looked up (config/include_resolver.h)
class Provenance;   // where each value came from (config/provenance.h)

// Wall time of LoadConfig's phases (pp --repeat), filled in when
// LoadOptions::times is set.
struct ComposeTimes {
  // The file read and parsed (its type guessed if not given), after the
  // override tokens are parsed and the include folders set up.
  std::chrono::nanoseconds load{0};
  // Its includes, nested ones too: found, read, parsed and merged.
  std::chrono::nanoseconds includes{0};
  // The include overrides, then the scalar overrides, the field references
  // resolved, and the provenance of the values kept.
  std::chrono::nanoseconds overrides{0};
};

struct LoadOptions {
  // Type the file is parsed as. Null: `root_type` if the file parses as it,
  // else the one other message of the schema that does (SPEC §5 --type
  // rules); null with a null `root_type` is an error.
  const google::protobuf::Descriptor* type = nullptr;
  // The schema's root message (MetaCfg). Configs of this type are composed
  // with the task prefix. Null: no root-config handling unless `type` is named
  // `root_name`. FindRootMessage finds it in a schema file.
  const google::protobuf::Descriptor* root_type = nullptr;
  std::string root_name = "MetaCfg";
  // Factory for `type`'s messages; null uses the generated factory when the
  // type is compiled in, else a DynamicMessageFactory owned by the result.
  google::protobuf::MessageFactory* factory = nullptr;
  // Overrides the conf root (default: FindConfRoot of the file).
  std::string conf_root;
  // Extra include folders (--include_dir).
  std::vector<std::string> include_dirs;
  // When set, receives the time of each phase (left as it was on error).
  ComposeTimes* times = nullptr;
  // False: the result's provenance holds only the origins of overrides and
  // references, so ExplainKey knows no file's, and composing costs a third
  // less (no location of every value, no origin text). The values, and every error,
  // are those of a compose with provenance: a compose that fails or makes a
  // field reference is done again with it, as which value came last decides
  // a reference. run, grid and pp (but for --explain) compose so.
  bool with_provenance = true;
};

// A composed config. For a root config `root` is the MetaCfg and `task` the
// chosen task message inside it; for any other type both are the same message.
struct Composed {
  std::shared_ptr<google::protobuf::MessageFactory> owned_factory;  // may be null
  std::unique_ptr<const google::protobuf::Message> root;
  const google::protobuf::Message* task = nullptr;
  std::string task_name;  // name of the chosen oneof case; "" for non-root types
  std::string config_path;
  std::shared_ptr<const SearchPath> search;
  std::shared_ptr<Provenance> provenance;
  std::vector<std::string> overrides;  // the tokens as given
};

// Loads `path`, resolves its includes (nested, cycle-checked), merges the body,
// applies include overrides then scalar overrides (keys relative to the task
// message for root configs), then resolves the field references (SPEC §13;
// a root's `refs` then record those resolved). The schema's default_from
// options are checked first. Errors carry file:line:col and the include chain.
absl::StatusOr<Composed> LoadConfig(const std::string& path,
                                    const std::vector<std::string>& overrides,
                                    const LoadOptions& options = {});

// The type of the config file `path` when none is given (SPEC §5): the root
// message if the file parses as it, else the one message type of the schema
// (`root_type`'s file and its imports) that parses it. None or several: an
// error that says so and lists the candidates.
absl::StatusOr<const google::protobuf::Descriptor*> GuessConfigType(
    const std::string& path, const google::protobuf::Descriptor* root_type,
    const std::string& conf_root = "");

// `--explain KEY`: the value of `key` (relative to the task message) and where
// it came from, one "path: origin" line per value set.
absl::StatusOr<std::string> ExplainKey(const Composed& composed, const std::string& key);

}  // namespace heyhi

#endif  // HEYHI_CONFIG_H_
