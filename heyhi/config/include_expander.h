// Merging a config file's includes under its body, recursively, with the
// origin of every value kept, and making its field references (SPEC §2, §4
// steps 1-3, §13). Used by LoadConfig.
#ifndef HEYHI_CONFIG_INCLUDE_EXPANDER_H_
#define HEYHI_CONFIG_INCLUDE_EXPANDER_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "heyhi/config/include_resolver.h"
#include "heyhi/config/override.h"
#include "heyhi/config/provenance.h"
#include "heyhi/config/text_loader.h"

namespace heyhi {

// The deepest chain of includes composed (a file including a file ... this
// many levels down). Deeper chains are an error naming the limit and the
// chain's ends: the composition recurses once per level.
inline constexpr size_t kMaxIncludeDepth = 1000;

// One composition's worth of state: the search path, the message factory,
// the files being composed (for cycle detection). Not thread-safe.
class IncludeExpander {
 public:
  // `root_type`: the schema's root message, whose in-file mounts are relative
  // to the task its body chose (null: no such handling). `cwd` is the folder
  // paths are shown relative to. Without `with_provenance` no file's values
  // get entries (nor locations), only references do (LoadOptions says when).
  IncludeExpander(const SearchPath& search, google::protobuf::MessageFactory* factory,
                  const google::protobuf::Descriptor* root_type, std::string cwd,
                  bool with_provenance = true);

  // `abs_path` read and parsed as `type`, its includes merged under its body.
  // `chain` says how the file was reached ("included at mount m from f:3"),
  // innermost first; `entries` receives the origin of every value, relative
  // to the returned message.
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> ComposeFile(
      const std::string& abs_path, const google::protobuf::Descriptor* type,
      const std::vector<std::string>& chain, std::vector<ProvenanceEntry>* entries);

  // Same for a body already parsed from `abs_path`, with its `locations`.
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> ComposeParsed(
      const std::string& abs_path, std::unique_ptr<google::protobuf::Message> body,
      const std::vector<FieldLocation>& locations, const std::vector<std::string>& chain,
      std::vector<ProvenanceEntry>* entries);

  // Merges the include override `override_` (mount relative to `task`, which
  // sits at `task_steps` in the composed message) into `task`; the path is
  // resolved from the folder of `config_path`. Errors name the token.
  absl::Status ApplyIncludeOverride(const std::string& config_path, const Override& override_,
                                    google::protobuf::Message* task, const FieldPath& task_steps,
                                    std::vector<ProvenanceEntry>* entries);

  const std::string& cwd() const { return cwd_; }

 private:
  struct FileContext {
    std::string abs_path;
    std::string display;
    const std::vector<FieldLocation>* locations;
    std::vector<std::string> chain;
  };

  absl::Status ExpandIncludes(const FileContext& file, google::protobuf::Message* msg,
                              const FieldPath& at, std::vector<ProvenanceEntry>* entries);
  absl::Status MergeIncludes(const FileContext& file, const std::string& mount_base,
                             const FieldPath& at, google::protobuf::Message* msg,
                             std::vector<ProvenanceEntry>* entries);
  absl::Status MakeOneReference(const FileContext& file, int index, const std::string& mount_base,
                                const FieldPath& at, const google::protobuf::Message& ref,
                                google::protobuf::Message* msg,
                                std::vector<ProvenanceEntry>* entries);
  absl::Status ExpandOne(const FileContext& file, int index, const std::string& mount_base,
                         const FieldPath& at, const google::protobuf::Message& include,
                         google::protobuf::Message* merged,
                         std::vector<ProvenanceEntry>* merged_entries);
  bool MayHoldIncludes(const google::protobuf::Descriptor* type);
  std::string Display(const std::string& path) const { return DisplayPath(path, cwd_); }

  const SearchPath& search_;
  google::protobuf::MessageFactory* factory_;
  const google::protobuf::Descriptor* root_type_;
  std::string cwd_;
  bool with_provenance_;
  std::vector<std::string> stack_;  // files being composed, outermost first
  std::map<const google::protobuf::Descriptor*, bool> may_hold_includes_;
};

}  // namespace heyhi

#endif  // HEYHI_CONFIG_INCLUDE_EXPANDER_H_
