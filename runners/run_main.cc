// The `run` command of this repository: heyhi's Main with the train and eval
// tasks (registered in tasks.cc) linked in, and the heap set up for tensor work.
#include <malloc.h>

#include <cstdlib>

#include "conf.pb.h"
#include "heyhi/main.h"

namespace {

// LibTorch frees and allocates tens of megabytes of activations every step.
// With glibc's defaults each free of a large block goes back to the kernel
// (munmap, or a heap trim) and the next step page-faults it in again, which
// costs a third of a training step's CPU time on this repository's CNN. Kept
// instead: blocks up to the largest mmap threshold glibc allows come from the
// heap, and the heap is never trimmed. HH_MALLOC_DEFAULTS=1 keeps glibc's
// defaults, to measure the difference.
void KeepFreedMemoryForTheNextStep() {
  const char* defaults = std::getenv("HH_MALLOC_DEFAULTS");
  if (defaults != nullptr && std::string(defaults) == "1") return;
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's maximum on 64-bit
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
}

}  // namespace

int main(int argc, char** argv) {
  KeepFreedMemoryForTheNextStep();
  return heyhi::Main(argc, argv, MetaCfg::descriptor());
}
