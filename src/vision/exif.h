// Minimal, bounds-checked reader of the EXIF orientation tag (0x0112) of a JPEG, and the
// transform that makes the image upright. Only the APP1 "Exif" segment's IFD0 is read.
//
// Thread-safety: free functions; safe from any thread.
#ifndef FACETRAIL_VISION_EXIF_H_
#define FACETRAIL_VISION_EXIF_H_

#include <string_view>

#include <opencv2/core/mat.hpp>

namespace facetrail::vision {

// EXIF orientation 1..8, or 1 when absent or malformed (malformed metadata is ignored, not
// an error: the pixels are what matter).
int JpegExifOrientation(std::string_view jpeg);

// Returns `image` rotated/flipped so that an image stored with `orientation` is upright.
cv::Mat ApplyExifOrientation(const cv::Mat& image, int orientation);

}  // namespace facetrail::vision

#endif  // FACETRAIL_VISION_EXIF_H_
