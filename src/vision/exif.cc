#include "vision/exif.h"

#include <cstdint>

#include <opencv2/core.hpp>

namespace facetrail::vision {
namespace {

uint16_t Get16(const unsigned char* p, bool little) {
  return little ? static_cast<uint16_t>(p[0] | (p[1] << 8))
                : static_cast<uint16_t>((p[0] << 8) | p[1]);
}

uint32_t Get32(const unsigned char* p, bool little) {
  return little ? (uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) |
                   (uint32_t{p[3]} << 24))
                : ((uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) |
                   uint32_t{p[3]});
}

// Orientation from a TIFF structure (the APP1 payload after "Exif\0\0").
int OrientationFromTiff(const unsigned char* t, size_t n) {
  if (n < 8) return 1;
  bool little;
  if (t[0] == 'I' && t[1] == 'I') {
    little = true;
  } else if (t[0] == 'M' && t[1] == 'M') {
    little = false;
  } else {
    return 1;
  }
  uint32_t ifd = Get32(t + 4, little);
  if (ifd > n || n - ifd < 2) return 1;
  uint16_t count = Get16(t + ifd, little);
  for (uint32_t i = 0; i < count; ++i) {
    size_t entry = size_t{ifd} + 2 + size_t{i} * 12;
    if (entry + 12 > n) return 1;
    if (Get16(t + entry, little) != 0x0112) continue;
    uint16_t type = Get16(t + entry + 2, little);
    if (type != 3) return 1;  // SHORT
    uint16_t value = Get16(t + entry + 8, little);
    return (value >= 1 && value <= 8) ? value : 1;
  }
  return 1;
}

}  // namespace

int JpegExifOrientation(std::string_view jpeg) {
  const auto* p = reinterpret_cast<const unsigned char*>(jpeg.data());
  size_t n = jpeg.size();
  if (n < 4 || p[0] != 0xFF || p[1] != 0xD8) return 1;
  size_t pos = 2;
  // Walk the marker segments before the image data; EXIF sits in the first few.
  while (pos + 4 <= n) {
    if (p[pos] != 0xFF) return 1;
    unsigned char marker = p[pos + 1];
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) return 1;  // start of scan / end: no EXIF
    size_t len = (size_t{p[pos + 2]} << 8) | p[pos + 3];
    if (len < 2 || pos + 2 + len > n) return 1;
    const unsigned char* seg = p + pos + 4;
    size_t seg_len = len - 2;
    if (marker == 0xE1 && seg_len >= 6 && seg[0] == 'E' && seg[1] == 'x' && seg[2] == 'i' &&
        seg[3] == 'f' && seg[4] == 0 && seg[5] == 0) {
      return OrientationFromTiff(seg + 6, seg_len - 6);
    }
    pos += 2 + len;
  }
  return 1;
}

cv::Mat ApplyExifOrientation(const cv::Mat& image, int orientation) {
  cv::Mat out;
  switch (orientation) {
    case 2: cv::flip(image, out, 1); return out;
    case 3: cv::rotate(image, out, cv::ROTATE_180); return out;
    case 4: cv::flip(image, out, 0); return out;
    case 5: cv::transpose(image, out); return out;
    case 6: cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE); return out;
    case 7: cv::transpose(image, out); cv::rotate(out, out, cv::ROTATE_180); return out;
    case 8: cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE); return out;
    default: return image;
  }
}

}  // namespace facetrail::vision
