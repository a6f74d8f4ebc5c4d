#include "eval/all_pairs.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <string>
#include <thread>

#include <opencv2/core.hpp>

namespace facetrail::eval {

StatusOr<ScoreDistribution> AllPairsImpostorScores(const TemplateMatrix& m,
                                                   std::span<const uint32_t> identity,
                                                   const AllPairsOptions& options) {
  if (m.values.size() != m.rows * m.dim || m.dim == 0) {
    return InvalidArgumentError("template matrix size does not match rows x dim");
  }
  if (identity.size() != m.rows) {
    return InvalidArgumentError("identity list has " + std::to_string(identity.size()) +
                                " entries for " + std::to_string(m.rows) + " rows");
  }
  const size_t block = std::max<size_t>(options.block_rows, 1);
  const size_t num_blocks = (m.rows + block - 1) / block;
  const int threads = std::max(1, options.threads);
  std::vector<ScoreDistribution> parts;
  for (int t = 0; t < threads; ++t) parts.emplace_back(options.tail_capacity);
  std::atomic<size_t> next_block{0};
  std::atomic<bool> failed{false};
  // OpenCV's own parallel_for would compete with ours for the same cores.
  int saved_cv_threads = cv::getNumThreads();
  cv::setNumThreads(1);
  auto worker = [&](ScoreDistribution* out) {
    try {
      // The whole matrix as a CV header (no copy); rows are read only.
      cv::Mat all(static_cast<int>(m.rows), static_cast<int>(m.dim), CV_32F,
                  const_cast<float*>(m.values.data()));
      cv::Mat scores;
      for (size_t b = next_block++; b < num_blocks; b = next_block++) {
        const size_t r0 = b * block, r1 = std::min(m.rows, r0 + block);
        // Block rows against every row from r0 on: the upper triangle of this band.
        cv::Mat lhs = all.rowRange(static_cast<int>(r0), static_cast<int>(r1));
        cv::Mat rhs = all.rowRange(static_cast<int>(r0), static_cast<int>(m.rows));
        cv::gemm(lhs, rhs, 1.0, cv::noArray(), 0.0, scores, cv::GEMM_2_T);
        for (size_t i = r0; i < r1; ++i) {
          const float* row = scores.ptr<float>(static_cast<int>(i - r0));
          for (size_t j = i + 1; j < m.rows; ++j) {
            if (identity[i] == identity[j]) continue;
            out->Add(row[j - r0], static_cast<uint32_t>(i), static_cast<uint32_t>(j));
          }
        }
      }
    } catch (const std::exception&) {
      failed = true;
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker, &parts[static_cast<size_t>(t)]);
  worker(&parts[0]);
  for (auto& th : pool) th.join();
  cv::setNumThreads(saved_cv_threads);
  if (failed) return InternalError("matrix product failed (OpenCV exception)");
  for (int t = 1; t < threads; ++t) parts[0].Merge(parts[static_cast<size_t>(t)]);
  parts[0].Finish();
  return std::move(parts[0]);
}

}  // namespace facetrail::eval
