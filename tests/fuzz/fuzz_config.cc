// libFuzzer target: the input is the text of a root config file, composed by LoadConfig against
// MetaCfg (proto/conf.proto) from <tmp>/conf/x/in.prototxt, with the repository's conf/common
// (and a few fixed chunks) there to include; what composes must print and rebuild from its flat
// lines.
#include <stddef.h>
#include <stdint.h>

#include <string>

#include "conf.pb.h"
#include "fuzz_support.h"
#include "heyhi/config.h"
#include "heyhi/print.h"
#include "heyhi/signature.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = heyhi::fuzz::TempRoot() + "/conf/x/in.prototxt";
  heyhi::fuzz::WriteFile(path, std::string(reinterpret_cast<const char*>(data), size));
  heyhi::LoadOptions options;
  options.root_type = MetaCfg::descriptor();
  absl::StatusOr<heyhi::Composed> composed = heyhi::LoadConfig(path, {}, options);
  if (!composed.ok()) return 0;
  heyhi::PrintText(*composed->task);
  heyhi::Flatten(*composed->task, /*with_all=*/true);
  heyhi::Signature(*composed->root);
  heyhi::fuzz::CheckRoundTrip(*composed->task, /*through_shell=*/false);
  return 0;
}
