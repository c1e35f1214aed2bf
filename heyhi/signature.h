// The signature that names an experiment: a hash of its final composed
// config (SPEC §6).
#ifndef HEYHI_SIGNATURE_H_
#define HEYHI_SIGNATURE_H_

#include <string>

#include "google/protobuf/message.h"

namespace heyhi {

// Canonical bytes of `msg`: fields by number, scalars equal to their default
// left out, floats in shortest round-trip form, a chosen oneof case kept even
// when empty, map entries sorted by key, fields marked
// [(heyhi.sig_exclude) = true] left out. Two configs that mean the same have
// the same canonical form.
//
// Grammar (every value is self-delimiting, so the form is unambiguous):
//   message := '{' { number '=' (value | list) ';' } '}'
//   list    := '[' value { ',' value } ']'          repeated, in order
//            | '[' value ':' value { ',' ... } ']'  map, sorted by key
//   value   := integer | float | 'true' | 'false'
//            | '"' byte_count ':' bytes            string, bytes
//            | message
// Enums are written as their number, floats with std::to_chars (float
// fields at float precision, so 0.1f is "0.1"), every NaN as "nan".
std::string CanonicalForm(const google::protobuf::Message& msg);

// First 12 hex characters (48 bits) of the SHA-256 of CanonicalForm(msg).
std::string Signature(const google::protobuf::Message& msg);

}  // namespace heyhi

#endif  // HEYHI_SIGNATURE_H_
