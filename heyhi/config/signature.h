// The signature of a composed config: a hash of its canonical form that names
// the experiment (SPEC §6).
#ifndef HEYHI_CONFIG_SIGNATURE_H_
#define HEYHI_CONFIG_SIGNATURE_H_

#include <string>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "heyhi/signature.h"

namespace heyhi {

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

#endif  // HEYHI_CONFIG_SIGNATURE_H_
