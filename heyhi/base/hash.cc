// SHA-256 and MD5 through OpenSSL (libcrypto): SHA-256 by its own functions,
// MD5 by the EVP interface.
#include "heyhi/base/hash.h"

// SHA256_Init & co. are deprecated in OpenSSL 3 in favour of EVP, whose first
// use loads the providers (about 0.7 ms of every process that hashes: pp's
// descriptor cache); they compute the same digest without that.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cerrno>
#include <cstdio>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace heyhi {
namespace {

using DigestContext = std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)>;

DigestContext NewContext(const EVP_MD* type) {
  DigestContext context(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  // Allocation and init fail only when out of memory, as std::string would.
  if (context == nullptr || EVP_DigestInit_ex(context.get(), type, nullptr) != 1) std::abort();
  return context;
}

std::string FinishHex(EVP_MD_CTX* context) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(context, digest, &size);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), size));
}

std::string DigestHex(const EVP_MD* type, absl::string_view data) {
  DigestContext context = NewContext(type);
  EVP_DigestUpdate(context.get(), data.data(), data.size());
  return FinishHex(context.get());
}

std::string ToHex(const unsigned char* digest, size_t size) {
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), size));
}

}  // namespace

std::string Sha256Hex(absl::string_view data) {
  SHA256_CTX context;
  SHA256_Init(&context);
  SHA256_Update(&context, data.data(), data.size());
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256_Final(digest, &context);
  return ToHex(digest, sizeof(digest));
}

std::string Md5Hex(absl::string_view data) { return DigestHex(EVP_md5(), data); }

absl::StatusOr<std::string> Sha256FileHex(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (file == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot read ", path));
  }
  SHA256_CTX context;
  SHA256_Init(&context);
  std::string chunk(1 << 16, '\0');
  size_t got;
  while ((got = std::fread(chunk.data(), 1, chunk.size(), file.get())) > 0) {
    SHA256_Update(&context, chunk.data(), got);
  }
  if (std::ferror(file.get())) {
    return absl::ErrnoToStatus(errno, absl::StrCat("error while reading ", path));
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256_Final(digest, &context);
  return ToHex(digest, sizeof(digest));
}

}  // namespace heyhi
