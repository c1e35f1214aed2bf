// A bounded pool of threads taking the next index until none is left.
#include "heyhi/base/parallel.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace heyhi {

void ParallelFor(size_t count, size_t max_threads, size_t min_per_thread,
                 const std::function<void(size_t)>& work) {
  const size_t by_count =
      (count + std::max<size_t>(1, min_per_thread) - 1) / std::max<size_t>(1, min_per_thread);
  const size_t threads = std::max<size_t>(1, std::min(max_threads, by_count));
  std::atomic<size_t> next{0};
  auto run = [&] {
    for (size_t i = next++; i < count; i = next++) work(i);
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(run);
  run();
  for (std::thread& thread : pool) thread.join();
}

}  // namespace heyhi
