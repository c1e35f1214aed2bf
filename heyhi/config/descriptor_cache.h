// The descriptor cache of run-time schemas: parsed FileDescriptorSets stored
// under $XDG_CACHE_HOME/heyhi/, keyed by the content of every .proto file read.
#ifndef HEYHI_CONFIG_DESCRIPTOR_CACHE_H_
#define HEYHI_CONFIG_DESCRIPTOR_CACHE_H_

#include <optional>
#include <string>
#include <vector>

#include "google/protobuf/arena.h"
#include "google/protobuf/descriptor.pb.h"

namespace heyhi {

// The folder of the cache: $XDG_CACHE_HOME/heyhi (when set to an absolute
// path), else $HOME/.cache/heyhi; "" (no cache) when HH_NO_CACHE is set to
// anything but "" or "0", or when neither variable gives a folder.
std::string DescriptorCacheDir();

// One .proto file a parse read: its name as imported ("heyhi/heyhi.proto")
// and the SHA-256 (hex) of its bytes.
struct ProtoFileHash {
  std::string name;
  std::string sha256;
  bool operator==(const ProtoFileHash& other) const {
    return name == other.name && sha256 == other.sha256;
  }
};

// The cache entries of one question (the proto paths and the schema asked
// for) in one folder. Three kinds of files, each written atomically:
//   index-<sha256 of version, question>: the files of the question's last
//     parse, one "<sha256> <name>" line each, then "end <count>";
//   set-<key>.pb: the parsed FileDescriptorSet without its source code info;
//   set-<key>.comments.pb: the source code info (doc comments, locations) of
//     each file, read only when asked for;
// where <key> is the SHA-256 of the version and of every file's name and
// content hash. A .pb file is a line holding the SHA-256 of the bytes that
// follow it. Nothing is trusted without its check: an index whose file has
// changed, a .pb file whose bytes do not match their hash (truncated,
// corrupt) or whose files are not the index's, is a miss. Errors of the folder
// (missing, unwritable) are misses and lost writes, silently.
class DescriptorCache {
 public:
  // `dir` "" disables the cache: every lookup misses, Store writes nothing.
  DescriptorCache(std::string dir, const std::string& question);

  bool enabled() const { return !dir_.empty(); }
  // The files of the question's last parse, in the order they were read;
  // nullopt when there is no valid index entry.
  std::optional<std::vector<ProtoFileHash>> IndexedFiles() const;
  // The set stored for exactly `files` (as IndexedFiles gave them), with the
  // source code info of its files when `with_comments`, allocated on
  // `arena`; null when missing or invalid.
  google::protobuf::FileDescriptorSet* LoadSet(const std::vector<ProtoFileHash>& files,
                                               bool with_comments,
                                               google::protobuf::Arena* arena) const;
  // Stores `set`, parsed from `files`, and points the question's index at it;
  // the set the index pointed at before is removed. Failures are ignored.
  void Store(const std::vector<ProtoFileHash>& files,
             const google::protobuf::FileDescriptorSet& set) const;

  // The paths of the entries (for tests).
  std::string IndexPath() const;
  std::string SetPath(const std::vector<ProtoFileHash>& files) const;
  std::string CommentsPath(const std::vector<ProtoFileHash>& files) const;

 private:
  std::string dir_;
  std::string index_key_;
};

}  // namespace heyhi

#endif  // HEYHI_CONFIG_DESCRIPTOR_CACHE_H_
