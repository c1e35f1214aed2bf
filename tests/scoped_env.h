// An environment variable changed for one scope: a test that sets or unsets
// HOME, TZ, HH_EXP_DIR, HH_CONF_ROOT... leaves it, when it ends, as it found it.
#ifndef HEYHI_TESTS_SCOPED_ENV_H_
#define HEYHI_TESTS_SCOPED_ENV_H_

#include <stdlib.h>

#include <optional>
#include <string>
#include <utility>

namespace heyhi {

class ScopedEnv {
 public:
  // Sets `name` to `value`, or unsets it when `value` is std::nullopt.
  ScopedEnv(std::string name, std::optional<std::string> value) : name_(std::move(name)) {
    if (const char* old = ::getenv(name_.c_str())) saved_ = old;
    if (value) {
      Set(*value);
    } else {
      Unset();
    }
  }
  // Puts back the value it had before (or unsets it if it had none).
  ~ScopedEnv() {
    if (saved_) {
      ::setenv(name_.c_str(), saved_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

  // Changes it again within the scope; the end of the scope still restores
  // the value from before the constructor.
  void Set(const std::string& value) const { ::setenv(name_.c_str(), value.c_str(), 1); }
  void Unset() const { ::unsetenv(name_.c_str()); }

 private:
  std::string name_;
  std::optional<std::string> saved_;
};

}  // namespace heyhi

#endif  // HEYHI_TESTS_SCOPED_ENV_H_
