// ParallelFor: every index exactly once, on at most the threads allowed.
#include "heyhi/base/parallel.h"

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace heyhi {
namespace {

TEST(ParallelFor, CallsEveryIndexExactlyOnce) {
  std::vector<std::atomic<int>> calls(10000);
  ParallelFor(calls.size(), 8, 1, [&](size_t i) { ++calls[i]; });
  for (const std::atomic<int>& count : calls) ASSERT_EQ(count.load(), 1);
}

TEST(ParallelFor, UsesAtMostTheThreadsAllowedAndOneForFewItems) {
  std::mutex mutex;
  std::set<std::thread::id> seen;
  ParallelFor(1000, 3, 1, [&](size_t) {
    std::lock_guard<std::mutex> lock(mutex);
    seen.insert(std::this_thread::get_id());
  });
  EXPECT_LE(seen.size(), 3u);
  seen.clear();
  ParallelFor(63, 16, 64, [&](size_t) {
    std::lock_guard<std::mutex> lock(mutex);
    seen.insert(std::this_thread::get_id());
  });
  EXPECT_EQ(seen, std::set<std::thread::id>{std::this_thread::get_id()});
}

TEST(ParallelFor, NothingToDoCallsNothing) {
  int calls = 0;
  ParallelFor(0, 4, 1, [&](size_t) { ++calls; });
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace heyhi
