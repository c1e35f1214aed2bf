// Shell quoting: words that a POSIX shell reads back exactly, and the inverse.
#ifndef HEYHI_BASE_SHELL_QUOTE_H_
#define HEYHI_BASE_SHELL_QUOTE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace heyhi {

// `s` as one shell word: as it is when every character is read literally by
// a shell, else single-quoted ('it'\''s' for it's). Empty gives ''.
std::string ShellQuote(absl::string_view s);

// Undoes shell quoting of one word ('...', "...", backslash escapes), as a
// POSIX shell would. Errors on an unterminated quote.
absl::StatusOr<std::string> ShellUnquote(absl::string_view word);

}  // namespace heyhi

#endif  // HEYHI_BASE_SHELL_QUOTE_H_
