// libFuzzer target: the input is command-line overrides, one token per line, applied by
// LoadConfig to conf/c02_sup_train/sl.prototxt (or, when the first line is `@all_kinds`, to
// conf/c90_test/all_kinds.prototxt) in a temporary copy of conf/; what composes must print and
// rebuild from its flat lines.
#include <stddef.h>
#include <stdint.h>

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "conf.pb.h"
#include "fuzz_support.h"
#include "heyhi/config.h"
#include "heyhi/print.h"
#include "heyhi/signature.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string conf = heyhi::fuzz::TempRoot() + "/conf/";
  std::vector<std::string> tokens =
      absl::StrSplit(absl::string_view(reinterpret_cast<const char*>(data), size), '\n');
  std::string config = conf + "c02_sup_train/sl.prototxt";
  if (!tokens.empty() && tokens[0] == "@all_kinds") {
    config = conf + "c90_test/all_kinds.prototxt";
    tokens.erase(tokens.begin());
  }
  // A last line ending in a newline is not an empty token.
  if (!tokens.empty() && tokens.back().empty()) tokens.pop_back();
  heyhi::LoadOptions options;
  options.root_type = MetaCfg::descriptor();
  absl::StatusOr<heyhi::Composed> composed = heyhi::LoadConfig(config, tokens, options);
  if (!composed.ok()) return 0;
  heyhi::PrintText(*composed->task);
  heyhi::Flatten(*composed->task, /*with_all=*/true);
  heyhi::Signature(*composed->root);
  heyhi::fuzz::CheckRoundTrip(*composed->task, /*through_shell=*/false);
  return 0;
}
