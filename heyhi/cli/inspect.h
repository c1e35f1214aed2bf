// `run info`, `run ls`, `run diff`, `run plot` and `run env`: finding, inspecting and
// comparing experiments from the XP index (SPEC §11). Read-only.
#ifndef HEYHI_CLI_INSPECT_H_
#define HEYHI_CLI_INSPECT_H_

#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"

namespace heyhi {

// Whether `word` (run's first argument) names one of these subcommands.
bool IsInspectCommand(const std::string& word);

// Whether `text` matches every pattern: a substring, or with a leading '!'
// its absence (run ls, run grid).
bool MatchesPatterns(const std::string& text, const std::vector<std::string>& patterns);

// Runs the subcommand argv[0] with its arguments against the schema whose
// root message is `root_type`; returns the exit code (0 ok, 1 failed, 2 bad
// usage). With --json stdout holds one JSON document and nothing else.
int InspectMain(int argc, char** argv, const google::protobuf::Descriptor* root_type);

}  // namespace heyhi

#endif  // HEYHI_CLI_INSPECT_H_
