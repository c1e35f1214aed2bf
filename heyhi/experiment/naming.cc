// Exp ids and exp dirs from a config path, override tokens and a signature,
// compatible with HeyHi's folder names where HeyHi defined them.
#include "heyhi/experiment/naming.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <tuple>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "heyhi/base/hash.h"
#include "heyhi/base/python_text.h"

namespace heyhi {
namespace {

namespace fs = std::filesystem;

// HeyHi's limits and separators.
constexpr size_t kMaxRedefinesChars = 100;
constexpr size_t kKeyCharsKeptWhole = 5;
constexpr size_t kCharsPerKeyPart = 3;
constexpr char kItemSeparator[] = "@";
constexpr size_t kRedefinesHashChars = 8;
constexpr size_t kFolderHashChars = 8;

// Absolute (from the working directory) and lexically normal, without a
// trailing separator: the form compared and hashed below.
fs::path NormalAbsolute(const fs::path& path) {
  std::error_code ignored;
  fs::path normal = fs::absolute(path, ignored).lexically_normal();
  if (normal.has_relative_path() && normal.filename().empty()) normal = normal.parent_path();
  return normal;
}

}  // namespace

std::string StripOverrideDashes(absl::string_view token) {
  const size_t first = token.find_first_not_of('-');
  return std::string(first == absl::string_view::npos ? "" : token.substr(first));
}

absl::StatusOr<std::vector<std::string>> SortOverridesForNaming(
    const std::vector<std::string>& tokens) {
  struct Keyed {
    size_t depth;
    std::string key;
    std::string token;
  };
  std::vector<Keyed> keyed;
  for (const std::string& raw : tokens) {
    std::string token = StripOverrideDashes(raw);
    const size_t eq = token.find('=');
    if (eq == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("override '", raw, "' has no '=': expected key=value or I<mount>=<path>"));
    }
    std::string key = token.substr(0, eq);
    const size_t depth = std::count(key.begin(), key.end(), '.') + 1;
    keyed.push_back({depth, std::move(key), std::move(token)});
  }
  // Python compares str by code point, which for UTF-8 is byte order: the
  // order std::string uses (char_traits<char> compares as unsigned char).
  std::stable_sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) {
    return std::tie(a.depth, a.key, a.token) < std::tie(b.depth, b.key, b.token);
  });
  std::vector<std::string> sorted;
  for (Keyed& k : keyed) sorted.push_back(std::move(k.token));
  return sorted;
}

absl::StatusOr<std::string> RedefinesTag(const std::vector<std::string>& tokens) {
  absl::StatusOr<std::vector<std::string>> sorted = SortOverridesForNaming(tokens);
  if (!sorted.ok()) return sorted.status();
  std::vector<std::string> items;
  for (const std::string& token : *sorted) {
    const size_t eq = token.find('=');
    std::string key = token.substr(0, eq);
    std::string value = token.substr(eq + 1);
    if (PythonLength(key) > kKeyCharsKeptWhole) {
      std::vector<std::string> parts;
      for (absl::string_view part : absl::StrSplit(key, '.')) {
        parts.push_back(PythonPrefix(part, kCharsPerKeyPart));
      }
      key = absl::StrJoin(parts, ".");
    }
    if (value.find('/') != std::string::npos) {
      const std::vector<absl::string_view> parts = absl::StrSplit(value, '/');
      value = absl::StrCat(parts[parts.size() - 2], "_", parts.back());
    }
    absl::StrReplaceAll({{" ", "_"}}, &value);
    items.push_back(absl::StrCat(key, kItemSeparator, value));
  }
  const std::string tag = PythonPrefix(absl::StrJoin(items, kItemSeparator), kMaxRedefinesChars);
  return tag.empty() ? "default" : tag;
}

absl::StatusOr<std::string> RedefinesHash(const std::vector<std::string>& tokens) {
  absl::StatusOr<std::vector<std::string>> sorted = SortOverridesForNaming(tokens);
  if (!sorted.ok()) return sorted.status();
  return Md5Hex(PythonListRepr(*sorted)).substr(0, kRedefinesHashChars);
}

std::string LocalTimeTag(std::time_t when) {
  std::tm local{};
  localtime_r(&when, &local);
  char buffer[32];
  const size_t n = std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H%M%S", &local);
  return std::string(buffer, n);
}

std::string ExpIdPrefix(bool adhoc, std::time_t now) {
  return adhoc ? absl::StrCat("adhoc/", LocalTimeTag(now)) : "p";
}

std::string ConfigFolderTag(const std::string& config_path, const std::string& conf_root) {
  const fs::path folder = NormalAbsolute(config_path).parent_path();
  auto relative_inside = [](const fs::path& inner, const fs::path& outer) -> fs::path {
    if (outer.empty()) return {};
    const fs::path rel = inner.lexically_relative(outer);
    if (rel.empty() || *rel.begin() == "..") return {};
    return rel;
  };
  fs::path rel;
  if (!conf_root.empty()) {
    const fs::path root = NormalAbsolute(conf_root);
    rel = relative_inside(folder, root);
    if (rel.empty()) {
      // The same folder reached through a symlink is still inside.
      std::error_code a, b;
      const fs::path real_folder = fs::weakly_canonical(folder, a);
      const fs::path real_root = fs::weakly_canonical(root, b);
      if (!a && !b) rel = relative_inside(real_folder, real_root);
    }
  }
  if (rel.empty()) {
    // HeyHi hashed str(path.parent.absolute()): no trailing slash either.
    return Md5Hex(folder.string()).substr(0, kFolderHashChars);
  }
  if (rel == ".") return "root";
  std::vector<std::string> parts;
  for (const fs::path& part : rel) {
    if (!part.empty() && part != ".") parts.push_back(part.string());
  }
  return absl::StrJoin(parts, "_");
}

