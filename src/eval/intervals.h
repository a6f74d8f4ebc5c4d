// Confidence intervals for error rates.
//
// Two kinds, for two questions:
// - BinomialInterval (Clopper-Pearson, exact): treats every comparison as an independent
//   trial. Right for "how precisely do these counts pin the rate down" and always defined,
//   including 0 errors (upper bound ~ 3.7/n at 95%, the "rule of three"). It understates
//   the uncertainty of face-recognition rates, because comparisons that share a person are
//   correlated.
// - BootstrapIdentities (percentile bootstrap over identities, seeded): resamples people,
//   not pairs, so that correlation is carried into the interval. Use this for reported
//   rates; use the binomial one where the bootstrap cannot run (no identity structure).
//
// Thread-safety: pure functions; the statistic callback is called from the calling thread.
#ifndef FACETRAIL_EVAL_INTERVALS_H_
#define FACETRAIL_EVAL_INTERVALS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <utility>
#include <vector>

namespace facetrail::eval {

struct Interval {
  double estimate = 0;
  double low = 0;
  double high = 0;
};

// Regularized incomplete beta function I_x(a, b), a, b > 0, x in [0, 1].
double RegularizedIncompleteBeta(double a, double b, double x);

// Exact two-sided Clopper-Pearson interval for k successes in n trials at `level`
// (e.g. 0.95). n == 0 gives [0, 1].
Interval ClopperPearson(int64_t k, int64_t n, double level = 0.95);

// SplitMix64: a tiny, fully specified generator, so a seed gives the same bootstrap on
// every compiler and standard library (std::uniform_int_distribution does not).
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  // Uniform in [0, n), n > 0, without modulo bias (rejection sampling).
  uint64_t Below(uint64_t n);

 private:
  uint64_t state_;
};

struct BootstrapOptions {
  int replicates = 1000;
  uint64_t seed = 20261127;
  double level = 0.95;
};

// Percentile bootstrap over `num_identities` people. Each replicate draws num_identities
// identities with replacement and calls statistic(multiplicity), where multiplicity[i] is
// how many times identity i was drawn. The estimate is statistic(all ones). Replicates
// whose statistic is NaN (e.g. no trials drawn) are skipped.
Interval BootstrapIdentities(size_t num_identities,
                             const std::function<double(std::span<const uint32_t>)>& statistic,
                             const BootstrapOptions& options = {});

// One comparison for identity-weighted rates. a == b: a genuine comparison of identity a
// (weight multiplicity[a]); a != b: an impostor comparison (weight multiplicity[a] *
// multiplicity[b]).
struct IdPairOutcome {
  uint32_t a = 0, b = 0;
  bool error = false;
};
// Weighted error rate of `outcomes` under the given multiplicities; NaN when no weight.
double WeightedRate(std::span<const IdPairOutcome> outcomes, std::span<const uint32_t> multiplicity);

// FMR over all cross pairs of `members` (one image per identity; indices into
// multiplicity) when only the false matches are listed: sum of c_a * c_b over the false
// matches / number of cross pairs of the resampled members. O(members + false matches).
// NaN when fewer than two members were drawn.
double AllPairsImpostorRate(std::span<const uint32_t> members,
                            std::span<const std::pair<uint32_t, uint32_t>> false_matches,
                            std::span<const uint32_t> multiplicity);

}  // namespace facetrail::eval

#endif  // FACETRAIL_EVAL_INTERVALS_H_
