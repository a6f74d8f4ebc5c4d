// Face embedder on OpenCV dnn: an aligned crop -> an L2-normalised embedding. Optional
// flip-averaging embeds the mirrored crop too and sums the two raw vectors before
// normalising (measured to help on LFW; docs/vision.md).
//
// Thread-safety: Embed() is const and safe from any thread (networks come from a pool).
#ifndef FACETRAIL_VISION_EMBEDDER_H_
#define FACETRAIL_VISION_EMBEDDER_H_

#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "facetrail/status.h"
#include "vision/align.h"
#include "vision/model_manifest.h"
#include "vision/net_pool.h"

namespace facetrail::vision {

// The alignment template for an embedder's input size: 150 -> dlib face chip, anything
// else -> the ArcFace template scaled from 112 to that size.
AlignmentTemplate TemplateForInputSize(int size);

class FaceEmbedder {
 public:
  // Loads and verifies entry.file under models_dir. kInvalidArgument if the input is not
  // square.
  static StatusOr<std::unique_ptr<FaceEmbedder>> Create(const ModelEntry& entry,
                                                        const std::string& models_dir,
                                                        bool flip_average);

  const AlignmentTemplate& alignment() const { return alignment_; }
  const ModelEntry& entry() const { return entry_; }
  bool flip_average() const { return flip_average_; }

  // Embedding of an aligned RGB crop of alignment().size pixels, unit L2 norm.
  // kInternal when inference fails or yields a zero or non-finite vector.
  StatusOr<std::vector<float>> Embed(const cv::Mat& aligned_rgb) const;

 private:
  FaceEmbedder(ModelEntry entry, std::unique_ptr<NetPool> pool, bool flip_average);

  const ModelEntry entry_;
  const std::unique_ptr<NetPool> pool_;
  const bool flip_average_;
  const AlignmentTemplate alignment_;
};

}  // namespace facetrail::vision

#endif  // FACETRAIL_VISION_EMBEDDER_H_
