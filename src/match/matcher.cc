// Matcher implementation (contract in include/facetrail/matcher.h): immutable snapshots of
// an ExactIndex plus, for large galleries, an HnswIndex, swapped under a mutex.
#include "facetrail/matcher.h"

#include <cmath>
#include <cstring>
#include <thread>
#include <unordered_map>

#include "core/thread_annotations.h"
#include "match/dot_product.h"
#include "match/exact_index.h"
#include "match/hnsw_index.h"
#include "match/top_k.h"

namespace facetrail {
namespace {

using match::ExactIndex;
using match::HnswIndex;
using match::ScoredOrdinal;
using match::TopK;

struct Snapshot {
  std::unique_ptr<ExactIndex> exact;
  std::unique_ptr<HnswIndex> hnsw;  // null below the approximate threshold
  int64_t gallery_version = 0;
};

class MatcherImpl final : public Matcher {
 public:
  MatcherImpl(const MatcherOptions& options, std::string model_id, int dim,
              std::shared_ptr<const Snapshot> empty)
      : options_(options), model_id_(std::move(model_id)), dim_(dim),
        snapshot_(std::move(empty)) {}

  Status Load(const GalleryTemplates& templates) override;
  StatusOr<std::vector<Candidate>> Search(const Template& probe, int k, float min_score,
                                          SearchStats* stats) const override;
  StatusOr<std::vector<Candidate>> SearchExact(const Template& probe, int k,
                                               float min_score) const override {
    return Run(probe, k, min_score, /*allow_approximate=*/false, nullptr);
  }

  const std::string& model_id() const override { return model_id_; }
  int dim() const override { return dim_; }
  size_t template_count() const override { return Current()->exact->rows(); }
  size_t identity_count() const override { return Current()->exact->identity_count(); }
  int64_t gallery_version() const override { return Current()->gallery_version; }

 private:
  std::shared_ptr<const Snapshot> Current() const EXCLUDES(mu_) {
    MutexLock l(&mu_);
    return snapshot_;
  }
  StatusOr<std::vector<Candidate>> Run(const Template& probe, int k, float min_score,
                                       bool allow_approximate, SearchStats* stats) const;
  std::vector<ScoredOrdinal> ScanExact(const ExactIndex& index, const float* query, size_t k,
                                       float min_score) const;
  StatusOr<std::vector<ScoredOrdinal>> SearchGraph(const Snapshot& snap, const float* query,
                                                   size_t k, float min_score) const;

