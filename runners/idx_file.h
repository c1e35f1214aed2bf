// Reading IDX files (the format of MNIST and Fashion-MNIST), gzipped or not.
#ifndef RUNNERS_IDX_FILE_H_
#define RUNNERS_IDX_FILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace runners {

// An IDX array of unsigned bytes: `dims` from the header (big-endian int32s),
// then prod(dims) bytes of data in row-major order.
struct IdxArray {
  std::vector<int32_t> dims;
  std::vector<uint8_t> data;
};

// The magic number of an unsigned-byte IDX file with `num_dims` dimensions:
// 0x00000801 for labels (1 dim), 0x00000803 for images (3 dims).
uint32_t IdxMagic(int num_dims);

// Reads `path` (gzip-compressed or plain; zlib tells them apart) and checks
// it holds unsigned bytes in `expected_dims` dimensions and exactly as many
// bytes as the header announces. Errors name the file and what was expected:
// a missing file, a gzip stream that is corrupt, a wrong magic number, a
// truncated file or bytes left over after the data.
absl::StatusOr<IdxArray> ReadIdxFile(const std::string& path, int expected_dims);

// Writes `array` as a gzip-compressed IDX file (used by tests to make small
// data sets).
absl::Status WriteIdxFile(const std::string& path, const IdxArray& array);

}  // namespace runners

#endif  // RUNNERS_IDX_FILE_H_
