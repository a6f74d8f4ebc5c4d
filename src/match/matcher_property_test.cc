// Property tests (rapidcheck): for arbitrary small galleries and probes, the matcher's
// answer equals a naive reference: best score per identity, ranked by score then id,
// cut at k and min_score.
#include <gtest/gtest.h>

#ifdef FACETRAIL_HAVE_RAPIDCHECK
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "facetrail/matcher.h"

namespace facetrail {
namespace {

constexpr char kModel[] = "prop@1#0";

// Unit vector from arbitrary integers (an all-zero draw becomes the first axis).
std::vector<float> Unit(const std::vector<int>& raw, int dim) {
  std::vector<float> v(static_cast<size_t>(dim), 0.0f);
  for (size_t i = 0; i < v.size() && i < raw.size(); ++i) v[i] = static_cast<float>(raw[i] % 7);
  double s = 0;
  for (float x : v) s += double{x} * x;
  if (s == 0) {
    v[0] = 1.0f;
    s = 1.0;
  }
  for (float& x : v) x = static_cast<float>(x / std::sqrt(s));
  return v;
}

RC_GTEST_PROP(MatcherProperty, EqualsNaiveReference, ()) {
  const int dim = *rc::gen::inRange(1, 40);
  const int identities = *rc::gen::inRange(1, 30);
  const int k = *rc::gen::inRange(1, 12);
  const float min_score = static_cast<float>(*rc::gen::inRange(-10, 10)) / 10.0f;
  GalleryTemplates g;
  g.model_id = kModel;
  g.dim = dim;
  for (int i = 0; i < identities; ++i) {
    const int n = *rc::gen::inRange(1, 4);
    for (int j = 0; j < n; ++j) {
      StoredTemplate t;
      t.identity_id = "id" + std::to_string(*rc::gen::inRange(0, 1000));  // may repeat
      t.values = Unit(*rc::gen::container<std::vector<int>>(static_cast<size_t>(dim),
                                                            rc::gen::inRange(-6, 7)),
                      dim);
      g.templates.push_back(std::move(t));
    }
  }
  std::vector<float> probe = Unit(
      *rc::gen::container<std::vector<int>>(static_cast<size_t>(dim), rc::gen::inRange(-6, 7)),
      dim);
  auto m = Matcher::Create({}, kModel, dim);
  RC_ASSERT(m.ok());
  RC_ASSERT((*m)->Load(g).ok());
  auto got = (*m)->Search(Template{kModel, probe}, k, min_score);
  RC_ASSERT(got.ok());

  // Reference: best per identity with the same float dot product order is not guaranteed,
  // so compare scores with a tolerance and identities where scores are clearly apart.
  std::map<std::string, double> best;
  for (const auto& t : g.templates) {
    double s = 0;
    for (int i = 0; i < dim; ++i) s += double{probe[static_cast<size_t>(i)]} * t.values[static_cast<size_t>(i)];
    auto it = best.find(t.identity_id);
    if (it == best.end() || s > it->second) best[t.identity_id] = s;
  }
  std::vector<std::pair<double, std::string>> ref;
  for (const auto& [id, s] : best) ref.emplace_back(s, id);
  std::sort(ref.begin(), ref.end(), [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  constexpr double kTol = 1e-5;
  size_t expected = 0;
  for (const auto& r : ref) expected += r.first >= min_score + kTol;
  size_t upper = 0;
  for (const auto& r : ref) upper += r.first >= min_score - kTol;
  const size_t n = got->size();
  RC_ASSERT(n <= static_cast<size_t>(k));
  RC_ASSERT(n >= std::min(expected, static_cast<size_t>(k)));
  RC_ASSERT(n <= std::min(upper, static_cast<size_t>(k)));
  for (size_t i = 0; i < n; ++i) {
    RC_ASSERT((*got)[i].rank == static_cast<int>(i + 1));
    RC_ASSERT(std::abs((*got)[i].score - ref[i].first) < kTol);
    RC_ASSERT((*got)[i].score >= min_score);
    if (i > 0) RC_ASSERT((*got)[i].score <= (*got)[i - 1].score);
    // Each identity once.
    for (size_t j = 0; j < i; ++j) RC_ASSERT((*got)[i].identity_id != (*got)[j].identity_id);
  }
}

}  // namespace
}  // namespace facetrail

#else
TEST(MatcherProperty, Skipped) { GTEST_SKIP() << "rapidcheck not installed"; }
#endif
