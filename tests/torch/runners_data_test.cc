// Tests of the runners' LibTorch-free parts: IDX files, the Fashion-MNIST
// loader, the learning-rate schedule, the JSON of the result files and the
// test hold point.
#include <zlib.h>

#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "runners/fashion_mnist.h"
#include "runners/hold_point.h"
#include "runners/idx_file.h"
#include "runners/lr_schedule.h"
#include "tests/temp_tree.h"

namespace runners {
namespace {

using ::testing::HasSubstr;

IdxArray SmallImages() {
  IdxArray array;
  array.dims = {3, 2, 4};
  for (int i = 0; i < 24; ++i) array.data.push_back(static_cast<uint8_t>(i * 10));
  return array;
}

// The raw bytes of an IDX file: magic, dims, data (uncompressed).
std::string IdxBytes(uint32_t magic, const std::vector<uint32_t>& dims, size_t data_bytes) {
  std::string bytes;
  auto put = [&bytes](uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>(v >> shift));
  };
  put(magic);
  for (uint32_t d : dims) put(d);
  bytes.append(data_bytes, '\x07');
  return bytes;
}

TEST(IdxFile, ReadsBackWhatWasWrittenGzipped) {
  heyhi::TempTree tree;
  const std::string path = tree.Path("images.gz");
  ASSERT_TRUE(WriteIdxFile(path, SmallImages()).ok());
  absl::StatusOr<IdxArray> read = ReadIdxFile(path, 3);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->dims, SmallImages().dims);
  EXPECT_EQ(read->data, SmallImages().data);
  // The file is really gzip: it starts with gzip's magic bytes.
  EXPECT_EQ(tree.Read("images.gz").substr(0, 2), "\x1f\x8b");
}

TEST(IdxFile, ReadsUncompressedFilesToo) {
  heyhi::TempTree tree;
  const std::string path = tree.Write("labels", IdxBytes(0x801, {5}, 5));
  absl::StatusOr<IdxArray> read = ReadIdxFile(path, 1);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->dims, std::vector<int32_t>{5});
  EXPECT_EQ(read->data, std::vector<uint8_t>(5, 7));
}

TEST(IdxFile, MissingFileErrorNamesThePathAndThePackage) {
  absl::StatusOr<IdxArray> read = ReadIdxFile("/nonexistent/t10k-images-idx3-ubyte.gz", 3);
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(read.status().message(), HasSubstr("/nonexistent/t10k-images-idx3-ubyte.gz"));
  EXPECT_THAT(read.status().message(), HasSubstr("No such file"));
  EXPECT_THAT(read.status().message(), HasSubstr("dataset-fashion-mnist"));
}

TEST(IdxFile, WrongMagicErrorNamesFileFoundAndExpectedMagic) {
  heyhi::TempTree tree;
  // A labels file (1 dimension) where images (3 dimensions) are expected.
  const std::string path = tree.Write("labels", IdxBytes(0x801, {5}, 5));
  absl::StatusOr<IdxArray> read = ReadIdxFile(path, 3);
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(read.status().message(), HasSubstr(path));
  EXPECT_THAT(read.status().message(), HasSubstr("bad magic number 0x00000801"));
  EXPECT_THAT(read.status().message(), HasSubstr("expected magic 0x00000803"));
}

TEST(IdxFile, TruncatedDataErrorGivesAnnouncedAndFoundSizes) {
  heyhi::TempTree tree;
  const std::string path = tree.Write("images", IdxBytes(0x803, {10, 28, 28}, 100));
  absl::StatusOr<IdxArray> read = ReadIdxFile(path, 3);
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(read.status().message(),
              HasSubstr(absl::StrCat(path,
                                     ": truncated: dimensions 10x28x28 announce 7840 bytes "
                                     "of data, the file has 100")));
}

TEST(IdxFile, TruncatedHeaderIsAnError) {
  heyhi::TempTree tree;
  const std::string path = tree.Write("images", IdxBytes(0x803, {10}, 0));
  absl::StatusOr<IdxArray> read = ReadIdxFile(path, 3);
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(read.status().message(), HasSubstr("truncated header"));
}

