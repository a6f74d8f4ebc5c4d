#include "vision/png_decode.h"

#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace facetrail::vision {
namespace {

// Plain-old-data state shared with libpng's callbacks; survives a longjmp intact.
struct PngSource {
  const unsigned char* data;
  size_t size;
  size_t pos;
  char error[256];
};

void ReadFromMemory(png_structp png, png_bytep out, size_t n) {
  auto* src = static_cast<PngSource*>(png_get_io_ptr(png));
  if (src->size - src->pos < n) png_error(png, "truncated PNG (unexpected end of data)");
  std::memcpy(out, src->data + src->pos, n);
  src->pos += n;
}

void OnError(png_structp png, png_const_charp message) {
  auto* src = static_cast<PngSource*>(png_get_error_ptr(png));
  std::snprintf(src->error, sizeof(src->error), "%s", message);
  png_longjmp(png, 1);
}

void OnWarning(png_structp, png_const_charp) {}  // benign chunks; errors still fail

uint32_t BigEndian32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

// Reads the header and configures 8-bit RGB output. Returns false after a libpng error.
// No C++ objects with destructors live in this frame (longjmp target).
bool ReadInfoAndConfigure(png_structp png, png_infop info, png_uint_32* width,
                          png_uint_32* height) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_info(png, info);
  int bit_depth = 0, color_type = 0, interlace = 0;
  png_get_IHDR(png, info, width, height, &bit_depth, &color_type, &interlace, nullptr,
               nullptr);
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  if (bit_depth == 16) png_set_scale_16(png);
  if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) {
    png_set_gray_to_rgb(png);
  }
  png_set_strip_alpha(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  return true;
}

bool ReadRows(png_structp png, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_image(png, rows);
  return true;
}

// Destroys the read structs on every path out of DecodePng.
struct PngStructs {
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~PngStructs() { png_destroy_read_struct(&png, info ? &info : nullptr, nullptr); }
};

}  // namespace

StatusOr<PngHeader> ReadPngHeader(std::string_view bytes) {
  // signature(8) + IHDR length(4) + "IHDR"(4) + 13 bytes of data + CRC(4)
  if (bytes.size() < 33) return InvalidArgumentError("truncated PNG (no complete IHDR)");
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  if (std::memcmp(p, "\x89PNG\r\n\x1A\n", 8) != 0) return InvalidArgumentError("not a PNG");
  if (BigEndian32(p + 8) != 13 || std::memcmp(p + 12, "IHDR", 4) != 0) {
    return InvalidArgumentError("corrupt PNG: first chunk is not a 13-byte IHDR");
  }
  PngHeader h;
  h.width = BigEndian32(p + 16);
  h.height = BigEndian32(p + 20);
  h.bit_depth = p[24];
  h.color_type = p[25];
  return h;
}

StatusOr<cv::Mat> DecodePng(std::string_view bytes, int max_dimension) {
  PngSource src{reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), 0, {}};
  PngStructs s;
  s.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, OnError, OnWarning);
  if (s.png == nullptr) return InternalError("png_create_read_struct failed");
  s.info = png_create_info_struct(s.png);
  if (s.info == nullptr) return InternalError("png_create_info_struct failed");
  png_set_read_fn(s.png, &src, ReadFromMemory);
  png_set_user_limits(s.png, static_cast<png_uint_32>(max_dimension),
                      static_cast<png_uint_32>(max_dimension));
  // Bounds ancillary-chunk memory (compressed text/ICC bombs).
  png_set_chunk_malloc_max(s.png, 8 << 20);
  png_set_chunk_cache_max(s.png, 1000);

  png_uint_32 width = 0, height = 0;
  if (!ReadInfoAndConfigure(s.png, s.info, &width, &height)) {
    return InvalidArgumentError(std::string("corrupt PNG: ") + src.error);
  }
  if (png_get_rowbytes(s.png, s.info) != size_t{width} * 3) {
    return InternalError("PNG transform did not yield 8-bit RGB rows");
  }
  cv::Mat rgb(static_cast<int>(height), static_cast<int>(width), CV_8UC3);
  std::vector<png_bytep> rows(height);
  for (png_uint_32 y = 0; y < height; ++y) rows[y] = rgb.ptr<png_byte>(static_cast<int>(y));
  if (!ReadRows(s.png, rows.data())) {
    return InvalidArgumentError(std::string("corrupt or truncated PNG: ") + src.error);
  }
  return rgb;
}

}  // namespace facetrail::vision
