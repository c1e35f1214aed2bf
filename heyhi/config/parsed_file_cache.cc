// The process-wide cache of parsed config files: stamps, racy entries and
// the bounds.
#include "heyhi/config/parsed_file_cache.h"

#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "heyhi/config/schema.h"

namespace heyhi {

std::optional<FileStamp> StampOfRegularFile(const std::string& path, size_t max_bytes) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode) || info.st_size < 0 ||
      static_cast<uint64_t>(info.st_size) > max_bytes) {
    return std::nullopt;
  }
  FileStamp stamp;
  stamp.device = info.st_dev;
  stamp.inode = info.st_ino;
  stamp.size = info.st_size;
  stamp.modified_ns = int64_t{info.st_mtim.tv_sec} * 1'000'000'000 + info.st_mtim.tv_nsec;
  stamp.changed_ns = int64_t{info.st_ctim.tv_sec} * 1'000'000'000 + info.st_ctim.tv_nsec;
  return stamp;
}

int64_t FileClockNowNs() {
  struct timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

bool ParsedFile::Racy() const {
  return std::max(stamp.modified_ns, stamp.changed_ns) + ParsedFileCache::kRacyMarginNs >=
         stamped_ns.load(std::memory_order_relaxed);
}

ParsedFileCache& ParsedFileCache::Global() {
  static ParsedFileCache* cache = new ParsedFileCache();
  return *cache;
}

std::string ParsedFileCache::Key(const std::string& path, const std::string& project_root,
                                 const google::protobuf::Descriptor* type) {
  if (type == nullptr || !IsCompiledIn(type)) return "";
  return absl::StrCat(path, std::string(1, '\0'), project_root, std::string(1, '\0'),
                      type->full_name());
}

std::shared_ptr<const ParsedFile> ParsedFileCache::Find(const std::string& key,
                                                        const FileStamp& stamp) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = slots_.find(key);
  if (it == slots_.end()) return nullptr;
  if (!(it->second.file->stamp == stamp)) {
    EraseLocked(it);
    return nullptr;
  }
  return it->second.file;
}

void ParsedFileCache::Insert(const std::string& key, std::shared_ptr<const ParsedFile> file) {
  if (file == nullptr || file->text.size() > kMaxTextBytes) return;
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = slots_.find(key);
  if (it != slots_.end()) EraseLocked(it);
  text_bytes_ += file->text.size();
  oldest_first_.push_back(key);
  slots_.emplace(key, Slot{std::move(file), std::prev(oldest_first_.end())});
  while (slots_.size() > kMaxEntries || text_bytes_ > kMaxTextBytes) {
    EraseLocked(slots_.find(oldest_first_.front()));
  }
}

void ParsedFileCache::EraseLocked(std::unordered_map<std::string, Slot>::iterator it) {
  text_bytes_ -= it->second.file->text.size();
  oldest_first_.erase(it->second.age);
  slots_.erase(it);
}

void ParsedFileCache::Clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  slots_.clear();
  oldest_first_.clear();
  text_bytes_ = 0;
}

size_t ParsedFileCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return slots_.size();
}

size_t ParsedFileCache::text_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return text_bytes_;
}

}  // namespace heyhi
