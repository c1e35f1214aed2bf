// Hash functions heyhi needs, without a crypto library: SHA-256 (signatures,
// the binary snapshot cache) and MD5 (HeyHi's %(redefines_hash)s).
#ifndef HEYHI_HASH_H_
#define HEYHI_HASH_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace heyhi {

std::string Sha256Hex(absl::string_view data);
std::string Md5Hex(absl::string_view data);
// SHA-256 of a file's content, read in chunks.
absl::StatusOr<std::string> Sha256FileHex(const std::string& path);

}  // namespace heyhi

#endif  // HEYHI_HASH_H_
