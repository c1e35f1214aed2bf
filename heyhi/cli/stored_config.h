// The composed config an experiment ran, read back from its exp dir, and a
// new composition made from it (`run -f SIG`, `diff`, `info`).
#ifndef HEYHI_CLI_STORED_CONFIG_H_
#define HEYHI_CLI_STORED_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "heyhi/config.h"
#include "heyhi/heyhi.pb.h"

namespace heyhi {

// The root config stored in `exp_dir` (config_meta.prototxt) as a Composed:
// root, task and task name; the config path, conf root and overrides come
// from `record`. Provenance is empty: the files it came from may have changed.
absl::StatusOr<Composed> LoadStoredConfig(const std::string& exp_dir, const XpRecord& record,
                                          const google::protobuf::Descriptor* root_type);

// `stored` with `overrides` (key=value tokens) applied to its task; its
// overrides become the stored ones followed by these. Include overrides are
// an error: the stored config no longer knows its files.
absl::StatusOr<Composed> DeriveConfig(Composed stored, const std::vector<std::string>& overrides);

}  // namespace heyhi

#endif  // HEYHI_CLI_STORED_CONFIG_H_
