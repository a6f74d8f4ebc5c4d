// RFC 9162 section 2.1 Merkle tree hashing, proof generation and proof verification
// (SHA-256; identical to RFC 6962 and to golang.org/x/mod/sumdb/tlog).
//
// Proof generation is storage-agnostic: callers supply a SubtreeHashFn that returns the
// hash of any *perfect* subtree (2^level consecutive leaves starting at index << level).
// Every range hash a proof needs is assembled from O(log n) such perfect subtrees, so a
// store with 10^9 entries answers a proof with a few dozen lookups.
//
// Verification follows RFC 9162 2.1.3.2 and 2.1.4.2 exactly, plus the edge cases in
// docs/audit-formats.md: the proof length must be exactly what the sizes imply; size2 <
// size1 and size1 == 0 are errors; size1 == size2 needs an empty proof and equal roots.
//
// Thread-safety: the free functions are pure (they call the SubtreeHashFn from the calling
// thread only). MemoryTree is not thread-safe; callers serialise access.
#ifndef FACETRAIL_MERKLE_H_
#define FACETRAIL_MERKLE_H_

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "facetrail/encoding.h"
#include "facetrail/status.h"

namespace facetrail::merkle {

using Hash = Sha256Digest;

// SHA-256 of the empty string: the root of the empty tree.
Hash EmptyRoot();
// SHA-256(0x00 || entry).
Hash HashLeaf(std::string_view entry);
// SHA-256(0x01 || left || right).
Hash HashChildren(const Hash& left, const Hash& right);

// Exactly 32 bytes -> Hash; anything else is kInvalidArgument.
StatusOr<Hash> HashFromBytes(std::string_view bytes);

// Hash of the perfect subtree of height `level` whose leftmost leaf is index << level
// (level 0 = leaf hashes). Errors are passed through unchanged to the caller of the proof
// function (e.g. kNotFound / kIOError from a store).
using SubtreeHashFn = std::function<StatusOr<Hash>(uint64_t level, uint64_t index)>;

// MTH(D[0:size]). size == 0 gives EmptyRoot() without calling `fn`.
StatusOr<Hash> RootHash(uint64_t size, const SubtreeHashFn& fn);

// PATH(index, D[0:size]) in RFC order (leaf's sibling first). kInvalidArgument unless
// index < size.
StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size,
                                           const SubtreeHashFn& fn);

// PROOF(size1, D[0:size2]). kInvalidArgument unless 0 < size1 <= size2; size1 == size2
// gives the empty proof.
StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t size1, uint64_t size2,
                                             const SubtreeHashFn& fn);

// The exact number of hashes a valid proof carries (for bounding untrusted input).
// Preconditions as for the generators; otherwise 0.
size_t InclusionProofLength(uint64_t index, uint64_t size);
size_t ConsistencyProofLength(uint64_t size1, uint64_t size2);

// OK iff `proof` proves that `leaf_hash` is leaf `index` of the tree of `size` with `root`.
// kInvalidArgument for malformed input (index >= size, wrong length); kDataLoss when the
// proof is well-formed but the recomputed root differs.
Status VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t size,
                       std::span<const Hash> proof, const Hash& root);

// OK iff `proof` proves that the tree (size1, root1) is a prefix of (size2, root2).
// Errors as for VerifyInclusion.
Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const Hash> proof,
                         const Hash& root1, const Hash& root2);

// An append-only tree held entirely in memory: every perfect subtree hash is kept
// (2n hashes for n leaves). For tests, tools and small logs.
class MemoryTree {
 public:
  MemoryTree() = default;

  // Appends HashLeaf(entry); returns the new leaf's index.
  uint64_t Append(std::string_view entry);
  // Appends an already-computed leaf hash.
  uint64_t AppendLeafHash(const Hash& leaf_hash);

  uint64_t Size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  // Root of the first `size` leaves (default: all). kInvalidArgument if size > Size().
  StatusOr<Hash> Root() const { return RootAt(Size()); }
  StatusOr<Hash> RootAt(uint64_t size) const;

  // Perfect subtree hash; kOutOfRange if that subtree is not complete yet.
  StatusOr<Hash> SubtreeHash(uint64_t level, uint64_t index) const;
  // A SubtreeHashFn bound to this tree (valid while the tree lives).
  SubtreeHashFn HashFn() const;

 private:
  std::vector<std::vector<Hash>> levels_;
};

}  // namespace facetrail::merkle

#endif  // FACETRAIL_MERKLE_H_
