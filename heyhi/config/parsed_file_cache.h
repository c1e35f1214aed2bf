// A process-wide cache of parsed config files, so that composing the same
// files again (a grid composes the same few files for every member, `pp
// --repeat` composes one config many times) parses each of them once.
//
// An entry is found by the file's absolute path, the project root its
// {{ROOT_DIR}} became and the message type it was parsed as, and is used only
// while one stat(2) of the file still gives the same device, inode, size,
// modification time and status-change time (nanoseconds) as when it was read:
// a file edited, replaced, renamed over, chmod-ed or touched is a miss and is
// read and parsed again, never a stale config. The stat must also say a
// regular file of at most kMaxConfigBytes, else the file is read (and fails)
// as on a miss, so a FIFO or a too-large file is still the located error.
//
// Timestamps have a granularity (a kernel tick, or seconds on some
// filesystems), so two writes of the same size close together can leave the
// same stamp. As git does for its index, an entry whose file changed less
// than kRacyMarginNs before it was stamped is "racy": its file is read again
// on every use and its bytes compared with the text the entry was parsed
// from; a match that is no longer racy makes the entry trusted by its stamp.
//
// Only messages of compiled-in types (the generated descriptor pool) are
// kept: their descriptors outlive every entry. Errors are never kept: a file
// that fails is read and parsed again each time, and fails with the same
// message. Bounded: at most kMaxEntries entries and kMaxTextBytes of file
// text in all; the oldest entries are dropped first. Thread-safe.
#ifndef HEYHI_CONFIG_PARSED_FILE_CACHE_H_
#define HEYHI_CONFIG_PARSED_FILE_CACHE_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "google/protobuf/message.h"
#include "heyhi/config/text_loader.h"

namespace heyhi {

// What one stat(2) of a file says about its identity and version.
struct FileStamp {
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  int64_t modified_ns = 0;
  int64_t changed_ns = 0;
  bool operator==(const FileStamp& other) const {
    return device == other.device && inode == other.inode && size == other.size &&
           modified_ns == other.modified_ns && changed_ns == other.changed_ns;
  }
};

// The stamp of `path` (symbolic links followed, as opening does) when it is
// a regular file of at most `max_bytes` bytes; nullopt otherwise, or when
// stat fails.
std::optional<FileStamp> StampOfRegularFile(const std::string& path, size_t max_bytes);

// The current time of the clock file timestamps come from, in nanoseconds.
int64_t FileClockNowNs();

// One parsed file.
struct ParsedFile {
  std::unique_ptr<const google::protobuf::Message> message;
  std::vector<FieldLocation> locations;
  std::string text;  // as read, before {{ROOT_DIR}} substitution
  FileStamp stamp;   // taken before the text was read
  // When `stamp` was taken (FileClockNowNs); moved later by a racy entry
  // whose content was checked again.
  mutable std::atomic<int64_t> stamped_ns{0};

  // Whether the stamp alone cannot tell a later write of the same size.
  bool Racy() const;
};

class ParsedFileCache {
 public:
  static constexpr size_t kMaxEntries = 256;
  static constexpr size_t kMaxTextBytes = 64 << 20;
  // A file changed this close before its stamp was taken is racy.
  static constexpr int64_t kRacyMarginNs = 3'000'000'000;

  // The cache ParseTextFile uses.
  static ParsedFileCache& Global();

  // The key of `path` parsed as `type` with {{ROOT_DIR}} as `project_root`;
  // "" when `type` is not compiled in (not cached).
  static std::string Key(const std::string& path, const std::string& project_root,
                         const google::protobuf::Descriptor* type);

  // The entry of `key` when its stamp is `stamp`; null otherwise (an entry of
  // another stamp is dropped).
  std::shared_ptr<const ParsedFile> Find(const std::string& key, const FileStamp& stamp);
  // Keeps `file` under `key`, replacing what was there, then drops the oldest
  // entries beyond the bounds.
  void Insert(const std::string& key, std::shared_ptr<const ParsedFile> file);
  void Clear();
  size_t size() const;
  size_t text_bytes() const;

 private:
  struct Slot {
    std::shared_ptr<const ParsedFile> file;
    std::list<std::string>::iterator age;
  };
  void EraseLocked(std::unordered_map<std::string, Slot>::iterator it);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Slot> slots_;
  std::list<std::string> oldest_first_;
  size_t text_bytes_ = 0;
};

}  // namespace heyhi

#endif  // HEYHI_CONFIG_PARSED_FILE_CACHE_H_
