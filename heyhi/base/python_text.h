// Text as Python 3 sees it, for names that must match HeyHi's byte for byte:
// code points (not bytes) and repr() of str and of lists of str.
#ifndef HEYHI_BASE_PYTHON_TEXT_H_
#define HEYHI_BASE_PYTHON_TEXT_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace heyhi {

// Python's len(s) of UTF-8 text: code points, where each byte that is not
// valid UTF-8 counts as one (Python decodes command-line arguments with
// surrogateescape, turning such a byte into U+DC80..U+DCFF).
size_t PythonLength(absl::string_view text);

// Python's s[:count] of UTF-8 text, counting as PythonLength; escaped bytes
// come back as the original bytes.
std::string PythonPrefix(absl::string_view text, size_t count);

// Python 3's repr() of a str given as UTF-8: single quotes unless the text
// holds ' and no "; \\, the quote, \t \n \r escaped; other control
// characters as \xNN; non-printable non-ASCII characters (C1 controls,
// Unicode spaces and format characters, surrogates, private use,
// non-characters) as \xNN, \uNNNN or \UNNNNNNNN; bytes that are not UTF-8 as
// Python's surrogateescape (\udcNN). Printable characters stay as they are.
// Unassigned code points count as printable (Python's table depends on its
// version anyway).
std::string PythonStrRepr(absl::string_view text);

// Python's repr() of a list of str: `[]`, `['a']`, `['a', 'b']`.
std::string PythonListRepr(const std::vector<std::string>& items);

}  // namespace heyhi

#endif  // HEYHI_BASE_PYTHON_TEXT_H_
