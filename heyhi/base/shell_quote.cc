// Shell quoting of single words.
#include "heyhi/base/shell_quote.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace heyhi {
namespace {

// Characters a POSIX shell reads literally anywhere in a word.
bool IsShellSafe(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::string_view("@%+=:,./-_").find(c) != absl::string_view::npos;
}

}  // namespace

std::string ShellQuote(absl::string_view s) {
  if (!s.empty() && std::all_of(s.begin(), s.end(), IsShellSafe)) return std::string(s);
  std::string quoted = "'";
  for (char c : s) {
    if (c == '\'') {
      quoted += "'\\''";  // close, escaped quote, reopen
    } else {
      quoted += c;
    }
  }
  quoted += '\'';
  return quoted;
}

absl::StatusOr<std::string> ShellUnquote(absl::string_view word) {
  std::string out;
  for (size_t i = 0; i < word.size(); ++i) {
    const char c = word[i];
    if (c == '\'') {
      const size_t close = word.find('\'', i + 1);
      if (close == absl::string_view::npos) {
        return absl::InvalidArgumentError(absl::StrCat("unterminated ' quote in: ", word));
      }
      absl::StrAppend(&out, word.substr(i + 1, close - i - 1));
      i = close;
    } else if (c == '"') {
      size_t j = i + 1;
      for (; j < word.size() && word[j] != '"'; ++j) {
        // Inside double quotes a backslash only escapes these.
        if (word[j] == '\\' && j + 1 < word.size() &&
            absl::string_view("$`\"\\\n").find(word[j + 1]) != absl::string_view::npos) {
          ++j;
          if (word[j] == '\n') continue;
        }
        out += word[j];
      }
      if (j == word.size()) {
        return absl::InvalidArgumentError(absl::StrCat("unterminated \" quote in: ", word));
      }
      i = j;
    } else if (c == '\\') {
      if (i + 1 == word.size()) {
        return absl::InvalidArgumentError(absl::StrCat("dangling backslash at the end of: ", word));
      }
      ++i;
      if (word[i] != '\n') out += word[i];
    } else if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError(
          absl::StrCat("unquoted whitespace splits this into several shell words: ", word));
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace heyhi
