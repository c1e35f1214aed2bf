// IDX files through zlib: gzread reads gzip streams and plain files alike.
#include "runners/idx_file.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace runners {
namespace {

constexpr int kMaxDims = 8;

struct GzCloser {
  void operator()(gzFile_s* file) const { gzclose(file); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

// Reads up to `size` bytes; returns how many were read, or an error when the
// stream is corrupt (zlib's message).
absl::StatusOr<size_t> ReadSome(gzFile file, const std::string& path, void* buffer, size_t size) {
  size_t total = 0;
  auto* out = static_cast<char*>(buffer);
  while (total < size) {
    unsigned chunk = static_cast<unsigned>(std::min<size_t>(size - total, 1u << 30));
    int n = gzread(file, out + total, chunk);
    if (n < 0) {
      int code = 0;
      const char* message = gzerror(file, &code);
      return absl::DataLossError(absl::StrCat(path, ": corrupt gzip data (zlib: ", message, ")"));
    }
    if (n == 0) break;
    total += static_cast<size_t>(n);
  }
  return total;
}

uint32_t BigEndian32(const unsigned char* bytes) {
  return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) |
         uint32_t{bytes[3]};
}

void PutBigEndian32(uint32_t value, unsigned char* bytes) {
  bytes[0] = static_cast<unsigned char>(value >> 24);
  bytes[1] = static_cast<unsigned char>(value >> 16);
  bytes[2] = static_cast<unsigned char>(value >> 8);
  bytes[3] = static_cast<unsigned char>(value);
}

}  // namespace

uint32_t IdxMagic(int num_dims) { return 0x00000800u | static_cast<uint32_t>(num_dims); }

absl::StatusOr<IdxArray> ReadIdxFile(const std::string& path, int expected_dims) {
  const uint32_t expected_magic = IdxMagic(expected_dims);
  errno = 0;
  GzFile file(gzopen(path.c_str(), "rb"));
  if (file == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "cannot open IDX file ", path, ": ", errno ? std::strerror(errno) : "out of memory",
        " (Fashion-MNIST comes with the Debian package dataset-fashion-mnist: `make deps`)"));
  }
  unsigned char header[4];
  auto read = ReadSome(file.get(), path, header, sizeof(header));
  if (!read.ok()) return read.status();
  const std::string expected_text =
      absl::StrFormat("expected magic 0x%08x (IDX, unsigned bytes, %d dimension%s)", expected_magic,
                      expected_dims, expected_dims == 1 ? "" : "s");
  if (*read < sizeof(header)) {
    return absl::DataLossError(
        absl::StrCat(path, ": file too short for an IDX header; ", expected_text));
  }
  const uint32_t magic = BigEndian32(header);
  if (magic != expected_magic) {
    return absl::DataLossError(
        absl::StrFormat("%s: bad magic number 0x%08x; %s", path, magic, expected_text));
  }
  IdxArray array;
  size_t num_bytes = 1;
  for (int d = 0; d < expected_dims; ++d) {
    unsigned char dim_bytes[4];
    read = ReadSome(file.get(), path, dim_bytes, sizeof(dim_bytes));
    if (!read.ok()) return read.status();
    if (*read < sizeof(dim_bytes)) {
      return absl::DataLossError(absl::StrFormat(
          "%s: truncated header: %d dimension sizes expected, found %d", path, expected_dims, d));
    }
    const uint32_t dim = BigEndian32(dim_bytes);
    if (dim == 0 || dim > (1u << 28) || num_bytes > (size_t{1} << 40) / dim) {
      return absl::DataLossError(
          absl::StrFormat("%s: implausible size %u of dimension %d", path, dim, d));
    }
    array.dims.push_back(static_cast<int32_t>(dim));
    num_bytes *= dim;
  }
  array.data.resize(num_bytes);
  read = ReadSome(file.get(), path, array.data.data(), num_bytes);
  if (!read.ok()) return read.status();
  if (*read < num_bytes) {
    return absl::DataLossError(
        absl::StrFormat("%s: truncated: dimensions %s announce %u bytes of data, the file has %u",
                        path, absl::StrJoin(array.dims, "x"), num_bytes, *read));
  }
  unsigned char extra;
  read = ReadSome(file.get(), path, &extra, 1);
  if (!read.ok()) return read.status();
  if (*read != 0) {
    return absl::DataLossError(absl::StrFormat(
        "%s: bytes left over after the %u bytes of data that dimensions %s announce", path,
        num_bytes, absl::StrJoin(array.dims, "x")));
  }
  return array;
}

absl::Status WriteIdxFile(const std::string& path, const IdxArray& array) {
  if (array.dims.empty() || static_cast<int>(array.dims.size()) > kMaxDims) {
    return absl::InvalidArgumentError("an IDX array has 1 to 8 dimensions");
  }
  size_t num_bytes = 1;
  for (int32_t dim : array.dims) num_bytes *= static_cast<size_t>(dim);
  if (num_bytes != array.data.size()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("IDX dimensions %s need %u bytes, the array has %u",
                        absl::StrJoin(array.dims, "x"), num_bytes, array.data.size()));
  }
  std::vector<unsigned char> header(4 * (array.dims.size() + 1));
  PutBigEndian32(IdxMagic(static_cast<int>(array.dims.size())), header.data());
  for (size_t d = 0; d < array.dims.size(); ++d) {
    PutBigEndian32(static_cast<uint32_t>(array.dims[d]), header.data() + 4 * (d + 1));
  }
  GzFile file(gzopen(path.c_str(), "wb"));
  if (file == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
  }
  if (gzwrite(file.get(), header.data(), static_cast<unsigned>(header.size())) !=
          static_cast<int>(header.size()) ||
      (num_bytes > 0 && gzwrite(file.get(), array.data.data(), static_cast<unsigned>(num_bytes)) !=
                            static_cast<int>(num_bytes))) {
    return absl::UnavailableError(absl::StrCat("cannot write ", path));
  }
  if (gzclose(file.release()) != Z_OK) {
    return absl::UnavailableError(absl::StrCat("cannot finish writing ", path));
  }
  return absl::OkStatus();
}

}  // namespace runners
