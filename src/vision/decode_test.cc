// Decoding of real and hostile images: formats, limits checked before decoding, truncation,
// corruption, EXIF orientation, and every PNG colour type.
#include "vision/decode.h"

#include <gtest/gtest.h>
#include <png.h>
#include <turbojpeg.h>
#include <zlib.h>

#include <string>

#include <opencv2/core.hpp>

#include "vision/exif.h"
#include "vision/test_data.h"

namespace facetrail::vision {
namespace {

using testing::DataDir;
using testing::ReadFileOrEmpty;

std::string LfwJpeg() {
  return ReadFileOrEmpty(DataDir() / "lfw-dev/images/Aaron_Sorkin_0001.jpg");
}
std::string PeerPng() {
  return ReadFileOrEmpty(DataDir() / "peers/face-api-js/examples/images/amy/amy1.png");
}

#define SKIP_IF_EMPTY(bytes) \
  if ((bytes).empty()) GTEST_SKIP() << "shared data absent (set FACETRAIL_DATA)"

TEST(DecodeTest, RealJpegDecodesToRgb) {
  std::string jpeg = LfwJpeg();
  SKIP_IF_EMPTY(jpeg);
  auto image = DecodeImage(jpeg, DecodeLimits{});
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  EXPECT_EQ(image->cols, 250);
  EXPECT_EQ(image->rows, 250);
  EXPECT_EQ(image->type(), CV_8UC3);
  auto info = ReadImageInfo(jpeg, DecodeLimits{});
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->format, ImageFormat::kJpeg);
}

TEST(DecodeTest, RealPngDecodes) {
  std::string png = PeerPng();
  SKIP_IF_EMPTY(png);
  auto image = DecodeImage(png, DecodeLimits{});
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  EXPECT_GT(image->cols, 16);
  EXPECT_EQ(image->type(), CV_8UC3);
  EXPECT_GT(cv::mean(*image)[0], 5.0);  // not an all-black buffer
}

TEST(DecodeTest, ZeroBytes) {
  auto r = DecodeImage("", DecodeLimits{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("empty"), std::string::npos);
}

struct Renamed {
  std::string bytes;
  std::string name;
};

TEST(DecodeTest, OtherFormatsAreRefusedByName) {
  using namespace std::string_literals;
  const Renamed cases[] = {
      {"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00\x2c"s, "GIF"},
      {"II*\x00\x08\x00\x00\x00\x00\x00"s, "TIFF"},
      {"MM\x00*\x00\x00\x00\x08"s, "TIFF"},
      {"BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00"s, "BMP"},
      {"RIFF\x24\x00\x00\x00WEBPVP8 "s, "WebP"},
      {"hello, this is not an image\n"s, "text"},
      {"\x00\x01\x02\x03\xfe\xfd"s, "unrecognised"},
  };
  for (const auto& c : cases) {
    auto r = DecodeImage(c.bytes, DecodeLimits{});
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.name;
    EXPECT_NE(r.status().message().find("unsupported image format: " + c.name),
              std::string::npos)
        << r.status().message();
  }
}

TEST(DecodeTest, TruncatedJpegIsAnError) {
  std::string jpeg = LfwJpeg();
  SKIP_IF_EMPTY(jpeg);
  for (size_t keep : {size_t{3}, size_t{100}, jpeg.size() / 2, jpeg.size() - 10}) {
    auto r = DecodeImage(jpeg.substr(0, keep), DecodeLimits{});
    ASSERT_FALSE(r.ok()) << "kept " << keep;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("JPEG"), std::string::npos) << r.status().message();
  }
}

TEST(DecodeTest, CorruptJpegIsAnError) {
  std::string jpeg = LfwJpeg();
  SKIP_IF_EMPTY(jpeg);
  // Overwrite a stretch of entropy-coded data with a marker-like pattern.
  for (size_t i = jpeg.size() / 2; i < jpeg.size() / 2 + 64; i += 2) {
    jpeg[i] = '\xFF';
    jpeg[i + 1] = '\xD0';
  }
  auto r = DecodeImage(jpeg, DecodeLimits{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(DecodeTest, TruncatedPngIsAnError) {
  std::string png = PeerPng();
  SKIP_IF_EMPTY(png);
  for (size_t keep : {size_t{8}, size_t{30}, size_t{60}, png.size() / 2, png.size() - 20}) {
    auto r = DecodeImage(png.substr(0, keep), DecodeLimits{});
    ASSERT_FALSE(r.ok()) << "kept " << keep;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("PNG"), std::string::npos) << r.status().message();
  }
}

TEST(DecodeTest, CorruptPngIsAnError) {
  std::string png = PeerPng();
  SKIP_IF_EMPTY(png);
  png[png.size() / 2] ^= 0x5A;  // breaks an IDAT CRC
  auto r = DecodeImage(png, DecodeLimits{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

void Put32(std::string* s, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s->push_back(static_cast<char>(v >> shift));
}

// A syntactically valid PNG start (signature + IHDR with a correct CRC) declaring w x h.
std::string PngHeaderClaiming(uint32_t w, uint32_t h) {
  std::string s = "\x89PNG\r\n\x1A\n";
  Put32(&s, 13);
  std::string chunk = "IHDR";
  Put32(&chunk, w);
  Put32(&chunk, h);
  chunk += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB
  s += chunk;
  Put32(&s, static_cast<uint32_t>(
                crc32(0, reinterpret_cast<const Bytef*>(chunk.data()), chunk.size())));
  s += std::string(64, '\0');  // a stub of "IDAT" that must never be reached
  return s;
}

TEST(DecodeTest, HugePngHeaderRefusedBeforeDecoding) {
  std::string png = PngHeaderClaiming(100000, 100000);
  auto info = ReadImageInfo(png, DecodeLimits{});
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), StatusCode::kResourceExhausted);
  auto r = DecodeImage(png, DecodeLimits{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(r.status().message().find("100000x100000"), std::string::npos);
  // Within the per-side limit but over the pixel budget.
  DecodeLimits wide;
  wide.max_dimension = 200000;
  r = DecodeImage(PngHeaderClaiming(10000, 9000), wide);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
}

TEST(DecodeTest, JpegLimitsCheckedFromHeader) {
  std::string jpeg = LfwJpeg();
  SKIP_IF_EMPTY(jpeg);
  DecodeLimits small;
  small.max_pixels = 250 * 249;
  auto r = DecodeImage(jpeg, small);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  DecodeLimits narrow;
  narrow.max_dimension = 200;
  EXPECT_EQ(DecodeImage(jpeg, narrow).status().code(), StatusCode::kResourceExhausted);
  DecodeLimits few_bytes;
  few_bytes.max_bytes = static_cast<int64_t>(jpeg.size()) - 1;
  EXPECT_EQ(DecodeImage(jpeg, few_bytes).status().code(), StatusCode::kResourceExhausted);
}

// Left half red, right half blue, 40 wide x 20 high.
cv::Mat HalfAndHalf() {
  cv::Mat rgb(20, 40, CV_8UC3, cv::Scalar(255, 0, 0));
  rgb(cv::Rect(20, 0, 20, 20)).setTo(cv::Scalar(0, 0, 255));
  return rgb;
}

std::string EncodeJpeg(const cv::Mat& rgb) {
  tjhandle h = tjInitCompress();
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  int rc = tjCompress2(h, rgb.data, rgb.cols, static_cast<int>(rgb.step[0]), rgb.rows, TJPF_RGB,
                       &buf, &size, TJSAMP_444, 95, 0);
  std::string out = rc == 0 ? std::string(reinterpret_cast<char*>(buf), size) : "";
  tjFree(buf);
  tjDestroy(h);
  return out;
}

std::string WithExifOrientation(const std::string& jpeg, uint16_t orientation) {
  // APP1: "Exif\0\0" + big-endian TIFF header + IFD0 with one SHORT entry (0x0112).
  std::string tiff("MM\x00\x2a\x00\x00\x00\x08", 8);
  tiff += std::string("\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01", 10);
  tiff.push_back(static_cast<char>(orientation >> 8));
  tiff.push_back(static_cast<char>(orientation & 0xFF));
  tiff += std::string("\x00\x00\x00\x00\x00\x00", 6);
  std::string payload = std::string("Exif\0\0", 6) + tiff;
  uint16_t len = static_cast<uint16_t>(payload.size() + 2);
  std::string app1 = "\xFF\xE1";
  app1.push_back(static_cast<char>(len >> 8));
  app1.push_back(static_cast<char>(len & 0xFF));
  return jpeg.substr(0, 2) + app1 + payload + jpeg.substr(2);
}

TEST(DecodeTest, ExifOrientationIsApplied) {
  std::string jpeg = EncodeJpeg(HalfAndHalf());
  ASSERT_FALSE(jpeg.empty());
  std::string rotated = WithExifOrientation(jpeg, 6);
  EXPECT_EQ(JpegExifOrientation(rotated), 6);
  EXPECT_EQ(JpegExifOrientation(jpeg), 1);
  auto r = DecodeImage(rotated, DecodeLimits{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // Rotated 90 degrees clockwise: 20 wide x 40 high, red (left) now on top.
  ASSERT_EQ(r->cols, 20);
  ASSERT_EQ(r->rows, 40);
  cv::Vec3b top = r->at<cv::Vec3b>(5, 10), bottom = r->at<cv::Vec3b>(35, 10);
  EXPECT_GT(top[0], 200);
  EXPECT_LT(top[2], 60);
  EXPECT_GT(bottom[2], 200);
  EXPECT_LT(bottom[0], 60);
}

std::string EncodePng(const void* pixels, int w, int h, png_uint_32 format, int stride,
                      const void* colormap = nullptr, int colormap_entries = 0) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(w);
  image.height = static_cast<png_uint_32>(h);
  image.format = format;
  image.colormap_entries = static_cast<png_uint_32>(colormap_entries);
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&image, nullptr, &size, 0, pixels, stride, colormap)) return "";
  std::string out(size, '\0');
  if (!png_image_write_to_memory(&image, out.data(), &size, 0, pixels, stride, colormap)) {
    return "";
  }
  out.resize(size);
  return out;
}

TEST(DecodeTest, PngColourTypesAllBecomeRgb8) {
  const int w = 7, h = 5;
  // 16-bit RGBA (linear in libpng's simplified API; values only need to be ordered).
  std::vector<uint16_t> rgba16(w * h * 4, 65535);
  std::string p16 = EncodePng(rgba16.data(), w, h, PNG_FORMAT_LINEAR_RGB_ALPHA, 0);
  // 8-bit grey.
  std::vector<uint8_t> grey(w * h, 77);
  std::string pgrey = EncodePng(grey.data(), w, h, PNG_FORMAT_GRAY, 0);
  // Grey + alpha.
  std::vector<uint8_t> ga(w * h * 2, 200);
  std::string pga = EncodePng(ga.data(), w, h, PNG_FORMAT_GA, 0);
  // Palette: two entries, all pixels index 1 (green).
  std::vector<uint8_t> idx(w * h, 1);
  const uint8_t palette[] = {0, 0, 0, 0, 255, 0};
  std::string ppal = EncodePng(idx.data(), w, h, PNG_FORMAT_RGB_COLORMAP, 0, palette, 2);
  for (const std::string* png : {&p16, &pgrey, &pga, &ppal}) {
    ASSERT_FALSE(png->empty());
    auto r = DecodeImage(*png, DecodeLimits{});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->type(), CV_8UC3);
    EXPECT_EQ(r->cols, w);
    EXPECT_EQ(r->rows, h);
  }
  EXPECT_EQ(DecodeImage(p16, {})->at<cv::Vec3b>(2, 3), cv::Vec3b(255, 255, 255));
  EXPECT_EQ(DecodeImage(pgrey, {})->at<cv::Vec3b>(2, 3), cv::Vec3b(77, 77, 77));
  EXPECT_EQ(DecodeImage(ppal, {})->at<cv::Vec3b>(1, 1), cv::Vec3b(0, 255, 0));
}

}  // namespace
}  // namespace facetrail::vision
