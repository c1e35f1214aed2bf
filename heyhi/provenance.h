// Where each value of a composed config came from: file:line with the include
// chain, or the override token (`--explain KEY`, SPEC §5).
#ifndef HEYHI_PROVENANCE_H_
#define HEYHI_PROVENANCE_H_

#include <map>
#include <string>

#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"

namespace heyhi {

class Provenance {
 public:
  // Records that `path` (dotted, relative to the task message) was set by
  // `origin`; a later record for the same path replaces the earlier one.
  void Record(const std::string& path, const std::string& origin);

  // Records every field that `info` located in `parsed`, which was merged at
  // `prefix`; origins read "FILE:LINE" followed by `chain` (the include chain,
  // may be empty).
  void RecordParsed(const google::protobuf::Message& parsed,
                    const google::protobuf::TextFormat::ParseInfoTree& info,
                    const std::string& prefix, const std::string& file,
                    const std::string& chain);

  // Forgets `path` and everything under it (the field was cleared).
  void Forget(const std::string& path);

  // The origin of `key`, or of the fields under it, one "path: origin" line
  // each; empty when nothing is recorded.
  std::string Explain(const std::string& key) const;

  const std::map<std::string, std::string>& origins() const { return origins_; }

 private:
  std::map<std::string, std::string> origins_;
};

}  // namespace heyhi

#endif  // HEYHI_PROVENANCE_H_
