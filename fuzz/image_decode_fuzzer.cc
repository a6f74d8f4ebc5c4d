// libFuzzer harness for the untrusted-image decode path (format sniffing, header limits,
// libjpeg-turbo and libpng decoding, EXIF parsing). Limits are kept small so the fuzzer
// explores parsing rather than allocating large buffers.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vision/decode.h"
#include "vision/exif.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  facetrail::vision::DecodeLimits limits;
  limits.max_pixels = 4'000'000;
  limits.max_dimension = 4096;
  (void)facetrail::vision::JpegExifOrientation(bytes);
  auto info = facetrail::vision::ReadImageInfo(bytes, limits);
  auto image = facetrail::vision::DecodeImage(bytes, limits);
  // A header the limits accept must agree with what was decoded (up to EXIF rotation).
  if (image.ok() && info.ok()) {
    bool same = image->cols == info->width && image->rows == info->height;
    bool swapped = image->cols == info->height && image->rows == info->width;
    if (!same && !swapped) __builtin_trap();
  }
  return 0;
}
