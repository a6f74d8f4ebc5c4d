#include "eval/pairs_run.h"

#include <cmath>
#include <unordered_map>

#include "core/env.h"

namespace facetrail::eval {

StatusOr<float> ScoreOutcomes(const ImageOutcome& a, const ImageOutcome& b) {
  if (!a.acquired() || !b.acquired()) return kFailureScore;
  const Template& x = a.face.tmpl;
  const Template& y = b.face.tmpl;
  if (x.model_id != y.model_id || x.values.size() != y.values.size()) {
    return InvalidArgumentError("templates of different models never compare: " + x.model_id +
                                " vs " + y.model_id);
  }
  // Templates are unit norm: the dot product is the cosine. Accumulate in double so the
  // score does not depend on the summation order of a particular SIMD width.
  double dot = 0;
  for (size_t i = 0; i < x.values.size(); ++i) dot += static_cast<double>(x.values[i]) * y.values[i];
  return static_cast<float>(dot);
}

StatusOr<PairsReport> RunPairsEvaluation(const Engine& engine, const PairsRunOptions& options) {
  Env* env = options.embed.env != nullptr ? options.embed.env : Env::Default();
  FT_ASSIGN_OR_RETURN(std::string csv,
                      env->ReadFileToString(options.pairs_csv, options.max_csv_bytes));
  FT_ASSIGN_OR_RETURN(std::vector<PairSpec> pairs, ParsePairsCsv(csv));
  if (pairs.empty()) return InvalidArgumentError("pairs csv has no pairs");

  std::unordered_map<std::string, size_t> index;
  std::vector<std::string> paths;
  for (const auto& p : pairs) {
    for (const std::string* name : {&p.image_a, &p.image_b}) {
      if (index.emplace(*name, paths.size()).second) paths.push_back(JoinPath(options.images_dir, *name));
    }
  }
  std::vector<ImageOutcome> outcomes = EmbedImages(engine, paths, options.embed);

  std::vector<float> scores;
  scores.reserve(pairs.size());
  int64_t with_fta = 0;
  for (const auto& p : pairs) {
    const ImageOutcome& a = outcomes[index[p.image_a]];
    const ImageOutcome& b = outcomes[index[p.image_b]];
    FT_ASSIGN_OR_RETURN(float s, ScoreOutcomes(a, b));
    if (!a.acquired() || !b.acquired()) ++with_fta;
    scores.push_back(s);
  }
  float t = engine.default_threshold();
  std::optional<double> threshold;
  if (std::isfinite(t)) threshold = t;
  PairsReport r = ComputePairsReport(pairs, scores, threshold, options.bootstrap);
  r.model_id = engine.embedder().id;
  r.images = static_cast<int64_t>(outcomes.size());
  r.images_failed = CountFailures(outcomes);
  r.fta = FailureToAcquireRate(r.images_failed, r.images);
  r.pairs_with_fta = with_fta;
  return r;
}

}  // namespace facetrail::eval
