// The tests' ScopedEnv leaves the environment as it found it.
#include "scoped_env.h"

#include <stdlib.h>

#include <optional>
#include <string>

#include "gtest/gtest.h"

namespace heyhi {
namespace {

constexpr char kName[] = "HEYHI_SCOPED_ENV_TEST";

std::optional<std::string> Get() {
  const char* value = ::getenv(kName);
  return value == nullptr ? std::nullopt : std::optional<std::string>(value);
}

TEST(ScopedEnv, PutsBackTheValueItReplacedEvenAfterChangesWithinTheScope) {
  ::setenv(kName, "before", 1);
  {
    ScopedEnv env(kName, "inside");
    EXPECT_EQ(Get(), "inside");
    env.Unset();
    EXPECT_EQ(Get(), std::nullopt);
    env.Set("again");
    EXPECT_EQ(Get(), "again");
  }
  EXPECT_EQ(Get(), "before");
  ::unsetenv(kName);
}

TEST(ScopedEnv, UnsetsAgainAVariableThatWasUnset) {
  ::unsetenv(kName);
  {
    ScopedEnv env(kName, "inside");
    EXPECT_EQ(Get(), "inside");
  }
  EXPECT_EQ(Get(), std::nullopt);
}

TEST(ScopedEnv, PutsBackAVariableItUnsetIncludingAnEmptyValue) {
  ::setenv(kName, "", 1);
  {
    ScopedEnv env(kName, std::nullopt);
    EXPECT_EQ(Get(), std::nullopt);
  }
  EXPECT_EQ(Get(), "");
  ::unsetenv(kName);
}

}  // namespace
}  // namespace heyhi
