// Stored configs: parsed with the schema compiled into the run binary.
#include "heyhi/cli/stored_config.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "heyhi/base/files.h"
#include "heyhi/config/include_resolver.h"
#include "heyhi/config/override.h"
#include "heyhi/config/provenance.h"
#include "heyhi/config/references.h"
#include "heyhi/config/schema.h"
#include "heyhi/config/text_loader.h"
#include "heyhi/exp_dir.h"

namespace heyhi {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

absl::StatusOr<Composed> LoadStoredConfig(const std::string& exp_dir, const XpRecord& record,
                                          const google::protobuf::Descriptor* root_type) {
  const std::string path = absl::StrCat(exp_dir, "/", kRootConfigFile);
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  std::unique_ptr<Message> root(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(root_type)->New());
  if (absl::Status parsed = ParseText(*text, path, root.get()); !parsed.ok()) {
    return absl::DataLossError(absl::StrCat(parsed.message(), "\n(", path, " does not parse as ",
                                            root_type->full_name(),
                                            ": written by another schema, or damaged)"));
  }
  const google::protobuf::OneofDescriptor* oneof = TaskOneof(root_type);
  const FieldDescriptor* chosen =
      oneof == nullptr ? nullptr : root->GetReflection()->GetOneofFieldDescriptor(*root, oneof);
  if (chosen == nullptr) return absl::DataLossError(absl::StrCat(path, " selects no task"));
  Composed composed;
  composed.task_name = chosen->name();
  composed.task = &root->GetReflection()->GetMessage(*root, chosen);
  composed.root = std::move(root);
  composed.config_path = record.config_abs();
  auto search = std::make_shared<SearchPath>();
  search->conf_root = record.conf_root();
  search->project_root = ParentDir(record.conf_root());
  composed.search = std::move(search);
  composed.provenance = std::make_shared<Provenance>();
  composed.overrides.assign(record.overrides().begin(), record.overrides().end());
  return composed;
}

absl::StatusOr<Composed> DeriveConfig(Composed stored, const std::vector<std::string>& overrides) {
  absl::StatusOr<std::vector<Override>> parsed = ParseOverrides(overrides);
  if (!parsed.ok()) return parsed.status();
  std::unique_ptr<Message> root(stored.root->New());
  root->CopyFrom(*stored.root);
  const FieldDescriptor* chosen = root->GetDescriptor()->FindFieldByName(stored.task_name);
  Message* task = root->GetReflection()->MutableMessage(root.get(), chosen);
  for (const Override& override_ : *parsed) {
    if (override_.kind == Override::Kind::kInclude) {
      return absl::InvalidArgumentError(
          absl::StrCat("override ", override_.token,
                       ": -f starts from a stored config, which has no files to include into; give "
                       "key=value overrides"));
    }
  }
  // The references the stored config resolved (its `refs`) are made again
  // before the overrides, so that an override of a source moves its targets
  // and one of a target wins over its reference.
  std::vector<ProvenanceEntry> entries;
  if (const FieldDescriptor* refs = RefsField(root->GetDescriptor())) {
    const google::protobuf::Reflection* r = root->GetReflection();
    for (int i = 0; i < r->FieldSize(*root, refs); ++i) {
      const Message& ref = r->GetRepeatedMessage(*root, refs, i);
      const google::protobuf::Descriptor* type = ref.GetDescriptor();
      const std::string key = ref.GetReflection()->GetString(ref, type->FindFieldByName("key"));
      const std::string from = ref.GetReflection()->GetString(ref, type->FindFieldByName("from"));
      if (absl::Status made = MakeReference(task, key, from, {}, "stored config", &entries);
          !made.ok()) {
        return absl::DataLossError(absl::StrCat("the stored config's reference ", key, "=${", from,
                                                "}: ", made.message()));
      }
    }
  }
  if (absl::Status applied = ApplyScalarOverrides(task, *parsed, &entries); !applied.ok()) {
    return applied;
  }
  absl::StatusOr<std::vector<FieldReference>> active = ActiveReferences(entries, {});
  if (!active.ok()) return active.status();
  absl::StatusOr<std::vector<ResolvedReference>> resolved =
      ResolveReferences(task, *active, /*with_default_from=*/true);
  if (!resolved.ok()) return resolved.status();
  StoreReferences(root.get(), *resolved);
  stored.task = task;
  stored.root = std::move(root);
  stored.overrides.insert(stored.overrides.end(), overrides.begin(), overrides.end());
  return stored;
}

}  // namespace heyhi
