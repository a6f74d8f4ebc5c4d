// Image sets for the evaluations: listing an image folder, identities from LFW-style file
// names, choosing one acquired image per identity, and stacking templates into a matrix
// for the all-pairs / search matrix products.
//
// Thread-safety: pure functions (ListImageFiles reads the filesystem through Env).
#ifndef FACETRAIL_EVAL_IMAGE_SETS_H_
#define FACETRAIL_EVAL_IMAGE_SETS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/env.h"
#include "eval/all_pairs.h"
#include "eval/embed_runner.h"
#include "facetrail/status.h"

namespace facetrail::eval {

// Names (not paths) of the .jpg/.jpeg/.png files in dir, sorted. At most max_files
// (kResourceExhausted beyond).
StatusOr<std::vector<std::string>> ListImageFiles(Env* env, const std::string& dir,
                                                  size_t max_files = 1'000'000);

// For each identity (in order of first appearance), the index of its first outcome that
// acquired a face; identities with none are left out. `identity[i]` names outcome i.
std::vector<size_t> FirstAcquiredPerIdentity(const std::vector<ImageOutcome>& outcomes,
                                             const std::vector<std::string>& identity);

// The templates of the chosen outcomes (all must be acquired and of one model), in order.
StatusOr<TemplateMatrix> StackTemplates(const std::vector<ImageOutcome>& outcomes,
                                        const std::vector<size_t>& chosen);

}  // namespace facetrail::eval

#endif  // FACETRAIL_EVAL_IMAGE_SETS_H_
