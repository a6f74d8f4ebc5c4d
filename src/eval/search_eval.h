// Open-set 1:N evaluation on an LFW-style folder (identity from the file name): a gallery
// of `gallery_size` identities drawn by a seeded shuffle, one template each (the identity's
// first acquired image in name order); probes are every other image of those identities
// (mated) and every image of the identities left out (non-mated). Every probe is compared
// with the whole gallery by one matrix product; the outcome records the best score and the
// mate's rank (1 + gallery entries scoring strictly higher) and score.
//
// Thread-safety: pure function (starts no threads; OpenCV may use its own).
#ifndef FACETRAIL_EVAL_SEARCH_EVAL_H_
#define FACETRAIL_EVAL_SEARCH_EVAL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "eval/embed_runner.h"
#include "eval/open_set.h"
#include "facetrail/status.h"

namespace facetrail::eval {

struct OpenSetRun {
  size_t gallery_size = 0;
  size_t mated_searches = 0;
  size_t non_mated_searches = 0;
  size_t probe_fta = 0;
  std::vector<SearchOutcome> searches;
};

// kInvalidArgument when gallery_size is 0 or larger than the identities with a template.
StatusOr<OpenSetRun> RunOpenSet(const std::vector<ImageOutcome>& outcomes,
                                const std::vector<std::string>& identity, size_t gallery_size,
                                uint64_t seed);

}  // namespace facetrail::eval

#endif  // FACETRAIL_EVAL_SEARCH_EVAL_H_
