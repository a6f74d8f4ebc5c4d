#include "facetrail/merkle.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>

#include <sodium.h>

namespace facetrail::merkle {
namespace {

// Largest power of two strictly below n (n > 1): RFC 9162's split point k.
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

// MTH(D[begin:end]) for a range whose start is aligned to a power of two >= its length,
// which holds for every range the RFC 9162 proof recursions visit. The range splits into
// at most 64 perfect subtrees (one per set bit of its length), combined right to left as
// MTH's recursion would; so this costs popcount(end - begin) calls of `fn`.
StatusOr<Hash> RangeHash(uint64_t begin, uint64_t end, const SubtreeHashFn& fn) {
  uint64_t len = end - begin;
  if (len == 0) return EmptyRoot();
  Hash parts[64];
  int count = 0;
  uint64_t pos = begin;
  for (int b = 63; b >= 0; --b) {
    uint64_t width = uint64_t{1} << b;
    if ((len & width) == 0) continue;
    if (pos % width != 0) return InternalError("merkle: unaligned subtree range");
    FT_ASSIGN_OR_RETURN(parts[count], fn(static_cast<uint64_t>(b), pos >> b));
    ++count;
    pos += width;
  }
  Hash acc = parts[count - 1];
  for (int i = count - 2; i >= 0; --i) acc = HashChildren(parts[i], acc);
  return acc;
}

// Shared by both verifiers: "if LSB(fn) is not set, right-shift fn and sn until LSB(fn)
// is set or fn is 0".
void ShiftUntilOdd(uint64_t& fn, uint64_t& sn) {
  while ((fn & 1) == 0 && fn != 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

bool HashEqual(const Hash& a, const Hash& b) {
  return std::memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

Hash EmptyRoot() { return Sha256(""); }

Hash HashLeaf(std::string_view entry) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  const unsigned char prefix = 0x00;
  crypto_hash_sha256_update(&st, &prefix, 1);
  crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(entry.data()),
                            entry.size());
  Hash out;
  crypto_hash_sha256_final(&st, out.data());
  return out;
}

Hash HashChildren(const Hash& left, const Hash& right) {
  unsigned char buf[65];
  buf[0] = 0x01;
  std::memcpy(buf + 1, left.data(), 32);
  std::memcpy(buf + 33, right.data(), 32);
  Hash out;
  crypto_hash_sha256(out.data(), buf, sizeof buf);
  return out;
}

StatusOr<Hash> HashFromBytes(std::string_view bytes) {
  if (bytes.size() != 32) {
    return InvalidArgumentError("merkle: hash must be 32 bytes, got " +
                                std::to_string(bytes.size()));
  }
  Hash h;
  std::memcpy(h.data(), bytes.data(), 32);
  return h;
}

StatusOr<Hash> RootHash(uint64_t size, const SubtreeHashFn& fn) {
  return RangeHash(0, size, fn);
}

StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size,
                                           const SubtreeHashFn& fn) {
  if (index >= size) {
    return InvalidArgumentError("merkle: inclusion proof index " + std::to_string(index) +
                                " not below size " + std::to_string(size));
  }
  // Walk PATH(m, D[n]) top-down; siblings come out root-first and are reversed at the end.
  // Once the walk enters a left (perfect) subtree every later sibling is perfect, so at
  // most one sibling needs RangeHash's multi-call assembly.
  std::vector<Hash> proof;
  uint64_t offset = 0, n = size, m = index;
  while (n > 1) {
    uint64_t k = SplitPoint(n);
    if (m < k) {
      FT_ASSIGN_OR_RETURN(Hash h, RangeHash(offset + k, offset + n, fn));
      proof.push_back(h);
      n = k;
    } else {
      FT_ASSIGN_OR_RETURN(Hash h, RangeHash(offset, offset + k, fn));
      proof.push_back(h);
      offset += k;
      m -= k;
      n -= k;
    }
  }
  std::reverse(proof.begin(), proof.end());
  return proof;
}

StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t size1, uint64_t size2,
                                             const SubtreeHashFn& fn) {
  if (size1 == 0 || size1 > size2) {
    return InvalidArgumentError("merkle: consistency proof needs 0 < size1 <= size2, got " +
                                std::to_string(size1) + ", " + std::to_string(size2));
  }
  // SUBPROOF(m, D[n], b) of RFC 9162 2.1.4.1, unrolled.
  std::vector<Hash> proof;
  uint64_t offset = 0, n = size2, m = size1;
  bool whole_old_tree = true;  // the RFC's b
  while (true) {
    if (m == n) {
      if (!whole_old_tree) {
        FT_ASSIGN_OR_RETURN(Hash h, RangeHash(offset, offset + m, fn));
        proof.push_back(h);
      }
      break;
    }
    uint64_t k = SplitPoint(n);
    if (m <= k) {
      FT_ASSIGN_OR_RETURN(Hash h, RangeHash(offset + k, offset + n, fn));
      proof.push_back(h);
      n = k;
    } else {
      FT_ASSIGN_OR_RETURN(Hash h, RangeHash(offset, offset + k, fn));
      proof.push_back(h);
      offset += k;
      m -= k;
      n -= k;
      whole_old_tree = false;
    }
  }
  std::reverse(proof.begin(), proof.end());
  return proof;
}

size_t InclusionProofLength(uint64_t index, uint64_t size) {
  if (index >= size) return 0;
  int inner = std::bit_width(index ^ (size - 1));
  int border = std::popcount(inner >= 64 ? 0 : index >> inner);
  return static_cast<size_t>(inner + border);
}

size_t ConsistencyProofLength(uint64_t size1, uint64_t size2) {
  if (size1 == 0 || size1 >= size2) return 0;
  int inner = std::bit_width((size1 - 1) ^ (size2 - 1));
  int border = std::popcount(inner >= 64 ? 0 : (size1 - 1) >> inner);
  int shift = std::countr_zero(size1);
  int start = std::has_single_bit(size1) ? 0 : 1;
  return static_cast<size_t>(start + inner - shift + border);
}

Status VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t size,
                       std::span<const Hash> proof, const Hash& root) {
  if (index >= size) {
    return InvalidArgumentError("merkle: index " + std::to_string(index) +
                                " not below size " + std::to_string(size));
  }
  size_t want = InclusionProofLength(index, size);
  if (proof.size() != want) {
    return InvalidArgumentError("merkle: inclusion proof has " + std::to_string(proof.size()) +
                                " hashes, want " + std::to_string(want));
  }
  uint64_t fn = index, sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) return InvalidArgumentError("merkle: inclusion proof too long");
    if ((fn & 1) != 0 || fn == sn) {
      r = HashChildren(p, r);
      ShiftUntilOdd(fn, sn);
    } else {
      r = HashChildren(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return InvalidArgumentError("merkle: inclusion proof too short");
  if (!HashEqual(r, root)) return DataLossError("merkle: inclusion proof does not match root");
  return Status::Ok();
}

Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const Hash> proof,
                         const Hash& root1, const Hash& root2) {
  if (size2 < size1) {
    return InvalidArgumentError("merkle: consistency size2 " + std::to_string(size2) +
                                " below size1 " + std::to_string(size1));
  }
  if (size1 == 0) return InvalidArgumentError("merkle: consistency proof from size 0");
  if (size1 == size2) {
    if (!proof.empty()) return InvalidArgumentError("merkle: equal sizes need an empty proof");
    if (!HashEqual(root1, root2)) return DataLossError("merkle: equal sizes, different roots");
    return Status::Ok();
  }
  size_t want = ConsistencyProofLength(size1, size2);
  if (proof.size() != want) {
    return InvalidArgumentError("merkle: consistency proof has " +
                                std::to_string(proof.size()) + " hashes, want " +
                                std::to_string(want));
  }
  // RFC 9162 2.1.4.2: a power-of-two old tree is itself a node of the new one.
  std::vector<Hash> path;
  path.reserve(proof.size() + 1);
  if (std::has_single_bit(size1)) path.push_back(root1);
  path.insert(path.end(), proof.begin(), proof.end());
  if (path.empty()) return InvalidArgumentError("merkle: empty consistency proof");

  uint64_t fn = size1 - 1, sn = size2 - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return InvalidArgumentError("merkle: consistency proof too long");
    if ((fn & 1) != 0 || fn == sn) {
      fr = HashChildren(c, fr);
      sr = HashChildren(c, sr);
      ShiftUntilOdd(fn, sn);
    } else {
      sr = HashChildren(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return InvalidArgumentError("merkle: consistency proof too short");
  if (!HashEqual(fr, root1)) return DataLossError("merkle: consistency proof does not match root1");
  if (!HashEqual(sr, root2)) return DataLossError("merkle: consistency proof does not match root2");
  return Status::Ok();
}

uint64_t MemoryTree::Append(std::string_view entry) { return AppendLeafHash(HashLeaf(entry)); }

uint64_t MemoryTree::AppendLeafHash(const Hash& leaf_hash) {
  if (levels_.empty()) levels_.emplace_back();
  uint64_t index = levels_[0].size();
  levels_[0].push_back(leaf_hash);
  // Complete every perfect subtree this leaf closes.
  uint64_t i = index;
  for (size_t level = 0; (i & 1) != 0; ++level, i >>= 1) {
    if (levels_.size() <= level + 1) levels_.emplace_back();
    const auto& row = levels_[level];
    levels_[level + 1].push_back(HashChildren(row[i - 1], row[i]));
  }
  return index;
}

StatusOr<Hash> MemoryTree::RootAt(uint64_t size) const {
  if (size > Size()) {
    return InvalidArgumentError("merkle: size " + std::to_string(size) + " beyond tree size " +
                                std::to_string(Size()));
  }
  return RootHash(size, HashFn());
}

StatusOr<Hash> MemoryTree::SubtreeHash(uint64_t level, uint64_t index) const {
  if (level >= levels_.size() || index >= levels_[level].size()) {
    return OutOfRangeError("merkle: subtree (" + std::to_string(level) + ", " +
                           std::to_string(index) + ") not complete");
  }
  return levels_[level][index];
}

SubtreeHashFn MemoryTree::HashFn() const {
  return [this](uint64_t level, uint64_t index) { return SubtreeHash(level, index); };
}

}  // namespace facetrail::merkle
