// Safe decoding of untrusted image bytes (JPEG and PNG only) into an 8-bit RGB cv::Mat.
//
// Every input is treated as hostile: the format is taken from the magic bytes (never from a
// file name), the byte size and the dimensions declared in the header are checked against
// DecodeLimits BEFORE any pixel buffer is allocated, and every libjpeg/libpng error or
// warning (truncation, bad CRC, corrupt entropy data) is reported as a Status. JPEG EXIF
// orientation (phone photos) is applied so faces come out upright.
//
// Thread-safety: free functions without shared state; safe from any thread.
#ifndef FACETRAIL_VISION_DECODE_H_
#define FACETRAIL_VISION_DECODE_H_

#include <cstdint>
#include <string_view>

#include <opencv2/core/mat.hpp>

#include "facetrail/status.h"

namespace facetrail::vision {

enum class ImageFormat { kEmpty, kJpeg, kPng, kGif, kTiff, kBmp, kWebp, kHeif, kText, kUnknown };

// "JPEG", "PNG", "GIF", ... for error messages.
std::string_view ImageFormatName(ImageFormat format);

// Identifies the container from its leading bytes.
ImageFormat SniffImageFormat(std::string_view bytes);

struct DecodeLimits {
  int64_t max_bytes = 32 << 20;
  int64_t max_pixels = 40'000'000;  // width * height as declared by the header
  int max_dimension = 16384;        // per side
};

struct ImageInfo {
  ImageFormat format = ImageFormat::kUnknown;
  int width = 0;   // as stored, before EXIF orientation
  int height = 0;
};

// Reads only the header. Errors: kInvalidArgument for empty, unsupported or malformed
// input ("unsupported image format: GIF"); kResourceExhausted when the byte size or the
// declared dimensions exceed `limits`.
StatusOr<ImageInfo> ReadImageInfo(std::string_view bytes, const DecodeLimits& limits);

// Decodes to CV_8UC3 in RGB channel order (EXIF orientation applied for JPEG). Same errors
// as ReadImageInfo, plus kInvalidArgument for truncated or corrupt data.
StatusOr<cv::Mat> DecodeImage(std::string_view bytes, const DecodeLimits& limits);

}  // namespace facetrail::vision

#endif  // FACETRAIL_VISION_DECODE_H_