std::string ConfigNameTag(const std::string& config_path) {
  const std::string name = fs::path(config_path).filename().string();
  const size_t dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(0, dot);
}

absl::StatusOr<ExpIdFields> MakeExpIdFields(const std::string& config_path,
                                            const std::string& conf_root,
                                            const std::vector<std::string>& override_tokens,
                                            bool adhoc, const std::string& sig, std::time_t now) {
  ExpIdFields fields;
  absl::StatusOr<std::string> redefines = RedefinesTag(override_tokens);
  if (!redefines.ok()) return redefines.status();
  absl::StatusOr<std::string> redefines_hash = RedefinesHash(override_tokens);
  if (!redefines_hash.ok()) return redefines_hash.status();
  fields.prefix = ExpIdPrefix(adhoc, now);
  fields.cfg_folder = ConfigFolderTag(config_path, conf_root);
  fields.cfg = ConfigNameTag(config_path);
  fields.redefines = *std::move(redefines);
  fields.redefines_hash = *std::move(redefines_hash);
  fields.sig = sig;
  fields.date = LocalTimeTag(now);
  return fields;
}

absl::StatusOr<std::string> ExpId(absl::string_view pattern, const ExpIdFields& fields) {
  const std::pair<absl::string_view, const std::string*> tags[] = {
      {"cfg", &fields.cfg},
      {"cfg_folder", &fields.cfg_folder},
      {"date", &fields.date},
      {"prefix", &fields.prefix},
      {"redefines", &fields.redefines},
      {"redefines_hash", &fields.redefines_hash},
      {"sig", &fields.sig}};
  auto error = [&](absl::string_view what) {
    std::vector<std::string> known;
    for (const auto& tag : tags) known.push_back(absl::StrCat("%(", tag.first, ")s"));
    return absl::InvalidArgumentError(absl::StrCat(what, " in exp id pattern '", pattern,
                                                   "'; known tags: ", absl::StrJoin(known, " "),
                                                   " (and %% for a literal %)"));
  };
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') {
      out.push_back(pattern[i]);
      continue;
    }
    if (i + 1 < pattern.size() && pattern[i + 1] == '%') {
      out.push_back('%');
      ++i;
      continue;
    }
    if (i + 1 >= pattern.size() || pattern[i + 1] != '(') {
      return error(absl::StrCat("'%' at position ", i, " is not followed by (tag)s or %"));
    }
    const size_t close = pattern.find(')', i + 2);
    if (close == absl::string_view::npos) {
      return error(absl::StrCat("unclosed '%(' at position ", i));
    }
    const absl::string_view name = pattern.substr(i + 2, close - i - 2);
    if (close + 1 >= pattern.size() || pattern[close + 1] != 's') {
      return error(absl::StrCat("tag %(", name, ") must be written %(", name, ")s"));
    }
    const auto found = std::find_if(std::begin(tags), std::end(tags),
                                    [&](const auto& tag) { return tag.first == name; });
    if (found == std::end(tags)) return error(absl::StrCat("unknown tag %(", name, ")s"));
    out += *found->second;
    i = close + 1;
  }
  return out;
}

absl::StatusOr<std::string> ExpDirPath(const std::string& exp_root, const std::string& exp_id) {
  if (exp_id.empty()) return absl::InvalidArgumentError("the exp id is empty");
  const fs::path id(exp_id);
  if (id.is_absolute()) {
    const fs::path dir = NormalAbsolute(id);
    if (dir == dir.root_path()) {
      return absl::InvalidArgumentError(
          absl::StrCat("exp dir '", exp_id, "' is the file system root"));
    }
    return dir.string();
  }
  const fs::path root = NormalAbsolute(exp_root);
  const fs::path dir = NormalAbsolute(root / id);
  const fs::path rel = dir.lexically_relative(root);
  if (rel.empty() || rel == "." || *rel.begin() == "..") {
    return absl::InvalidArgumentError(
        absl::StrCat("exp id '", exp_id, "' does not name a folder inside the exp root ",
                     root.string(), "; give an absolute --out to write elsewhere"));
  }
  return dir.string();
}

std::string DefaultExpRoot() {
  const char* env = std::getenv("HH_EXP_DIR");
  if (env != nullptr && *env != '\0') return NormalAbsolute(env).string();
  std::string home;
  if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') {
    home = h;
  } else {
    struct passwd entry;
    struct passwd* found = nullptr;
    char buffer[4096];
    if (getpwuid_r(getuid(), &entry, buffer, sizeof(buffer), &found) == 0 && found != nullptr) {
      home = found->pw_dir;
    }
  }
  return NormalAbsolute(fs::path(home) / "results" / "heyhi").string();
}

}  // namespace heyhi
