// Splitting a command line into a program's own flags and everything else
// (config overrides, files), shared by `pp` and `run`, and their exit codes.
#ifndef HEYHI_BASE_COMMAND_LINE_H_
#define HEYHI_BASE_COMMAND_LINE_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace heyhi {

// Exit codes of heyhi's programs.
inline constexpr int kExitOk = 0;        // done, skipped, or run by another process
inline constexpr int kExitFailed = 1;    // a bad config or override, or the task failed
inline constexpr int kExitBadUsage = 2;  // the command line itself is wrong

struct FlagSpec {
  const char* name;  // with underscores: "print_flat" also matches --print-flat
  bool takes_value;  // false: a switch, `--x` means true and `--x=false` is allowed
  const char* help;
};

struct SplitArgs {
  // Flags in command-line order: (name with underscores, value; "true" for
  // a switch given bare).
  std::vector<std::pair<std::string, std::string>> flags;
  // Every other token, as given.
  std::vector<std::string> others;
};

// Another source of flags (e.g. gflags/glog's): given a name, whether it is a
// flag and, if so, whether it takes a value.
using OtherFlagLookup = std::function<bool(const std::string& name, bool* takes_value)>;

// A token is a flag only if it starts with one or two dashes and names one of
// `flags` (or of `other`) exactly (`--name`, `-name`, `--name=value`,
// `--name value`); anything else, whatever its dashes, is kept in `others`
// (so `--checkpoint=x.pt` is a config override when no flag is called
// `checkpoint`). An error names the token: a flag that needs a value has none.
absl::StatusOr<SplitArgs> SplitFlags(int argc, char** argv, absl::Span<const FlagSpec> flags,
                                     const OtherFlagLookup& other = nullptr);

// A switch's value: true/false, 1/0, yes/no (any case); empty is true.
absl::StatusOr<bool> ParseSwitch(const std::string& name, const std::string& value);

// One line per flag: "  --name VALUE  help", for --help.
std::string FlagsHelp(absl::Span<const FlagSpec> flags);

}  // namespace heyhi

#endif  // HEYHI_BASE_COMMAND_LINE_H_
