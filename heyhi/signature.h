// The signature of a composed config: a hash of its canonical form that names
// the experiment (SPEC §6).
#ifndef HEYHI_SIGNATURE_H_
#define HEYHI_SIGNATURE_H_

#include <string>

#include "google/protobuf/descriptor.h"
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

// True when `field` carries [(heyhi.sig_exclude) = true], whatever pool its
// descriptor comes from (see SigExcludeSetIn).
bool IsExcludedFromSignature(const google::protobuf::FieldDescriptor& field);

// True when a FieldOptions message sets option number 50101 (the
// `heyhi.sig_exclude` extension, heyhi::kSigExcludeFieldNumber) to true. Accepts
// the option in each form it takes depending on where the schema came from:
// the compiled-in extension heyhi::sig_exclude, an extension of the same
// number from another descriptor pool (e.g. a dynamically built FieldOptions),
// an unknown varint field (the extension was not linked in), or an
// uninterpreted option `(heyhi.sig_exclude) = true`.
bool SigExcludeSetIn(const google::protobuf::Message& field_options);

}  // namespace heyhi

#endif  // HEYHI_SIGNATURE_H_
