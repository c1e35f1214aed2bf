// Tests of the SHA-256 and MD5 implementations against published vectors
// (FIPS 180-4 examples, RFC 1321 test suite) and block-boundary lengths.
#include "heyhi/base/hash.h"

#include <unistd.h>

#include <cstdio>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace heyhi {
namespace {

// Bytes (i*7+3) mod 256, a pattern without long runs.
std::string PatternBytes(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 7 + 3) % 256);
  return s;
}

std::string WriteTempFile(const std::string& name, const std::string& content) {
  const std::string path = ::testing::TempDir() + "/" + name;
  FILE* f = std::fopen(path.c_str(), "wb");
  EXPECT_NE(f, nullptr);
  std::fwrite(content.data(), 1, content.size(), f);
  std::fclose(f);
  return path;
}

TEST(Sha256, MatchesFipsVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                      "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST(Sha256, MatchesMillionA) {
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Lengths around 56 and 64 bytes exercise the padding that spills into a
// second block.
TEST(Sha256, PadsCorrectlyAroundBlockBoundaries) {
  EXPECT_EQ(Sha256Hex(PatternBytes(55)),
            "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b");
  EXPECT_EQ(Sha256Hex(PatternBytes(56)),
            "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27");
  EXPECT_EQ(Sha256Hex(PatternBytes(63)),
            "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055");
  EXPECT_EQ(Sha256Hex(PatternBytes(64)),
            "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241");
  EXPECT_EQ(Sha256Hex(PatternBytes(65)),
            "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e");
  EXPECT_EQ(Sha256Hex(PatternBytes(119)),
            "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e");
  EXPECT_EQ(Sha256Hex(PatternBytes(120)),
            "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5");
}

TEST(Md5, MatchesRfc1321TestSuite) {
  EXPECT_EQ(Md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Md5Hex("a"), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(Md5Hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(Md5Hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(Md5Hex("abcdefghijklmnopqrstuvwxyz"), "c3fcd3d76192e4007dfb496cca67e13b");
  EXPECT_EQ(Md5Hex("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
            "d174ab98d277d9f5a5611c2c9f419d9f");
  EXPECT_EQ(Md5Hex("1234567890123456789012345678901234567890"
                   "1234567890123456789012345678901234567890"),
            "57edf4a22be3c955ac49da2e2107b67a");
}

TEST(Md5, MatchesMillionA) {
  EXPECT_EQ(Md5Hex(std::string(1000000, 'a')), "7707d6ae4e027c70eea2a935c2296f21");
}

TEST(Md5, PadsCorrectlyAroundBlockBoundaries) {
  EXPECT_EQ(Md5Hex(PatternBytes(55)), "52c0e574e1198de5fe3f8f11440dcb1b");
  EXPECT_EQ(Md5Hex(PatternBytes(56)), "46c9907fc908ee68b1e7b8e71286a518");
  EXPECT_EQ(Md5Hex(PatternBytes(63)), "a62f6d59e837867693f042f5b8f5a236");
  EXPECT_EQ(Md5Hex(PatternBytes(64)), "7160b8fb5e9e4023d549c3971fbaeead");
  EXPECT_EQ(Md5Hex(PatternBytes(65)), "70bd662e7aefbda85a0f7244167b7897");
  EXPECT_EQ(Md5Hex(PatternBytes(119)), "e84905d4214f4d1ca56c2cdcc152b143");
  EXPECT_EQ(Md5Hex(PatternBytes(120)), "e3eb5a6c8669ea01a8c185b8abc8a5dc");
}

// A million bytes spans many read chunks, so this checks the streaming loop.
TEST(Sha256File, HashesAFileLargerThanOneReadChunk) {
  const std::string path = WriteTempFile("million_a.bin", std::string(1000000, 'a'));
  const absl::StatusOr<std::string> hex = Sha256FileHex(path);
  ASSERT_TRUE(hex.ok()) << hex.status();
  EXPECT_EQ(*hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  std::remove(path.c_str());
}

TEST(Sha256File, HashesAnEmptyFile) {
  const std::string path = WriteTempFile("empty.bin", "");
  const absl::StatusOr<std::string> hex = Sha256FileHex(path);
  ASSERT_TRUE(hex.ok()) << hex.status();
  EXPECT_EQ(*hex, Sha256Hex(""));
  std::remove(path.c_str());
}

TEST(Sha256File, MissingFileIsNotFoundNamingThePath) {
  const std::string path = ::testing::TempDir() + "/does_not_exist.bin";
  const absl::StatusOr<std::string> hex = Sha256FileHex(path);
  ASSERT_FALSE(hex.ok());
  EXPECT_EQ(hex.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(hex.status().message()), ::testing::HasSubstr(path));
}

}  // namespace
}  // namespace heyhi