TEST(IdxFile, BytesAfterTheDataAreAnError) {
  heyhi::TempTree tree;
  const std::string path = tree.Write("labels", IdxBytes(0x801, {5}, 6));
  absl::StatusOr<IdxArray> read = ReadIdxFile(path, 1);
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(read.status().message(), HasSubstr("bytes left over"));
}

TEST(IdxFile, CorruptGzipStreamIsAnErrorNamingTheFile) {
  heyhi::TempTree tree;
  const std::string path = tree.Path("images.gz");
  IdxArray big;
  big.dims = {50, 28, 28};
  for (int i = 0; i < 50 * 28 * 28; ++i) big.data.push_back(static_cast<uint8_t>((i * 7919) % 251));
  ASSERT_TRUE(WriteIdxFile(path, big).ok());
  std::string bytes = tree.Read("images.gz");
  for (size_t i = bytes.size() / 3; i < bytes.size() / 3 + 64; ++i) bytes[i] ^= 0x5a;
  tree.Write("images.gz", bytes);
  absl::StatusOr<IdxArray> read = ReadIdxFile(path, 3);
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(read.status().message(), HasSubstr(path));
  EXPECT_THAT(read.status().message(), HasSubstr("corrupt gzip data"));
}

TEST(FashionMnist, LoadsTheInstalledDataSet) {
  absl::StatusOr<ImageSet> train = LoadFashionMnist(kDefaultFashionMnistDir, Split::kTrain);
  ASSERT_TRUE(train.ok()) << train.status();
  EXPECT_EQ(train->count, 60000);
  EXPECT_EQ(train->rows, 28);
  EXPECT_EQ(train->cols, 28);
  EXPECT_EQ(train->pixels.size(), 60000u * 28 * 28);
  absl::StatusOr<ImageSet> test = LoadFashionMnist(kDefaultFashionMnistDir, Split::kTest, 123);
  ASSERT_TRUE(test.ok()) << test.status();
  EXPECT_EQ(test->count, 123);
  EXPECT_EQ(test->labels.size(), 123u);
  // Balanced classes: 1000 test images each; the first 123 hold several.
  std::vector<int> seen(kNumClasses);
  for (uint8_t label : test->labels) ++seen[label];
  EXPECT_GE(std::count_if(seen.begin(), seen.end(), [](int n) { return n > 0; }), 8);
}

TEST(FashionMnist, ImageAndLabelCountsMustAgree) {
  heyhi::TempTree tree;
  IdxArray images = SmallImages();  // 3 images
  IdxArray labels{{2}, {1, 2}};
  ASSERT_TRUE(WriteIdxFile(ImagesFile(tree.root(), Split::kTest), images).ok());
  ASSERT_TRUE(WriteIdxFile(LabelsFile(tree.root(), Split::kTest), labels).ok());
  absl::StatusOr<ImageSet> set = LoadFashionMnist(tree.root(), Split::kTest);
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(set.status().message(), HasSubstr("holds 3 images but"));
  EXPECT_THAT(set.status().message(), HasSubstr("holds 2 labels"));
}

TEST(FashionMnist, LabelOutsideTheTenClassesIsAnError) {
  heyhi::TempTree tree;
  ASSERT_TRUE(WriteIdxFile(ImagesFile(tree.root(), Split::kTrain), SmallImages()).ok());
  ASSERT_TRUE(WriteIdxFile(LabelsFile(tree.root(), Split::kTrain), IdxArray{{3}, {1, 12, 3}}).ok());
  absl::StatusOr<ImageSet> set = LoadFashionMnist(tree.root(), Split::kTrain);
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(set.status().message(), HasSubstr("label 12 of item 1"));
}

TEST(FashionMnist, MissingFolderNamesTheImagesFile) {
  absl::StatusOr<ImageSet> set = LoadFashionMnist("/nonexistent/fmnist", Split::kTrain);
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(set.status().message(), HasSubstr("/nonexistent/fmnist/train-images-idx3-ubyte.gz"));
}

