// The signature of a composed config: a hash of its canonical form that names
// the experiment (SPEC §6).
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
std::string CanonicalForm(const google::protobuf::Message& msg);

// First 12 hex characters (48 bits) of the SHA-256 of CanonicalForm(msg).
std::string Signature(const google::protobuf::Message& msg);

}  // namespace heyhi

#endif  // HEYHI_SIGNATURE_H_
