// Fuzzes Merkle proof verification with attacker-chosen sizes, indices, proofs and roots
// against a real 300-leaf tree: no crash, no acceptance of anything but the true proof.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "facetrail/merkle.h"

namespace {

const facetrail::merkle::MemoryTree& Tree() {
  static auto* t = [] {
    auto* tree = new facetrail::merkle::MemoryTree();
    for (int i = 0; i < 300; ++i) tree->Append("leaf " + std::to_string(i));
    return tree;
  }();
  return *t;
}

uint64_t Take64(const uint8_t*& p, size_t& n) {
  uint64_t v = 0;
  for (int i = 0; i < 8 && n > 0; ++i, ++p, --n) v = (v << 8) | *p;
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace facetrail::merkle;
  const MemoryTree& tree = Tree();
  uint8_t mode = size > 0 ? data[0] : 0;
  if (size > 0) ++data, --size;
  uint64_t a = Take64(data, size), b = Take64(data, size);
  std::vector<Hash> proof;
  while (size >= 32 && proof.size() < 70) {
    Hash h;
    std::memcpy(h.data(), data, 32);
    proof.push_back(h);
    data += 32;
    size -= 32;
  }
  // Small sizes land inside the real tree so honest proofs are reachable.
  uint64_t sa = (mode & 2) ? a : a % (tree.Size() + 1);
  uint64_t sb = (mode & 4) ? b : b % (tree.Size() + 1);
  if (mode & 1) {
    if (sb == 0 || sb > tree.Size() || sa >= sb) {
      (void)VerifyInclusion(Hash{}, sa, sb, proof, Hash{});
      return 0;
    }
    Hash leaf = *tree.SubtreeHash(0, sa);
    Hash root = *tree.RootAt(sb);
    auto honest = *InclusionProof(sa, sb, tree.HashFn());
    bool ok = VerifyInclusion(leaf, sa, sb, proof, root).ok();
    if (ok != (proof == honest)) std::abort();
    if (!VerifyInclusion(leaf, sa, sb, honest, root).ok()) std::abort();
  } else {
    if (sa == 0 || sb > tree.Size() || sa > sb) {
      (void)VerifyConsistency(sa, sb, proof, Hash{}, Hash{});
      return 0;
    }
    Hash r1 = *tree.RootAt(sa), r2 = *tree.RootAt(sb);
    auto honest = *ConsistencyProof(sa, sb, tree.HashFn());
    bool ok = VerifyConsistency(sa, sb, proof, r1, r2).ok();
    if (ok != (proof == honest)) std::abort();
    if (!VerifyConsistency(sa, sb, honest, r1, r2).ok()) std::abort();
  }
  return 0;
}
