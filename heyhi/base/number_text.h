// Floating-point numbers as the shortest text that reads back as the same value.
#ifndef HEYHI_BASE_NUMBER_TEXT_H_
#define HEYHI_BASE_NUMBER_TEXT_H_

#include <string>

namespace heyhi {

// Shortest decimal text that parses back to exactly the same value (`0.1`,
// `1e-05`, `inf`); every NaN is written `nan`, never `-nan`, which parsers
// reject. A float keeps float precision: 0.1f is "0.1".
std::string FormatDouble(double value);
std::string FormatFloat(float value);

}  // namespace heyhi

#endif  // HEYHI_BASE_NUMBER_TEXT_H_
