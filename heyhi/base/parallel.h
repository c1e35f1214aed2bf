// Running independent pieces of work on a few threads: composing a grid's
// members (CPU) and writing their folders (bound by fsync, which the disk
// serves for many files at once).
#ifndef HEYHI_BASE_PARALLEL_H_
#define HEYHI_BASE_PARALLEL_H_

#include <cstddef>
#include <functional>

namespace heyhi {

// Calls work(0) ... work(count - 1), each once, on at most `max_threads`
// threads (this one included), and never more than one thread per
// `min_per_thread` items: small counts run here alone. Returns when all are
// done. `work` must be safe to call from several threads at once.
void ParallelFor(size_t count, size_t max_threads, size_t min_per_thread,
                 const std::function<void(size_t)>& work);

}  // namespace heyhi

#endif  // HEYHI_BASE_PARALLEL_H_
