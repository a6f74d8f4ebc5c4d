// Sections of the disclosure document (disclosure.h) that are computed from embedding
// outcomes: genuine pairs, the all-pairs DET, rates at the deployed threshold,
// demographic differentials, error-versus-reject per quality measure, dataset provenance.
//
// Thread-safety: pure functions (ProvenanceJson reads files through Env).
#ifndef FACETRAIL_EVAL_DISCLOSURE_SECTIONS_H_
#define FACETRAIL_EVAL_DISCLOSURE_SECTIONS_H_

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/env.h"
#include "eval/csv.h"
#include "eval/embed_runner.h"
#include "eval/intervals.h"
#include "eval/score_distribution.h"
#include "facetrail/status.h"

namespace facetrail::eval {

struct GenuinePair {
  size_t a = 0, b = 0;     // outcome indices
  uint32_t identity = 0;   // dense identity index
  float score = 0;         // cosine
};

// Every pair of acquired images of the same identity (identity[i] names outcome i).
std::vector<GenuinePair> AllGenuinePairs(const std::vector<ImageOutcome>& outcomes,
                                         const std::vector<std::string>& identity);

// DET points (fmr from the all-pairs impostor distribution, fnmr from the genuine pairs),
// at most ~200, strictest first.
nlohmann::json AllPairsDetJson(const std::vector<GenuinePair>& genuine, const ScoreDistribution& d);

// FMR (all pairs) and FNMR (all genuine pairs) at the threshold, with sample sizes and
// intervals (bootstrap over identities for FNMR, Clopper-Pearson for FMR).
nlohmann::json AtThresholdJson(const std::vector<GenuinePair>& genuine, const ScoreDistribution& d,
                               double threshold);

// {"lfw_gender": ..., "utkface_race_gender": ...}: eval/demographics.h's ComputeDemographics
// on each data set at the one global threshold.
nlohmann::json DemographicsJson(const std::vector<ImageOutcome>& lfw,
                                const std::vector<std::string>& lfw_identity,
                                const std::vector<std::string>& lfw_images,
                                const std::map<std::string, std::string>& lfw_gender,
                                const std::vector<ImageOutcome>& utk, const CsvTable& utk_labels,
                                double threshold, double target_fmr, int threads,
                                const BootstrapOptions& bootstrap);

// Error-versus-reject (eval/quality_eval.h) over every genuine pair of lfw-dev, per quality
// measure, rejecting 0..50% of pairs (pair quality = the worse of its two images).
nlohmann::json ErrorVersusRejectJson(const std::vector<ImageOutcome>& lfw,
                                     const std::vector<GenuinePair>& genuine, double threshold);

// README.md hash and provenance lines, label-file hashes, image counts.
StatusOr<nlohmann::json> ProvenanceJson(Env* env, const std::string& data_dir, size_t lfw_images,
                                        size_t utk_images);

}  // namespace facetrail::eval

#endif  // FACETRAIL_EVAL_DISCLOSURE_SECTIONS_H_
