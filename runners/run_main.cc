// The `run` command of this repository: heyhi's Main with the train and eval
// tasks (registered in tasks.cc) linked in, and the heap set up for tensor work.
#include <malloc.h>

#include <cstdlib>
#include <string>

#include "conf.pb.h"
#include "heyhi/main.h"

#ifdef HEYHI_WITH_TCMALLOC
// gperftools/tcmalloc.h, whose package is not installed (see
// runners/CMakeLists.txt). Named below, so that a linker dropping libraries
// nothing calls keeps tcmalloc, which replaces malloc without being called.
extern "C" const char* tc_version(int* major, int* minor, const char** patch);
#endif

namespace {

// LibTorch frees and allocates tens of megabytes of activations every step.
// With glibc's defaults each free of a large block goes back to the kernel
// (munmap, or a heap trim) and the next step page-faults it in again, which
// costs a third of a training step's CPU time on this repository's CNN.
//
// run is linked with tcmalloc (runners/CMakeLists.txt), which keeps freed
// memory in its caches. Measured with tools/bench/vs_pytorch.sh (200 steps,
// 2 threads, 3 alternating runs, medians of samples/s and of peak RSS)
// against glibc's malloc kept from returning memory (below), glibc's
// defaults and jemalloc: the CNN 3,298 samples/s and 636 MiB with tcmalloc,
// 3,008 and 697 MiB tuned glibc, 2,260 and 666 MiB glibc's defaults, 1,650
// and 617 MiB jemalloc (its decay returns memory as glibc's defaults do);
// the transformer 3,793 (314 MiB), 3,622 (349), 3,550 (354), 3,007 (301);
// the MLP 57,877 (282 MiB), 58,873 (262), 54,576 (251), 57,657 (258).
//
// Built without tcmalloc (-DHEYHI_TCMALLOC=OFF, or libtcmalloc-minimal4
// missing), glibc's malloc keeps freed memory instead: blocks up to the
// largest mmap threshold glibc allows come from the heap, and the heap is
// never trimmed. HH_MALLOC_DEFAULTS=1 then keeps glibc's defaults, to
// measure the difference.
void KeepFreedMemoryForTheNextStep() {
#ifdef HEYHI_WITH_TCMALLOC
  int major = 0, minor = 0;
  const char* patch = nullptr;
  tc_version(&major, &minor, &patch);
#else
  const char* defaults = std::getenv("HH_MALLOC_DEFAULTS");
  if (defaults != nullptr && std::string(defaults) == "1") return;
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's maximum on 64-bit
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
#endif
}

}  // namespace

int main(int argc, char** argv) {
  KeepFreedMemoryForTheNextStep();
  return heyhi::Main(argc, argv, MetaCfg::descriptor());
}
