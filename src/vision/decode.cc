#include "vision/decode.h"

#include <cstring>
#include <string>

#include <turbojpeg.h>

#include "vision/exif.h"
#include "vision/png_decode.h"

namespace facetrail::vision {
namespace {

bool StartsWith(std::string_view bytes, std::string_view magic) {
  return bytes.size() >= magic.size() && bytes.substr(0, magic.size()) == magic;
}

bool LooksLikeText(std::string_view bytes) {
  size_t n = std::min<size_t>(bytes.size(), 256);
  for (size_t i = 0; i < n; ++i) {
    auto c = static_cast<unsigned char>(bytes[i]);
    if (c < 0x09 || (c > 0x0D && c < 0x20) || c == 0x7F) return false;
  }
  return true;
}

Status CheckDimensions(ImageFormat format, int64_t width, int64_t height,
                       const DecodeLimits& limits) {
  std::string name(ImageFormatName(format));
  if (width <= 0 || height <= 0) {
    return InvalidArgumentError("corrupt " + name + ": zero image dimension");
  }
  if (width > limits.max_dimension || height > limits.max_dimension) {
    return ResourceExhaustedError(name + " dimensions " + std::to_string(width) + "x" +
                                  std::to_string(height) + " exceed the per-side limit of " +
                                  std::to_string(limits.max_dimension));
  }
  if (width * height > limits.max_pixels) {
    return ResourceExhaustedError(name + " of " + std::to_string(width) + "x" +
                                  std::to_string(height) + " pixels exceeds the limit of " +
                                  std::to_string(limits.max_pixels) + " pixels");
  }
  return Status::Ok();
}

// Owns a TurboJPEG decompressor handle.
class TjHandle {
 public:
  TjHandle() : h_(tjInitDecompress()) {}
  ~TjHandle() {
    if (h_ != nullptr) tjDestroy(h_);
  }
  TjHandle(const TjHandle&) = delete;
  TjHandle& operator=(const TjHandle&) = delete;
  tjhandle get() const { return h_; }

