// Reading and updating an exp dir's XpRecord; older folders are read from
// their other files.
#include "heyhi/experiment/xp_record.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/text_format.h"
#include "heyhi/base/files.h"

namespace heyhi {
namespace {

bool IsLowerHex(absl::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f');
  });
}

std::string Trimmed(const ExpDir& dir, const std::string& name) {
  absl::StatusOr<std::string> text = dir.ReadFile(name);
  return text.ok() ? std::string(absl::StripAsciiWhitespace(*text)) : "";
}

// What an exp dir written before records existed still tells.
XpRecord RebuildRecord(const ExpDir& dir) {
  XpRecord record;
  record.set_sig(SigFromExpDirName(dir.path()));
  if (!record.sig().empty()) {  // the folder is named <tag>_<sig>
    const std::string name = dir.path().substr(dir.path().rfind('/') + 1);
    record.set_tag(name.substr(0, name.size() - record.sig().size() - 1));
  }
  for (absl::string_view line : absl::StrSplit(Trimmed(dir, kOverridesFile), '\n')) {
    if (!line.empty()) record.add_overrides(std::string(line));
  }
  record.set_command(Trimmed(dir, kCommandFile));
  record.set_launch_dir(Trimmed(dir, kLaunchDirFile));
  const std::string job_id = Trimmed(dir, kJobIdFile);
  if (!job_id.empty()) record.add_job_ids(job_id);
  for (absl::string_view line : absl::StrSplit(Trimmed(dir, "git.txt"), '\n')) {
    if (absl::ConsumePrefix(&line, "commit: ")) record.set_git_commit(std::string(line));
  }
  return record;
}

absl::Status UpdateXpRecordLocked(const ExpDir& dir, const std::function<void(XpRecord*)>& edit) {
  XpRecord record;
  absl::StatusOr<std::string> text = dir.ReadFile(kXpRecordFile);
  if (text.ok()) google::protobuf::TextFormat::ParseFromString(*text, &record);
  edit(&record);
  std::string out;
  google::protobuf::TextFormat::PrintToString(record, &out);
  return dir.WriteFile(kXpRecordFile, out);
}

}  // namespace

std::string SigFromExpDirName(const std::string& path) {
  absl::string_view name = path;
  while (absl::ConsumeSuffix(&name, "/")) {
  }
  const size_t underscore = name.rfind('_');
  if (underscore == absl::string_view::npos) return "";
  const absl::string_view sig = name.substr(underscore + 1);
  return sig.size() == 12 && IsLowerHex(sig) ? std::string(sig) : "";
}

int64_t UnixNow() { return static_cast<int64_t>(std::time(nullptr)); }

absl::StatusOr<XpRecord> ReadXpRecord(const ExpDir& dir) {
  if (!dir.HasMarker()) {
    return absl::NotFoundError(
        absl::StrCat(dir.path(), " is not a heyhi exp dir (no ", kMarkerFile, " marker)"));
  }
  absl::StatusOr<std::string> text = dir.ReadFile(kXpRecordFile);
  if (!text.ok()) return RebuildRecord(dir);
  XpRecord record;
  if (!google::protobuf::TextFormat::ParseFromString(*text, &record)) {
    return absl::DataLossError(
        absl::StrCat(dir.File(kXpRecordFile), " is corrupt; its other files remain"));
  }
  return record;
}

absl::Status UpdateXpRecord(const ExpDir& dir, const std::function<void(XpRecord*)>& edit) {
  // Best effort: where the folder cannot be locked (it does not exist, or a
  // file system without flock), the update goes on as it would alone.
  const int folder = open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (folder >= 0) {
    while (flock(folder, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  absl::Status written = UpdateXpRecordLocked(dir, edit);
  if (folder >= 0) close(folder);  // releases the flock
  return written;
}

}  // namespace heyhi
