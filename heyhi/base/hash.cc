// SHA-256 and MD5 through OpenSSL's EVP interface (libcrypto).
#include "heyhi/base/hash.h"

#include <openssl/evp.h>

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

}  // namespace

std::string Sha256Hex(absl::string_view data) { return DigestHex(EVP_sha256(), data); }

std::string Md5Hex(absl::string_view data) { return DigestHex(EVP_md5(), data); }

absl::StatusOr<std::string> Sha256FileHex(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (file == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot read ", path));
  }
  DigestContext context = NewContext(EVP_sha256());
  std::string chunk(1 << 16, '\0');
  size_t got;
  while ((got = std::fread(chunk.data(), 1, chunk.size(), file.get())) > 0) {
    EVP_DigestUpdate(context.get(), chunk.data(), got);
  }
  if (std::ferror(file.get())) {
    return absl::ErrnoToStatus(errno, absl::StrCat("error while reading ", path));
  }
  return FinishHex(context.get());
}

}  // namespace heyhi
