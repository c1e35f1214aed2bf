// The text of heyhi/heyhi.proto, compiled into the library so that schemas
// loaded at run time can import it wherever heyhi is installed.
#ifndef HEYHI_CONFIG_HEYHI_PROTO_TEXT_H_
#define HEYHI_CONFIG_HEYHI_PROTO_TEXT_H_

namespace heyhi {

extern const char kHeyhiProtoText[];

}  // namespace heyhi

#endif  // HEYHI_CONFIG_HEYHI_PROTO_TEXT_H_