  const MatcherOptions options_;
  const std::string model_id_;
  const int dim_;
  mutable Mutex mu_;
  std::shared_ptr<const Snapshot> snapshot_ GUARDED_BY(mu_);
};

Status MatcherImpl::Load(const GalleryTemplates& templates) {
  if (templates.model_id != model_id_) {
    return FailedPreconditionError("gallery templates are of model " + templates.model_id +
                                   "; this index is for " + model_id_);
  }
  if (!templates.templates.empty() && templates.dim != dim_) {
    return InvalidArgumentError("gallery dimension " + std::to_string(templates.dim) +
                                " differs from the index's " + std::to_string(dim_));
  }
  auto snap = std::make_shared<Snapshot>();
  FT_ASSIGN_OR_RETURN(snap->exact, ExactIndex::Build(templates.templates, dim_));
  snap->gallery_version = templates.gallery_version;
  if (options_.approximate_threshold > 0 &&
      snap->exact->rows() >= options_.approximate_threshold) {
    match::HnswParams params{options_.hnsw_m, options_.hnsw_ef_construction,
                             options_.hnsw_ef_search, options_.build_threads};
    FT_ASSIGN_OR_RETURN(snap->hnsw, HnswIndex::Build(*snap->exact, params));
  }
  MutexLock l(&mu_);
  snapshot_ = std::move(snap);
  return Status::Ok();
}

std::vector<ScoredOrdinal> MatcherImpl::ScanExact(const ExactIndex& index, const float* query,
                                                  size_t k, float min_score) const {
  size_t shards = 1;
  if (options_.threads > 1 && options_.min_rows_per_shard > 0) {
    shards = std::min<size_t>(static_cast<size_t>(options_.threads),
                              std::max<size_t>(1, index.rows() / options_.min_rows_per_shard));
  }
  auto ranges = index.Shards(shards);
  std::vector<TopK> tops(ranges.size(), TopK(k));
  std::vector<std::thread> pool;
  size_t inline_from = 1;
  try {
    for (size_t s = 1; s < ranges.size(); ++s) {
      pool.emplace_back([&, s] {
        index.Scan(query, ranges[s].first, ranges[s].second, min_score, &tops[s]);
      });
      inline_from = s + 1;
    }
  } catch (const std::system_error&) {
    // Could not start a thread: the shards not handed out run here instead.
  }
  if (!ranges.empty()) index.Scan(query, ranges[0].first, ranges[0].second, min_score, &tops[0]);
  for (size_t s = inline_from; s < ranges.size(); ++s) {
    index.Scan(query, ranges[s].first, ranges[s].second, min_score, &tops[s]);
  }
  for (auto& t : pool) t.join();
  TopK merged(k);
  for (const TopK& t : tops) merged.Merge(t);
  return merged.Sorted();
}

StatusOr<std::vector<ScoredOrdinal>> MatcherImpl::SearchGraph(const Snapshot& snap,
                                                              const float* query, size_t k,
                                                              float min_score) const {
  const ExactIndex& index = *snap.exact;
  // Ask for more rows than identities wanted: an identity with several templates can fill
  // several of the graph's answers.
  size_t want = std::min(index.rows(), std::max<size_t>(k * 4, static_cast<size_t>(
                                                                   options_.hnsw_ef_search)));
  FT_ASSIGN_OR_RETURN(std::vector<uint32_t> rows, snap.hnsw->Search(query, want));
  // Re-score with the same arithmetic as the exact scan, best per identity.
  std::unordered_map<uint32_t, float> best;
  for (uint32_t r : rows) {
    float s = match::DotPadded(query, index.row(r), index.stride());
    uint32_t id = index.row_identity(r);
    auto [it, inserted] = best.emplace(id, s);
    if (!inserted) it->second = std::max(it->second, s);
  }
  TopK top(k);
  for (const auto& [id, s] : best) {
    if (s >= min_score) top.Push({s, id});
  }
  return top.Sorted();
}

StatusOr<std::vector<Candidate>> MatcherImpl::Run(const Template& probe, int k, float min_score,
                                                  bool allow_approximate,
                                                  SearchStats* stats) const {
  if (probe.model_id != model_id_) {
    return FailedPreconditionError("probe template is of model " + probe.model_id +
                                   "; the gallery index is for " + model_id_);
  }
  if (probe.values.size() != static_cast<size_t>(dim_)) {
    return InvalidArgumentError("probe dimension " + std::to_string(probe.values.size()) +
                                " differs from the index's " + std::to_string(dim_));
  }
  if (k <= 0 || k > options_.max_k) {
    return InvalidArgumentError("k must be between 1 and " + std::to_string(options_.max_k));
  }
  if (std::isnan(min_score)) return InvalidArgumentError("min_score is NaN");
  for (float v : probe.values) {
    if (!std::isfinite(v)) return InvalidArgumentError("probe holds a non-finite value");
  }
  std::shared_ptr<const Snapshot> snap = Current();
  const ExactIndex& index = *snap->exact;
  match::AlignedFloats query = match::AllocateAligned(index.stride());
  if (!query) return ResourceExhaustedError("cannot allocate the probe buffer");
  std::memcpy(query.get(), probe.values.data(), probe.values.size() * sizeof(float));

  std::vector<ScoredOrdinal> top;
  const bool approximate = allow_approximate && snap->hnsw != nullptr;
  if (approximate) {
    FT_ASSIGN_OR_RETURN(top, SearchGraph(*snap, query.get(), static_cast<size_t>(k), min_score));
  } else {
    top = ScanExact(index, query.get(), static_cast<size_t>(k), min_score);
  }
  if (stats != nullptr) {
    stats->approximate = approximate;
    stats->rows_scanned = approximate ? 0 : index.rows();
  }
  std::vector<Candidate> out;
  out.reserve(top.size());
  for (size_t i = 0; i < top.size(); ++i) {
    out.push_back(Candidate{index.identity_id(top[i].ordinal), top[i].score,
                            static_cast<int>(i + 1)});
  }
  return out;
}

StatusOr<std::vector<Candidate>> MatcherImpl::Search(const Template& probe, int k,
                                                     float min_score, SearchStats* stats) const {
  return Run(probe, k, min_score, /*allow_approximate=*/true, stats);
}

}  // namespace

StatusOr<std::unique_ptr<Matcher>> Matcher::Create(const MatcherOptions& options,
                                                   std::string model_id, int dim) {
  if (model_id.empty()) return InvalidArgumentError("matcher needs a model id");
  if (dim <= 0 || dim > 65536) return InvalidArgumentError("matcher dimension out of range");
  if (options.threads < 1 || options.max_k < 1) {
    return InvalidArgumentError("matcher threads and max_k must be positive");
  }
  auto empty = std::make_shared<Snapshot>();
  FT_ASSIGN_OR_RETURN(empty->exact, ExactIndex::Build({}, dim));
  return std::unique_ptr<Matcher>(
      new MatcherImpl(options, std::move(model_id), dim, std::move(empty)));
}

}  // namespace facetrail
