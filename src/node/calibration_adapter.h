// Adapts a facetrail::Calibration (include/facetrail/calibration.h) to the node's
// ScoreCalibration interface.
#ifndef FACETRAIL_NODE_CALIBRATION_ADAPTER_H_
#define FACETRAIL_NODE_CALIBRATION_ADAPTER_H_

#include <memory>

#include "facetrail/calibration.h"
#include "node/node_service.h"

namespace facetrail::node {

class TableCalibration final : public ScoreCalibration {
 public:
  explicit TableCalibration(Calibration table) : table_(std::move(table)) {}
  const std::string& model_id() const override { return table_.model_id(); }
  double EstimatedFmr(float score) const override { return table_.ScoreToFmr(score).fmr; }
  StatusOr<float> ThresholdForFmr(double target_fmr) const override {
    FT_ASSIGN_OR_RETURN(double t, table_.ThresholdForFmr(target_fmr));
    return static_cast<float>(t);
  }
  const Calibration& table() const { return table_; }

 private:
  Calibration table_;
};

}  // namespace facetrail::node

#endif  // FACETRAIL_NODE_CALIBRATION_ADAPTER_H_
