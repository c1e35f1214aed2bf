// Hash functions heyhi needs, without a crypto library: SHA-256 (signatures,
// the binary snapshot cache) and MD5 (HeyHi's %(redefines_hash)s).
#ifndef HEYHI_BASE_HASH_H_
#define HEYHI_BASE_HASH_H_

#include <array>
#include <cstdint>
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

// Incremental SHA-256 (FIPS 180-4): Update() any number of times, then
// Finish() once. Feeding the same bytes in any split gives the same digest.
class Sha256 {
 public:
  Sha256();
  void Update(absl::string_view data);
  std::array<uint8_t, 32> Finish();

 private:
  void Compress(const uint8_t* block);

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_;
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// Incremental MD5 (RFC 1321), same contract as Sha256.
class Md5 {
 public:
  Md5();
  void Update(absl::string_view data);
  std::array<uint8_t, 16> Finish();

 private:
  void Compress(const uint8_t* block);

  std::array<uint32_t, 4> state_;
  std::array<uint8_t, 64> buffer_;
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// Lowercase hex of arbitrary bytes.
std::string ToHex(const uint8_t* bytes, size_t size);

}  // namespace heyhi

#endif  // HEYHI_BASE_HASH_H_