 private:
  tjhandle h_;
};

Status JpegError(tjhandle h, std::string_view what) {
  return InvalidArgumentError("corrupt or truncated JPEG (" + std::string(what) +
                              "): " + tjGetErrorStr2(h));
}

StatusOr<ImageInfo> ReadJpegInfo(tjhandle h, std::string_view bytes,
                                  const DecodeLimits& limits) {
  int width = 0, height = 0, subsamp = 0, colorspace = 0;
  if (tjDecompressHeader3(h, reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<unsigned long>(bytes.size()), &width, &height, &subsamp,
                          &colorspace) != 0) {
    return JpegError(h, "header");
  }
  FT_RETURN_IF_ERROR(CheckDimensions(ImageFormat::kJpeg, width, height, limits));
  return ImageInfo{ImageFormat::kJpeg, width, height};
}

StatusOr<cv::Mat> DecodeJpeg(std::string_view bytes, const DecodeLimits& limits) {
  TjHandle h;
  if (h.get() == nullptr) return InternalError("tjInitDecompress failed");
  FT_ASSIGN_OR_RETURN(ImageInfo info, ReadJpegInfo(h.get(), bytes, limits));
  cv::Mat rgb(info.height, info.width, CV_8UC3);
  // Warnings (e.g. "premature end of JPEG file") are treated as errors: a truncated probe
  // decodes to a grey-filled image that must not be matched as if it were whole.
  if (tjDecompress2(h.get(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    static_cast<unsigned long>(bytes.size()), rgb.data, info.width,
                    static_cast<int>(rgb.step[0]), info.height, TJPF_RGB,
                    TJFLAG_STOPONWARNING) != 0) {
    return JpegError(h.get(), "data");
  }
  return ApplyExifOrientation(rgb, JpegExifOrientation(bytes));
}

Status Unsupported(ImageFormat format) {
  if (format == ImageFormat::kEmpty) return InvalidArgumentError("empty image (0 bytes)");
  return InvalidArgumentError("unsupported image format: " +
                              std::string(ImageFormatName(format)) +
                              " (only JPEG and PNG are accepted)");
}

Status CheckBytes(std::string_view bytes, const DecodeLimits& limits) {
  if (static_cast<int64_t>(bytes.size()) > limits.max_bytes) {
    return ResourceExhaustedError("image of " + std::to_string(bytes.size()) +
                                  " bytes exceeds the limit of " +
                                  std::to_string(limits.max_bytes) + " bytes");
  }
  return Status::Ok();
}

}  // namespace

std::string_view ImageFormatName(ImageFormat format) {
  switch (format) {
    case ImageFormat::kEmpty: return "empty";
    case ImageFormat::kJpeg: return "JPEG";
    case ImageFormat::kPng: return "PNG";
    case ImageFormat::kGif: return "GIF";
    case ImageFormat::kTiff: return "TIFF";
    case ImageFormat::kBmp: return "BMP";
    case ImageFormat::kWebp: return "WebP";
    case ImageFormat::kHeif: return "HEIF/AVIF";
    case ImageFormat::kText: return "text";
    case ImageFormat::kUnknown: break;
  }
  return "unrecognised bytes";
}

ImageFormat SniffImageFormat(std::string_view b) {
  using namespace std::string_view_literals;
  if (b.empty()) return ImageFormat::kEmpty;
  if (StartsWith(b, "\xFF\xD8\xFF"sv)) return ImageFormat::kJpeg;
  if (StartsWith(b, "\x89PNG\r\n\x1A\n"sv)) return ImageFormat::kPng;
  if (StartsWith(b, "GIF87a"sv) || StartsWith(b, "GIF89a"sv)) return ImageFormat::kGif;
  if (StartsWith(b, "II*\0"sv) || StartsWith(b, "MM\0*"sv)) return ImageFormat::kTiff;
  if (StartsWith(b, "BM"sv)) return ImageFormat::kBmp;
  if (b.size() >= 12 && StartsWith(b, "RIFF"sv) && b.substr(8, 4) == "WEBP"sv) {
    return ImageFormat::kWebp;
  }
  if (b.size() >= 12 && b.substr(4, 4) == "ftyp"sv) return ImageFormat::kHeif;
  if (LooksLikeText(b)) return ImageFormat::kText;
  return ImageFormat::kUnknown;
}

StatusOr<ImageInfo> ReadImageInfo(std::string_view bytes, const DecodeLimits& limits) {
  FT_RETURN_IF_ERROR(CheckBytes(bytes, limits));
  ImageFormat format = SniffImageFormat(bytes);
  if (format == ImageFormat::kJpeg) {
    TjHandle h;
    if (h.get() == nullptr) return InternalError("tjInitDecompress failed");
    return ReadJpegInfo(h.get(), bytes, limits);
  }
  if (format == ImageFormat::kPng) {
    FT_ASSIGN_OR_RETURN(PngHeader header, ReadPngHeader(bytes));
    FT_RETURN_IF_ERROR(CheckDimensions(format, header.width, header.height, limits));
    return ImageInfo{format, static_cast<int>(header.width), static_cast<int>(header.height)};
  }
  return Unsupported(format);
}

StatusOr<cv::Mat> DecodeImage(std::string_view bytes, const DecodeLimits& limits) {
  FT_RETURN_IF_ERROR(CheckBytes(bytes, limits));
  ImageFormat format = SniffImageFormat(bytes);
  if (format == ImageFormat::kJpeg) return DecodeJpeg(bytes, limits);
  if (format == ImageFormat::kPng) {
    FT_ASSIGN_OR_RETURN(PngHeader header, ReadPngHeader(bytes));
    FT_RETURN_IF_ERROR(CheckDimensions(format, header.width, header.height, limits));
    return DecodePng(bytes, limits.max_dimension);
  }
  return Unsupported(format);
}

}  // namespace facetrail::vision
