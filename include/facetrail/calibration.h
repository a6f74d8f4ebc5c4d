// Score calibration: cosine score -> estimated false-match rate (FMR) for one embedder,
// measured on a large impostor set and shipped with the model as
// calibration/<embedder name>.json (format in docs/evaluation.md, produced by
// `facetrail eval calibrate`).
//
// Deployments set their threshold as a target FMR (ThresholdForFmr), and every comparison
// reports the FMR its score corresponds to (ScoreToFmr). For 1:N search in a gallery of N
// identities, a non-mated probe is compared with N identities, so at small FMR the
// false-positive identification rate is FPIR ~= N x FMR (ThresholdForFpir);
// `facetrail eval search` checks that approximation empirically.
//
// Thread-safety: immutable after Parse/Load; safe to share across threads.
#ifndef FACETRAIL_CALIBRATION_H_
#define FACETRAIL_CALIBRATION_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "facetrail/status.h"

namespace facetrail {

struct FmrEstimate {
  double fmr = 0;   // point estimate
  double low = 0;   // 95% Clopper-Pearson interval on the impostor counts
  double high = 0;
  // The score is above every measured impostor score: fmr is 0 observed, `high` is the
  // most it can be given the number of impostor pairs.
  bool beyond_table = false;
};

class Calibration {
 public:
  struct Row {
    double score = 0;          // threshold: accept when score >= this
    int64_t false_matches = 0;  // impostor pairs with score >= `score`
    double fmr = 0;
    double low = 0, high = 0;  // 95% Clopper-Pearson
  };

  // kInvalidArgument on malformed JSON or a table that is not monotone.
  static StatusOr<Calibration> Parse(std::string_view json);
  // Reads and parses a calibration file (kIOError / kNotFound if it cannot be read).
  static StatusOr<Calibration> Load(const std::string& path);

  const std::string& model_id() const { return model_id_; }
  int64_t impostor_pairs() const { return impostor_pairs_; }
  const std::vector<Row>& rows() const { return rows_; }

  // Interpolates log10(FMR) linearly in the score between the two table rows around it.
  FmrEstimate ScoreToFmr(double score) const;
  // The lowest table threshold whose measured FMR is <= target. kOutOfRange when target is
  // below 1 / impostor_pairs (the table cannot vouch for it).
  StatusOr<double> ThresholdForFmr(double target_fmr) const;
  // Threshold for an expected FPIR in a gallery of `gallery_size` identities:
  // ThresholdForFmr(target_fpir / gallery_size).
  StatusOr<double> ThresholdForFpir(double target_fpir, int64_t gallery_size) const;

 private:
  std::string model_id_;
  int64_t impostor_pairs_ = 0;
  std::vector<Row> rows_;  // ascending score, so non-increasing FMR
};

}  // namespace facetrail

#endif  // FACETRAIL_CALIBRATION_H_
