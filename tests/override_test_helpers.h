// Helpers shared by the override tests: apply one `key=value` and check it.
#ifndef HEYHI_TESTS_OVERRIDE_TEST_HELPERS_H_
#define HEYHI_TESTS_OVERRIDE_TEST_HELPERS_H_

#include <gtest/gtest.h>

#include <string>

#include "absl/strings/string_view.h"
#include "heyhi/config/override.h"

namespace heyhi {

// Applies `key=value` and expects success.
template <typename M>
void Set(M* msg, absl::string_view key, absl::string_view value) {
  absl::Status status = ApplyScalarOverride(msg, key, value);
  ASSERT_TRUE(status.ok()) << key << "=" << value << ": " << status;
}

// Applies `key=value`, expects failure and returns the error text.
template <typename M>
std::string Fail(M* msg, absl::string_view key, absl::string_view value) {
  absl::Status status = ApplyScalarOverride(msg, key, value);
  EXPECT_FALSE(status.ok()) << key << "=" << value << " should fail";
  return std::string(status.message());
}

}  // namespace heyhi

#endif  // HEYHI_TESTS_OVERRIDE_TEST_HELPERS_H_
