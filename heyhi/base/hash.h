// Hash functions heyhi needs, computed by OpenSSL: SHA-256 (signatures, the
// binary snapshot cache) and MD5 (HeyHi's %(redefines_hash)s).
#ifndef HEYHI_BASE_HASH_H_
#define HEYHI_BASE_HASH_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace heyhi {

// Lowercase hex of the digest (64 characters).
std::string Sha256Hex(absl::string_view data);
// Lowercase hex of the digest (32 characters).
std::string Md5Hex(absl::string_view data);
// SHA-256 of a file's content, read in chunks (constant memory).
absl::StatusOr<std::string> Sha256FileHex(const std::string& path);

}  // namespace heyhi

#endif  // HEYHI_BASE_HASH_H_
