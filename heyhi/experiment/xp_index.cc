// The XP index as a folder of symbolic links: one readlink per lookup, and a
// listing is one readdir.
#include "heyhi/experiment/xp_index.h"

#include <dirent.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "heyhi/base/files.h"
#include "heyhi/exp_dir.h"

namespace heyhi {
namespace {

std::string IndexDir(const std::string& exp_root) { return exp_root + "/.xps"; }

bool IsHex(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return absl::ascii_isxdigit(static_cast<unsigned char>(c));
  });
}

std::string ReadLink(const std::string& path) {
  char target[PATH_MAX];
  const ssize_t n = readlink(path.c_str(), target, sizeof(target) - 1);
  return n < 0 ? "" : std::string(target, static_cast<size_t>(n));
}

bool IsDir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

absl::Status IndexXp(const std::string& exp_root, const std::string& sig,
                     const std::string& exp_dir) {
  if (sig.empty() || !IsHex(sig)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot index ", exp_dir, ": no signature"));
  }
  const std::string dir = IndexDir(exp_root);
  if (absl::Status made = MakeDirs(dir); !made.ok()) return made;
  const std::string link = absl::StrCat(dir, "/", sig);
  if (ReadLink(link) == exp_dir) return absl::OkStatus();
  RemoveStaleTempFiles(dir, sig);  // left by a run killed in between
  return ReplaceSymlink(exp_dir, link);
}

void UnindexXp(const std::string& exp_root, const std::string& sig, const std::string& exp_dir) {
  if (sig.empty() || !IsHex(sig)) return;
  const std::string link = absl::StrCat(IndexDir(exp_root), "/", sig);
  if (ReadLink(link) == exp_dir) unlink(link.c_str());
}

absl::StatusOr<std::string> FindXp(const std::string& exp_root, const std::string& sig_or_dir) {
  if (sig_or_dir.find('/') != std::string::npos || IsDir(sig_or_dir)) {
    ExpDir dir(sig_or_dir, exp_root);
    if (!IsDir(sig_or_dir))
      return absl::NotFoundError(absl::StrCat(sig_or_dir, ": no such folder"));
    if (!dir.HasMarker()) {
      return absl::FailedPreconditionError(
          absl::StrCat(sig_or_dir, " is not a heyhi exp dir (no ", kMarkerFile, " marker)"));
    }
    return sig_or_dir;
  }
  return FindXpBySig(exp_root, sig_or_dir);
}

absl::StatusOr<std::string> FindXpBySig(const std::string& exp_root, const std::string& sig) {
  const std::string prefix = absl::AsciiStrToLower(sig);
  if (prefix.size() < kMinSigPrefix || !IsHex(prefix)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", sig, "' is neither an exp dir nor a signature (at least ", kMinSigPrefix,
                     " hex characters, e.g. the 12 at the end of an exp dir's name)"));
  }
  std::vector<std::string> matches;
  for (const IndexedXp& xp : ListXps(exp_root)) {
    if (absl::StartsWith(xp.sig, prefix)) matches.push_back(xp.sig + " " + xp.exp_dir);
  }
  if (matches.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no experiment with signature ", prefix, "... under ", exp_root));
  }
  if (matches.size() > 1) {
    std::sort(matches.begin(), matches.end());
    return absl::InvalidArgumentError(absl::StrCat("signature prefix ", prefix,
                                                   " is ambiguous; it matches:\n  ",
                                                   absl::StrJoin(matches, "\n  ")));
  }
  return matches[0].substr(matches[0].find(' ') + 1);
}

std::vector<IndexedXp> ListXps(const std::string& exp_root) {
  std::vector<IndexedXp> out;
  const std::string dir = IndexDir(exp_root);
  std::unique_ptr<DIR, int (*)(DIR*)> listing(opendir(dir.c_str()), closedir);
  if (!listing) return out;
  while (dirent* entry = readdir(listing.get())) {
    const std::string name = entry->d_name;
    if (!IsHex(name)) continue;
    std::string target = ReadLink(absl::StrCat(dir, "/", name));
    if (target.empty() || !IsDir(target)) continue;
    out.push_back(IndexedXp{name, std::move(target)});
  }
  return out;
}

}  // namespace heyhi