TEST(LrSchedule, WarmupGrowsLinearlyPerStepFromAFractionToThePeak) {
  const LrSchedule schedule{0.3, 0.5, 2};
  EXPECT_DOUBLE_EQ(LearningRate(schedule, 0, 0, 10), 0.1);   // lr / (warmup + 1)
  EXPECT_DOUBLE_EQ(LearningRate(schedule, 0, 5, 10), 0.15);  // t = 0.5
  EXPECT_DOUBLE_EQ(LearningRate(schedule, 1, 0, 10), 0.2);   // t = 1
  EXPECT_DOUBLE_EQ(LearningRate(schedule, 1, 9, 10), 0.3 * 2.9 / 3);
  EXPECT_DOUBLE_EQ(LearningRate(schedule, 2, 0, 10), 0.3);  // warmup over: the peak
}

TEST(LrSchedule, DecayAppliesOncePerEpochAfterWarmup) {
  const LrSchedule schedule{0.1, 0.5, 1};
  EXPECT_DOUBLE_EQ(LearningRate(schedule, 1, 0, 4), 0.1);
  EXPECT_DOUBLE_EQ(LearningRate(schedule, 1, 3, 4), 0.1);
  EXPECT_DOUBLE_EQ(LearningRate(schedule, 2, 0, 4), 0.05);
  EXPECT_DOUBLE_EQ(LearningRate(schedule, 4, 2, 4), 0.0125);
  const LrSchedule constant{0.1, 1.0, 0};
  EXPECT_DOUBLE_EQ(LearningRate(constant, 0, 0, 4), 0.1);
  EXPECT_DOUBLE_EQ(LearningRate(constant, 7, 3, 4), 0.1);
}

// What metrics.jsonl and result.json rely on from nlohmann::ordered_json as
// the runners use it: keys in insertion order, doubles that read back exactly,
// NaN written as null.
TEST(Json, NumbersReadBackExactlyAndKeysKeepTheirOrder) {
  const std::vector<double> figures = {0.1 + 0.2,
                                       1.0 / 3,
                                       0.8866,
                                       1e-300,
                                       std::numeric_limits<double>::denorm_min(),
                                       std::numeric_limits<double>::max(),
                                       12345.678901234567};
  nlohmann::ordered_json json;
  json["epoch"] = 3;
  json["name"] = "a \"quoted\" name";
  for (size_t i = 0; i < figures.size(); ++i) json[absl::StrCat("figure_", i)] = figures[i];
  json["loss"] = std::nan("");
  const std::string text = json.dump();
  EXPECT_THAT(text,
              ::testing::StartsWith("{\"epoch\":3,\"name\":\"a \\\"quoted\\\" name\",\"figure_0\":"
                                    "0.30000000000000004,"));
  EXPECT_THAT(text, ::testing::EndsWith(",\"loss\":null}"));
  const nlohmann::json back = nlohmann::json::parse(text);
  for (size_t i = 0; i < figures.size(); ++i) {
    EXPECT_EQ(back.at(absl::StrCat("figure_", i)).get<double>(), figures[i]) << text;
  }
  EXPECT_EQ(back.at("epoch").get<int>(), 3);
  EXPECT_TRUE(back.at("loss").is_null());
}

TEST(HoldPoint, ParsesEpochAndStep) {
  auto none = ParseHoldPoint(nullptr);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_FALSE(ParseHoldPoint("")->has_value());
  auto point = ParseHoldPoint("2:5");
  ASSERT_TRUE(point.ok() && point->has_value()) << point.status();
  EXPECT_EQ((*point)->epoch, 2);
  EXPECT_EQ((*point)->step, 5);
  for (const char* bad : {"2", "0:1", "1:-1", "a:1", "1:2:3", "1:"}) {
    EXPECT_THAT(std::string(ParseHoldPoint(bad).status().message()),
                HasSubstr("HEYHI_TEST_HOLD_AT"))
        << bad;
  }
}

}  // namespace
}  // namespace runners
