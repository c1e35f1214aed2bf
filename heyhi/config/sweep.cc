// The sweep grammar and the product of axes (SPEC §12).
#include "heyhi/config/sweep.h"

#include <fnmatch.h>

#include <cmath>
#include <cstdint>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "heyhi/base/number_text.h"
#include "heyhi/config/include_resolver.h"
#include "heyhi/config/override.h"

namespace heyhi {
namespace {

constexpr char kValidForms[] =
    "valid forms: a,b,c; range(start,stop[,step]); choice(a,b,...); glob(PATTERN) for an "
    "include override";

// `item` is `name(...)`: the text inside the parentheses.
bool CallArguments(absl::string_view item, absl::string_view name, absl::string_view* inside) {
  if (!absl::StartsWith(item, name) || item.size() < name.size() + 2) return false;
  if (item[name.size()] != '(' || item.back() != ')') return false;
  *inside = item.substr(name.size() + 1, item.size() - name.size() - 2);
  return true;
}

absl::StatusOr<std::vector<std::string>> TrimmedArguments(absl::string_view inside) {
  absl::StatusOr<std::vector<std::string>> parts = SplitSweepValues(inside);
  if (!parts.ok()) return parts.status();
  for (std::string& part : *parts) part = std::string(absl::StripAsciiWhitespace(part));
  return parts;
}

absl::StatusOr<std::vector<std::string>> ExpandRange(absl::string_view item,
                                                     absl::string_view inside) {
  absl::StatusOr<std::vector<std::string>> args = TrimmedArguments(inside);
  if (!args.ok()) return args.status();
  if (args->size() != 2 && args->size() != 3) {
    return absl::InvalidArgumentError(
        absl::StrCat(item, ": range takes (start, stop) or (start, stop, step)"));
  }
  if (args->size() == 2) args->push_back("1");
  std::vector<std::string> values;
  int64_t ints[3];
  if (absl::SimpleAtoi((*args)[0], &ints[0]) && absl::SimpleAtoi((*args)[1], &ints[1]) &&
      absl::SimpleAtoi((*args)[2], &ints[2])) {
    if (ints[2] == 0) return absl::InvalidArgumentError(absl::StrCat(item, ": step is 0"));
    for (int64_t v = ints[0]; ints[2] > 0 ? v < ints[1] : v > ints[1]; v += ints[2]) {
      if (values.size() >= kMaxSweepMembers) {
        return absl::InvalidArgumentError(
            absl::StrCat(item, ": more than ", kMaxSweepMembers, " values"));
      }
      values.push_back(absl::StrCat(v));
    }
  } else {
    double bounds[3];
    for (int i = 0; i < 3; ++i) {
      if (!absl::SimpleAtod((*args)[i], &bounds[i]) || !std::isfinite(bounds[i])) {
        return absl::InvalidArgumentError(
            absl::StrCat(item, ": \"", (*args)[i], "\" is not a finite number"));
      }
    }
    if (bounds[2] == 0) return absl::InvalidArgumentError(absl::StrCat(item, ": step is 0"));
    const double count = std::ceil((bounds[1] - bounds[0]) / bounds[2]);
    if (count > static_cast<double>(kMaxSweepMembers)) {
      return absl::InvalidArgumentError(
          absl::StrCat(item, ": more than ", kMaxSweepMembers, " values"));
    }
    // start + i * step, not a running sum: no drift over long ranges.
    for (int64_t i = 0; i < static_cast<int64_t>(count); ++i) {
      values.push_back(FormatDouble(bounds[0] + static_cast<double>(i) * bounds[2]));
    }
  }
  if (values.empty()) return absl::InvalidArgumentError(absl::StrCat(item, ": range is empty"));
  return values;
}

}  // namespace

IncludeGlob IncludeGlobFor(const std::string& config_path, const std::string& conf_root) {
  const SearchPath search = MakeSearchPath(config_path, conf_root);
  const std::string including_dir = ParentDir(AbsolutePath(config_path));
  return [search, including_dir](
             const std::string& mount,
             const std::string& pattern) -> absl::StatusOr<std::vector<std::string>> {
    std::set<std::string> names;
    for (const std::string& folder : IncludeSearchFolders(mount, including_dir, search)) {
      for (const std::string& name : PrototxtNamesIn(folder)) {
        if (fnmatch(pattern.c_str(), name.c_str(), 0) == 0) names.insert(name);
      }
    }
    return std::vector<std::string>(names.begin(), names.end());
  };
}

absl::StatusOr<std::vector<std::string>> SplitSweepValues(absl::string_view text) {
  std::vector<std::string> items;
  std::string closers;  // the brackets still open, innermost last
  char quote = 0;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote != 0) {
      if (c == '\\') {
        ++i;
      } else if (c == quote) {
        quote = 0;
      }
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '(' || c == '[' || c == '{') {
      closers.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
    } else if (c == ')' || c == ']' || c == '}') {
      if (closers.empty() || closers.back() != c) {
        return absl::InvalidArgumentError(absl::StrCat(
            "\"", text, "\": '", std::string(1, c), "' at column ", i + 1,
            closers.empty()
                ? " closes nothing"
                : absl::StrCat(" where '", closers.substr(closers.size() - 1), "' was expected")));
      }
      closers.pop_back();
    } else if (c == ',' && closers.empty()) {
      items.emplace_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  if (quote != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\": the quote ", std::string(1, quote), " is never closed"));
  }
  if (!closers.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\": '", closers.substr(closers.size() - 1), "' is missing"));
  }
  items.emplace_back(text.substr(start));
  return items;
}

