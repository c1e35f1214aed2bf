// Composing a config file, its includes and the command-line overrides into
// one frozen message (SPEC §4). The entry point of the engine.
#ifndef HEYHI_COMPOSE_H_
#define HEYHI_COMPOSE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "heyhi/include_resolver.h"
#include "heyhi/provenance.h"

namespace heyhi {

struct LoadOptions {
  // Type the file is parsed as. Null: the root message (`root_name` in the
  // pool of `root_type`... see below), else guessed (SPEC §5 --type rules).
  const google::protobuf::Descriptor* type = nullptr;
  // The schema's root message (MetaCfg). Configs of this type are composed
  // with the task prefix. Null: no root-config handling unless `type` is named
  // `root_name`.
  const google::protobuf::Descriptor* root_type = nullptr;
  std::string root_name = "MetaCfg";
  // Factory for `type`'s messages; null uses the generated factory when the
  // type is compiled in, else a DynamicMessageFactory owned by the result.
  google::protobuf::MessageFactory* factory = nullptr;
  // Overrides the conf root (default: FindConfRoot of the file).
  std::string conf_root;
  // Extra include folders (--include_dir).
  std::vector<std::string> include_dirs;
};

// A composed config. For a root config `root` is the MetaCfg and `task` the
// chosen task message inside it; for any other type both are the same message.
struct Composed {
  std::shared_ptr<google::protobuf::MessageFactory> owned_factory;  // may be null
  std::unique_ptr<google::protobuf::Message> root;
  const google::protobuf::Message* task = nullptr;
  std::string task_name;  // name of the chosen oneof case; "" for non-root types
  std::string config_path;
  SearchPath search;
  Provenance provenance;
  std::vector<std::string> overrides;  // the tokens as given
};

// Loads `path`, resolves its includes (nested, cycle-checked), merges the body,
// applies include overrides then scalar overrides (keys relative to the task
// message for root configs). Errors carry file:line:col and the include chain.
absl::StatusOr<Composed> LoadConfig(const std::string& path,
                                    const std::vector<std::string>& overrides,
                                    const LoadOptions& options = {});

// Finds the message named `root_name` (in any package) among the messages of
// `file` and of the files it imports; null if none.
const google::protobuf::Descriptor* FindRootMessage(
    const google::protobuf::FileDescriptor* file, const std::string& root_name = "MetaCfg");

// The repeated `includes` field of `type` if it has one whose element type
// has string fields `path` and `mount`; else null.
const google::protobuf::FieldDescriptor* IncludesField(
    const google::protobuf::Descriptor* type);

// The type of the config file `path` when none is given (SPEC §5): the root
// message if the file parses as it, else the one message type of the schema
// (`root_type`'s file and its imports) that parses it. None or several: an
// error that says so and lists the candidates.
absl::StatusOr<const google::protobuf::Descriptor*> GuessConfigType(
    const std::string& path, const google::protobuf::Descriptor* root_type,
    const std::string& conf_root = "");

// The `oneof task` of a root message (or its first oneof); null if none.
const google::protobuf::OneofDescriptor* TaskOneof(const google::protobuf::Descriptor* root);

// `--explain KEY`: the value of `key` (relative to the task message) and where
// it came from, one "path: origin" line per value set.
absl::StatusOr<std::string> ExplainKey(const Composed& composed, const std::string& key);

}  // namespace heyhi

#endif  // HEYHI_COMPOSE_H_
