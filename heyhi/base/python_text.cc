// Python 3's view of UTF-8 text: decoding with surrogateescape, len, slicing
// and repr(), so that hashes of repr() match HeyHi's.
#include "heyhi/base/python_text.h"

#include <cstdint>
#include <utility>

#include "absl/strings/str_format.h"

namespace heyhi {
namespace {

// Text as Python sees it: a sequence of code points, with each byte that is
// not valid UTF-8 mapped to U+DC80..U+DCFF (Python's surrogateescape, which
// is how Python decodes command-line arguments).
std::u32string DecodeLikePython(absl::string_view text) {
  std::u32string out;
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    const unsigned char lead = s[i];
    size_t len = 0;
    char32_t cp = 0, min = 0;
    if (lead < 0x80) {
      len = 1, cp = lead;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      len = 2, cp = lead & 0x1F, min = 0x80;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      len = 3, cp = lead & 0x0F, min = 0x800;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      len = 4, cp = lead & 0x07, min = 0x10000;
    }
    bool valid = len > 0 && i + len <= n;
    for (size_t k = 1; valid && k < len; ++k) {
      valid = (s[i + k] & 0xC0) == 0x80;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    valid = valid && cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    if (valid) {
      out.push_back(cp);
      i += len;
    } else {
      out.push_back(0xDC00 + lead);
      ++i;
    }
  }
  return out;
}

void AppendUtf8(char32_t cp, std::string& out) {
  if (cp >= 0xDC80 && cp <= 0xDCFF) {  // an escaped byte goes back as the byte
    out.push_back(static_cast<char>(cp - 0xDC00));
  } else if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string EncodeUtf8(const std::u32string& cps) {
  std::string out;
  for (char32_t cp : cps) AppendUtf8(cp, out);
  return out;
}

// Non-ASCII code points that str.isprintable() rejects: the categories
// Cc, Zs, Zl, Zp, Cf, Cs, Co and the non-characters.
bool IsPrintableNonAscii(char32_t cp) {
  static constexpr std::pair<char32_t, char32_t> kNonPrintable[] = {
      {0x80, 0xA0},       {0xAD, 0xAD},       {0x600, 0x605},     {0x61C, 0x61C},
      {0x6DD, 0x6DD},     {0x70F, 0x70F},     {0x890, 0x891},     {0x8E2, 0x8E2},
      {0x1680, 0x1680},   {0x180E, 0x180E},   {0x2000, 0x200F},   {0x2028, 0x202F},
      {0x205F, 0x2064},   {0x2066, 0x206F},   {0x3000, 0x3000},   {0xD800, 0xF8FF},
      {0xFDD0, 0xFDEF},   {0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFB},   {0x110BD, 0x110BD},
      {0x110CD, 0x110CD}, {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A},
      {0xE0001, 0xE0001}, {0xE0020, 0xE007F}, {0xF0000, 0x10FFFF}};
  if ((cp & 0xFFFE) == 0xFFFE) return false;  // U+xFFFE, U+xFFFF of every plane
  for (const auto& [first, last] : kNonPrintable) {
    if (cp >= first && cp <= last) return false;
  }
  return true;
}

}  // namespace

size_t PythonLength(absl::string_view text) { return DecodeLikePython(text).size(); }

std::string PythonPrefix(absl::string_view text, size_t count) {
  std::u32string cps = DecodeLikePython(text);
  if (cps.size() > count) cps.resize(count);
  return EncodeUtf8(cps);
}

std::string PythonStrRepr(absl::string_view text) {
  const std::u32string cps = DecodeLikePython(text);
  const bool has_single = text.find('\'') != absl::string_view::npos;
  const bool has_double = text.find('"') != absl::string_view::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (char32_t cp : cps) {
    if (cp == static_cast<char32_t>(quote) || cp == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(cp));
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp < 0x20 || cp == 0x7F) {
      absl::StrAppendFormat(&out, "\\x%02x", static_cast<uint32_t>(cp));
    } else if (cp < 0x7F || IsPrintableNonAscii(cp)) {
      AppendUtf8(cp, out);
    } else if (cp <= 0xFF) {
      absl::StrAppendFormat(&out, "\\x%02x", static_cast<uint32_t>(cp));
    } else if (cp <= 0xFFFF) {
      absl::StrAppendFormat(&out, "\\u%04x", static_cast<uint32_t>(cp));
    } else {
      absl::StrAppendFormat(&out, "\\U%08x", static_cast<uint32_t>(cp));
    }
  }
  out.push_back(quote);
  return out;
}

std::string PythonListRepr(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += PythonStrRepr(items[i]);
  }
  out += "]";
  return out;
}
}  // namespace heyhi
