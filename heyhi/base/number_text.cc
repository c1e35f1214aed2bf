// Shortest round-trip text of floating-point numbers, by std::to_chars.
#include "heyhi/base/number_text.h"

#include <charconv>
#include <cmath>

namespace heyhi {
namespace {

template <typename T>
std::string ShortestText(T value) {
  if (std::isnan(value)) return "nan";
  char buffer[64];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, error == std::errc() ? end : buffer);
}

}  // namespace

std::string FormatDouble(double value) { return ShortestText(value); }
std::string FormatFloat(float value) { return ShortestText(value); }

}  // namespace heyhi