absl::StatusOr<std::vector<std::string>> ExpandSweepValues(absl::string_view key,
                                                           absl::string_view text,
                                                           const IncludeGlob& glob) {
  absl::StatusOr<std::vector<std::string>> items = SplitSweepValues(text);
  if (!items.ok()) return items.status();
  std::vector<std::string> values;
  for (const std::string& item : *items) {
    absl::string_view inside;
    absl::StatusOr<std::vector<std::string>> expanded;
    if (CallArguments(item, "range", &inside)) {
      expanded = ExpandRange(item, inside);
    } else if (CallArguments(item, "choice", &inside)) {
      expanded = TrimmedArguments(inside);
    } else if (CallArguments(item, "glob", &inside)) {
      absl::StatusOr<std::vector<Override>> parsed = ParseOverrides({absl::StrCat(key, "=", "x")});
      if (!parsed.ok() || parsed->front().kind != Override::Kind::kInclude) {
        return absl::InvalidArgumentError(absl::StrCat(
            key, "=", item, ": glob() lists include files, so it needs an include override key ",
            "(I<mount>=glob(...)); for other keys list the values: a,b,c"));
      }
      if (!glob) {
        return absl::InvalidArgumentError(
            absl::StrCat(key, "=", item, ": no include folders to glob in here"));
      }
      const std::string pattern(absl::StripAsciiWhitespace(inside));
      expanded = glob(parsed->front().key, pattern);
      if (expanded.ok() && expanded->empty()) {
        return absl::InvalidArgumentError(absl::StrCat(key, "=", item, ": no include at mount \"",
                                                       parsed->front().key, "\" matches ",
                                                       pattern));
      }
    } else {
      expanded = std::vector<std::string>{item};
    }
    if (!expanded.ok()) return expanded.status();
    for (std::string& value : *expanded) {
      if (value.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            key, "=", text, ": an empty value (two commas, or one at an end); ", kValidForms));
      }
      values.push_back(std::move(value));
    }
  }
  return values;
}

absl::StatusOr<SweepAxis> ParseSweepToken(absl::string_view token, const IncludeGlob& glob) {
  absl::string_view stripped = token;
  while (absl::ConsumePrefix(&stripped, "-")) {
  }
  const size_t eq = stripped.find('=');
  if (eq == absl::string_view::npos || eq == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("sweep token \"", token, "\": expected key=values; ", kValidForms));
  }
  SweepAxis axis;
  axis.key = std::string(stripped.substr(0, eq));
  absl::StatusOr<std::vector<std::string>> values =
      ExpandSweepValues(axis.key, stripped.substr(eq + 1), glob);
  if (!values.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("sweep token \"", token, "\": ", values.status().message()));
  }
  for (const std::string& value : *values)
    axis.tokens.push_back(absl::StrCat(axis.key, "=", value));
  return axis;
}

absl::StatusOr<std::vector<std::vector<std::string>>> SweepProduct(
    const std::vector<SweepAxis>& axes) {
  std::set<std::string> keys;
  size_t count = 1;
  for (const SweepAxis& axis : axes) {
    if (!keys.insert(axis.key).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("sweep key \"", axis.key,
                       "\" is given twice; give all its values once: ", axis.key, "=a,b"));
    }
    if (axis.tokens.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("sweep key \"", axis.key, "\" has no values"));
    }
    count *= axis.tokens.size();
    if (count > kMaxSweepMembers) {
      return absl::InvalidArgumentError(absl::StrCat("the sweep has more than ", kMaxSweepMembers,
                                                     " members (the limit); split it"));
    }
  }
  std::vector<std::vector<std::string>> members(1);
  for (const SweepAxis& axis : axes) {
    std::vector<std::vector<std::string>> next;
    next.reserve(members.size() * axis.tokens.size());
    for (const std::vector<std::string>& member : members) {
      for (const std::string& token : axis.tokens) {
        next.push_back(member);
        next.back().push_back(token);
      }
    }
    members = std::move(next);
  }
  return members;
}

}  // namespace heyhi
