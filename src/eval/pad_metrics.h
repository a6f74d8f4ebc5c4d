// Presentation-attack detection (PAD) error rates in ISO/IEC 30107-3 vocabulary.
//
// - A bona fide presentation is a live person; an attack presentation uses a presentation
//   attack instrument (PAI) of some species (attack type), e.g. a printed photo.
// - The PAD subsystem accepts a presentation as bona fide when its score >= threshold.
// - APCER(type) = attack presentations of that type accepted as bona fide / attack
//   presentations of that type. The standard reports it per PAI species; the worst species
//   (APCER_max) is what an attacker gets to choose.
// - BPCER = bona fide presentations classified as attacks / bona fide presentations.
// - Presentations where no face was found (failure to acquire) are not scored: they are
//   counted separately, since a system that finds no face also lets no attack through.
//
// Thread-safety: pure functions.
#ifndef FACETRAIL_EVAL_PAD_METRICS_H_
#define FACETRAIL_EVAL_PAD_METRICS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "eval/intervals.h"

namespace facetrail::eval {

struct PadSample {
  bool attack = false;
  std::string attack_type;  // PAI species; empty for bona fide
  std::string subject;      // whose presentation it is; empty if unknown
  float score = 0;          // higher = more likely bona fide
};

struct PadClassRate {
  int64_t presentations = 0;
  int64_t errors = 0;  // attacks accepted (APCER) or bona fide rejected (BPCER)
  Interval rate;       // estimate + Clopper-Pearson 95% interval
};

struct PadRates {
  double threshold = 0;
  PadClassRate bpcer;
  std::map<std::string, PadClassRate> apcer;  // keyed by attack type
  double apcer_max = 0;  // worst attack type's APCER (0 when there are no attacks)
};

PadRates PadRatesAt(const std::vector<PadSample>& samples, double threshold);

// The lowest threshold at which APCER_max <= target_apcer (thresholds sit just above an
// attack score, so among equal APCER the one rejecting the fewest bona fide wins). With no
// attacks that is the lowest score; with no samples, 0.
double ThresholdForApcer(const std::vector<PadSample>& samples, double target_apcer);

// Equal error rate between APCER_max and BPCER, by the same linear interpolation between
// bracketing operating points as metrics.h's EqualErrorRate; threshold interpolated too.
struct PadEer {
  double eer = 0;
  double threshold = 0;
};
PadEer PadEqualErrorRate(const std::vector<PadSample>& samples);

// Area under the ROC of bona fide vs attack scores (P(bona fide > attack) + ties / 2).
double PadAuc(const std::vector<PadSample>& samples);

// Subject-disjoint split for choosing an operating point on some subjects and reporting on
// the others: subjects sorted by name, the first ceil(n/2) tune, the rest test. Samples
// without a subject are assigned by position (even index tune, odd test), which is not
// subject-disjoint; `subject_disjoint` says which happened.
struct PadSplit {
  std::vector<PadSample> tune, test;
  std::vector<std::string> tune_subjects, test_subjects;
  bool subject_disjoint = true;
};
PadSplit SplitBySubject(const std::vector<PadSample>& samples);

}  // namespace facetrail::eval

#endif  // FACETRAIL_EVAL_PAD_METRICS_H_
