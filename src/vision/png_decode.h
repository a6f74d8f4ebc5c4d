// PNG decoding through libpng, isolated here because libpng reports errors by longjmp:
// the functions that call libpng hold no C++ objects with destructors in the frames a
// longjmp can skip. Callers check dimensions with ReadPngHeader before DecodePng.
//
// Thread-safety: free functions; safe from any thread.
#ifndef FACETRAIL_VISION_PNG_DECODE_H_
#define FACETRAIL_VISION_PNG_DECODE_H_

#include <cstdint>
#include <string_view>

#include <opencv2/core/mat.hpp>

#include "facetrail/status.h"

namespace facetrail::vision {

struct PngHeader {
  int64_t width = 0;
  int64_t height = 0;
  int bit_depth = 0;
  int color_type = 0;
};

// Parses the signature and IHDR chunk directly from the bytes (no allocation, no libpng),
// so the declared size can be refused before anything is decoded. kInvalidArgument when
// the signature or IHDR is missing or malformed.
StatusOr<PngHeader> ReadPngHeader(std::string_view bytes);

// Decodes any PNG colour type and bit depth (palette, grey, alpha, 16-bit, interlaced) to
// 8-bit RGB (alpha dropped). libpng's own user limits are set to `max_dimension` as a second
// line of defence. kInvalidArgument for truncated or corrupt data (CRC, zlib, ...).
StatusOr<cv::Mat> DecodePng(std::string_view bytes, int max_dimension);

}  // namespace facetrail::vision

#endif  // FACETRAIL_VISION_PNG_DECODE_H_
