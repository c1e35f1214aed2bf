// Exact-name flag splitting; every unknown token is left to the caller.
#include "heyhi/base/command_line.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace heyhi {

absl::StatusOr<SplitArgs> SplitFlags(int argc, char** argv, absl::Span<const FlagSpec> flags,
                                     const OtherFlagLookup& other) {
  SplitArgs out;
  for (int i = 1; i < argc; ++i) {
    const std::string token = argv[i];
    const size_t dashes = token.find_first_not_of('-');
    if (token.size() < 2 || token[0] != '-' || dashes == std::string::npos || dashes > 2) {
      out.others.push_back(token);
      continue;
    }
    const size_t eq = token.find('=');
    std::string name =
        token.substr(dashes, eq == std::string::npos ? std::string::npos : eq - dashes);
    std::replace(name.begin(), name.end(), '-', '_');
    bool takes_value = false;
    const auto spec = std::find_if(flags.begin(), flags.end(),
                                   [&name](const FlagSpec& flag) { return name == flag.name; });
    if (spec != flags.end()) {
      takes_value = spec->takes_value;
    } else if (!other || !other(name, &takes_value)) {
      out.others.push_back(token);
      continue;
    }
    std::string value;
    if (eq != std::string::npos) {
      value = token.substr(eq + 1);
    } else if (takes_value) {
      if (i + 1 >= argc) return absl::InvalidArgumentError(absl::StrCat(token, " needs a value"));
      value = argv[++i];
    } else {
      value = "true";
    }
    out.flags.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

absl::StatusOr<bool> ParseSwitch(const std::string& name, const std::string& value) {
  const std::string v = absl::AsciiStrToLower(value);
  if (v.empty() || v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  return absl::InvalidArgumentError(
      absl::StrCat("--", name, "=", value, ": expected true or false"));
}

std::string FlagsHelp(absl::Span<const FlagSpec> flags) {
  std::string out;
  for (const FlagSpec& flag : flags) {
    std::string shown = absl::StrCat("--", flag.name, flag.takes_value ? " VALUE" : "");
    std::replace(shown.begin() + 2, shown.end(), '_', '-');
    absl::StrAppendFormat(&out, "  %-22s %s\n", shown, flag.help);
  }
  return out;
}

}  // namespace heyhi
