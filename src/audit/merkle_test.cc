#include "facetrail/merkle.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "audit/vectors_testutil.h"

namespace facetrail::merkle {
namespace {

std::string Hex(const Hash& h) { return HexEncode(AsStringView(h)); }

Hash FromHex(const std::string& hex) {
  auto raw = HexDecode(hex);
  EXPECT_TRUE(raw.ok()) << hex;
  auto h = HashFromBytes(*raw);
  EXPECT_TRUE(h.ok()) << hex;
  return *h;
}

// An independent, literal transcription of RFC 9162 2.1.1-2.1.4.1 (recursive, over a
// list of leaf hashes), used as the differential reference for the O(log n) generators.
Hash RefMth(const std::vector<Hash>& d, size_t b, size_t e) {
  size_t n = e - b;
  if (n == 0) return EmptyRoot();
  if (n == 1) return d[b];
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  return HashChildren(RefMth(d, b, b + k), RefMth(d, b + k, e));
}

std::vector<Hash> RefPath(size_t m, const std::vector<Hash>& d, size_t b, size_t e) {
  size_t n = e - b;
  if (n <= 1) return {};
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  std::vector<Hash> out;
  if (m < k) {
    out = RefPath(m, d, b, b + k);
    out.push_back(RefMth(d, b + k, e));
  } else {
    out = RefPath(m - k, d, b + k, e);
    out.push_back(RefMth(d, b, b + k));
  }
  return out;
}

std::vector<Hash> RefSubproof(size_t m, const std::vector<Hash>& d, size_t b, size_t e,
                              bool whole) {
  size_t n = e - b;
  if (m == n) {
    if (whole) return {};
    return {RefMth(d, b, e)};
  }
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  std::vector<Hash> out;
  if (m <= k) {
    out = RefSubproof(m, d, b, b + k, whole);
    out.push_back(RefMth(d, b + k, e));
  } else {
    out = RefSubproof(m - k, d, b + k, e, false);
    out.push_back(RefMth(d, b, b + k));
  }
  return out;
}

MemoryTree TreeOf(size_t n, std::vector<Hash>* leaves = nullptr) {
  MemoryTree t;
  for (size_t i = 0; i < n; ++i) {
    uint64_t idx = t.Append("entry " + std::to_string(i));
    if (leaves != nullptr) leaves->push_back(*t.SubtreeHash(0, idx));
  }
  return t;
}

TEST(MerkleHasher, KnownAnswers) {
  EXPECT_EQ(Hex(EmptyRoot()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Hex(HashLeaf("")), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  EXPECT_EQ(Hex(HashLeaf("L123456")),
            "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56");
}

TEST(MerkleHasher, HashFromBytesNeeds32Bytes) {
  EXPECT_FALSE(HashFromBytes(std::string(31, 'a')).ok());
  EXPECT_FALSE(HashFromBytes(std::string(33, 'a')).ok());
  EXPECT_FALSE(HashFromBytes("").ok());
  EXPECT_TRUE(HashFromBytes(std::string(32, 'a')).ok());
}

// Every value of the RFC 6962 / transparency-dev reference tree vector file.
class ReferenceTree : public ::testing::Test {
 protected:
  void SetUp() override {
    auto text = testing::ReadVectorFile("reference_tree_8_leaves.txt");
    if (!text) GTEST_SKIP() << "vectors not found in " << testing::VectorsDir();
    sections_ = testing::Sections(*text);
    for (const auto& row : sections_["leaf_inputs"]) {
      auto raw = HexDecode(row.size() > 1 ? row[1] : "");
      ASSERT_TRUE(raw.ok());
      tree_.Append(*raw);
    }
    ASSERT_EQ(tree_.Size(), 8u);
  }
  static std::vector<Hash> HashesFrom(const std::vector<std::string>& row, size_t first) {
    std::vector<Hash> out;
    for (size_t i = first; i < row.size(); ++i) out.push_back(FromHex(row[i]));
    return out;
  }
  std::map<std::string, std::vector<std::vector<std::string>>> sections_;
  MemoryTree tree_;
};

TEST_F(ReferenceTree, RootHashes) {
  ASSERT_EQ(sections_["root_hashes"].size(), 9u);
  for (const auto& row : sections_["root_hashes"]) {
    uint64_t size = std::stoull(row[0]);
    auto root = tree_.RootAt(size);
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(Hex(*root), row[1]) << "size " << size;
  }
}

TEST_F(ReferenceTree, NodeHashes) {
  ASSERT_EQ(sections_["node_hashes"].size(), 15u);
  for (const auto& row : sections_["node_hashes"]) {
    auto h = tree_.SubtreeHash(std::stoull(row[0]), std::stoull(row[1]));
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(Hex(*h), row[2]) << "level " << row[0] << " index " << row[1];
  }
}

TEST_F(ReferenceTree, InclusionProofs) {
  ASSERT_EQ(sections_["inclusion"].size(), 5u);
  for (const auto& row : sections_["inclusion"]) {
    uint64_t index = std::stoull(row[0]), size = std::stoull(row[1]);
    std::vector<Hash> want = HashesFrom(row, 2);
    auto got = InclusionProof(index, size, tree_.HashFn());
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, want) << index << " " << size;
    EXPECT_EQ(InclusionProofLength(index, size), want.size());
    auto root = tree_.RootAt(size);
    EXPECT_TRUE(VerifyInclusion(*tree_.SubtreeHash(0, index), index, size, want, *root).ok());
  }
}

TEST_F(ReferenceTree, ConsistencyProofs) {
  ASSERT_EQ(sections_["consistency"].size(), 5u);
  for (const auto& row : sections_["consistency"]) {
    uint64_t s1 = std::stoull(row[0]), s2 = std::stoull(row[1]);
    std::vector<Hash> want = HashesFrom(row, 2);
    auto got = ConsistencyProof(s1, s2, tree_.HashFn());
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, want) << s1 << " " << s2;
    EXPECT_TRUE(VerifyConsistency(s1, s2, want, *tree_.RootAt(s1), *tree_.RootAt(s2)).ok());
  }
}

TEST_F(ReferenceTree, EveryProofOfEverySizeVerifies) {
  for (uint64_t size = 1; size <= 8; ++size) {
    Hash root = *tree_.RootAt(size);
    for (uint64_t i = 0; i < size; ++i) {
      auto p = InclusionProof(i, size, tree_.HashFn());
      ASSERT_TRUE(p.ok());
      EXPECT_TRUE(VerifyInclusion(*tree_.SubtreeHash(0, i), i, size, *p, root).ok());
    }
    for (uint64_t s1 = 1; s1 <= size; ++s1) {
      auto p = ConsistencyProof(s1, size, tree_.HashFn());
      ASSERT_TRUE(p.ok());
      EXPECT_TRUE(VerifyConsistency(s1, size, *p, *tree_.RootAt(s1), root).ok());
    }
  }
}

// Differential: the O(log n) generators against the literal RFC recursion, all indices.
TEST(MerkleDifferential, MatchesRfcRecursionUpTo130Leaves) {
  std::vector<Hash> leaves;
  MemoryTree tree = TreeOf(130, &leaves);
  for (size_t n = 0; n <= leaves.size(); ++n) {
    ASSERT_EQ(*tree.RootAt(n), RefMth(leaves, 0, n)) << n;
    for (size_t m = 0; m < n; ++m) {
      auto p = InclusionProof(m, n, tree.HashFn());
      ASSERT_TRUE(p.ok());
      ASSERT_EQ(*p, RefPath(m, leaves, 0, n)) << m << "/" << n;
      ASSERT_EQ(p->size(), InclusionProofLength(m, n));
      ASSERT_TRUE(VerifyInclusion(leaves[m], m, n, *p, *tree.RootAt(n)).ok());
    }
    for (size_t m = 1; m <= n; ++m) {
      auto p = ConsistencyProof(m, n, tree.HashFn());
      ASSERT_TRUE(p.ok());
      ASSERT_EQ(*p, RefSubproof(m, leaves, 0, n, true)) << m << "->" << n;
      if (m < n) {
        ASSERT_EQ(p->size(), ConsistencyProofLength(m, n));
      }
      ASSERT_TRUE(VerifyConsistency(m, n, *p, *tree.RootAt(m), *tree.RootAt(n)).ok());
    }
  }
}

TEST(MerkleEdgeCases, InclusionRejectsMalformedInput) {
  MemoryTree tree = TreeOf(5);
  Hash root = *tree.Root();
  Hash leaf = *tree.SubtreeHash(0, 2);
  auto proof = *InclusionProof(2, 5, tree.HashFn());
  EXPECT_TRUE(VerifyInclusion(leaf, 2, 5, proof, root).ok());
  EXPECT_EQ(VerifyInclusion(leaf, 5, 5, proof, root).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyInclusion(leaf, 0, 0, {}, EmptyRoot()).code(), StatusCode::kInvalidArgument);
  auto longer = proof;
  longer.push_back(root);
  EXPECT_FALSE(VerifyInclusion(leaf, 2, 5, longer, root).ok());
  auto shorter = proof;
  shorter.pop_back();
  EXPECT_FALSE(VerifyInclusion(leaf, 2, 5, shorter, root).ok());
  EXPECT_EQ(VerifyInclusion(leaf, 2, 5, proof, EmptyRoot()).code(), StatusCode::kDataLoss);
  EXPECT_FALSE(InclusionProof(5, 5, tree.HashFn()).ok());
  // A single-leaf tree: empty proof, root is the leaf hash.
  MemoryTree one = TreeOf(1);
  EXPECT_TRUE(VerifyInclusion(*one.SubtreeHash(0, 0), 0, 1, {}, *one.Root()).ok());
  EXPECT_FALSE(VerifyInclusion(*one.SubtreeHash(0, 0), 0, 1, std::vector<Hash>{root}, *one.Root()).ok());
}

TEST(MerkleEdgeCases, ConsistencyRejectsMalformedInput) {
  MemoryTree tree = TreeOf(7);
  Hash r3 = *tree.RootAt(3), r7 = *tree.RootAt(7);
  auto proof = *ConsistencyProof(3, 7, tree.HashFn());
  EXPECT_TRUE(VerifyConsistency(3, 7, proof, r3, r7).ok());
  EXPECT_EQ(VerifyConsistency(7, 3, proof, r7, r3).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyConsistency(0, 7, proof, EmptyRoot(), r7).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyConsistency(0, 0, {}, EmptyRoot(), EmptyRoot()).code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(VerifyConsistency(7, 7, {}, r7, r7).ok());
  EXPECT_EQ(VerifyConsistency(7, 7, {}, r7, r3).code(), StatusCode::kDataLoss);
  EXPECT_EQ(VerifyConsistency(7, 7, proof, r7, r7).code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(VerifyConsistency(3, 7, {}, r3, r7).ok());
  auto longer = proof;
  longer.push_back(r3);
  EXPECT_FALSE(VerifyConsistency(3, 7, longer, r3, r7).ok());
  auto shorter = proof;
  shorter.pop_back();
  EXPECT_FALSE(VerifyConsistency(3, 7, shorter, r3, r7).ok());
  EXPECT_FALSE(ConsistencyProof(0, 7, tree.HashFn()).ok());
  EXPECT_FALSE(ConsistencyProof(8, 7, tree.HashFn()).ok());
  EXPECT_TRUE(ConsistencyProof(7, 7, tree.HashFn())->empty());
}

Hash FlipBit(Hash h, size_t bit) {
  h[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  return h;
}

// Property: a generated proof verifies, and flipping any single bit of any proof hash, of
// the root or of the leaf, or of the index, makes it fail. (Sizes are not mutated: a proof
// binds the size only through the directions it implies, and some neighbouring sizes imply
// the same directions; the size is authenticated by the signed checkpoint instead.)
TEST(MerkleProperty, InclusionSingleBitMutationsFail) {
  std::mt19937_64 rng(20261127);
  MemoryTree tree = TreeOf(3000);
  for (int trial = 0; trial < 60; ++trial) {
    uint64_t size = 1 + rng() % tree.Size();
    uint64_t index = rng() % size;
    Hash root = *tree.RootAt(size);
    Hash leaf = *tree.SubtreeHash(0, index);
    auto proof = *InclusionProof(index, size, tree.HashFn());
    ASSERT_TRUE(VerifyInclusion(leaf, index, size, proof, root).ok());
    for (size_t i = 0; i < proof.size(); ++i) {
      for (size_t bit = 0; bit < 256; bit += 7) {
        auto bad = proof;
        bad[i] = FlipBit(bad[i], bit);
        ASSERT_FALSE(VerifyInclusion(leaf, index, size, bad, root).ok()) << i << " " << bit;
      }
    }
    for (size_t bit = 0; bit < 256; ++bit) {
      ASSERT_FALSE(VerifyInclusion(leaf, index, size, proof, FlipBit(root, bit)).ok());
      ASSERT_FALSE(VerifyInclusion(FlipBit(leaf, bit), index, size, proof, root).ok());
    }
    for (int bit = 0; bit < 64; ++bit) {
      uint64_t i2 = index ^ (uint64_t{1} << bit);
      ASSERT_FALSE(VerifyInclusion(leaf, i2, size, proof, root).ok()) << "index bit " << bit;
    }
  }
}

TEST(MerkleProperty, ConsistencySingleBitMutationsFail) {
  std::mt19937_64 rng(4242);
  MemoryTree tree = TreeOf(3000);
  for (int trial = 0; trial < 60; ++trial) {
    uint64_t s2 = 2 + rng() % (tree.Size() - 1);
    uint64_t s1 = 1 + rng() % (s2 - 1);
    Hash r1 = *tree.RootAt(s1), r2 = *tree.RootAt(s2);
    auto proof = *ConsistencyProof(s1, s2, tree.HashFn());
    ASSERT_TRUE(VerifyConsistency(s1, s2, proof, r1, r2).ok());
    for (size_t i = 0; i < proof.size(); ++i) {
      for (size_t bit = 0; bit < 256; bit += 7) {
        auto bad = proof;
        bad[i] = FlipBit(bad[i], bit);
        ASSERT_FALSE(VerifyConsistency(s1, s2, bad, r1, r2).ok()) << i << " " << bit;
      }
    }
    for (size_t bit = 0; bit < 256; ++bit) {
      ASSERT_FALSE(VerifyConsistency(s1, s2, proof, FlipBit(r1, bit), r2).ok());
      ASSERT_FALSE(VerifyConsistency(s1, s2, proof, r1, FlipBit(r2, bit)).ok());
    }
  }
}

// The generators touch O(log n) subtrees, whatever the size: counted, not timed.
TEST(MerkleScale, ProofsUseLogarithmicSubtreeLookups) {
  int calls = 0;
  SubtreeHashFn fn = [&calls](uint64_t level, uint64_t index) -> StatusOr<Hash> {
    ++calls;
    // Any deterministic function works: only the call count is measured here.
    return Sha256(std::to_string(level) + "/" + std::to_string(index));
  };
  std::mt19937_64 rng(7);
  for (int t = 0; t < 200; ++t) {
    uint64_t size = 1 + rng() % (uint64_t{1} << 40);
    uint64_t idx = rng() % size;
    calls = 0;
    ASSERT_TRUE(InclusionProof(idx, size, fn).ok());
    EXPECT_LE(calls, 2 * 41);
    calls = 0;
    ASSERT_TRUE(ConsistencyProof(1 + idx, size, fn).ok());
    EXPECT_LE(calls, 3 * 41);
    calls = 0;
    ASSERT_TRUE(RootHash(size, fn).ok());
    EXPECT_LE(calls, 41);
  }
}

TEST(MerkleScale, LookupErrorsPropagate) {
  SubtreeHashFn fn = [](uint64_t, uint64_t) -> StatusOr<Hash> { return IOError("disk gone"); };
  EXPECT_EQ(InclusionProof(3, 10, fn).status().code(), StatusCode::kIOError);
  EXPECT_EQ(ConsistencyProof(3, 10, fn).status().code(), StatusCode::kIOError);
  EXPECT_EQ(RootHash(10, fn).status().code(), StatusCode::kIOError);
  EXPECT_EQ(*RootHash(0, fn), EmptyRoot());
}

TEST(MemoryTree, SubtreeOutOfRange) {
  MemoryTree tree = TreeOf(5);
  EXPECT_TRUE(tree.SubtreeHash(2, 0).ok());
  EXPECT_EQ(tree.SubtreeHash(2, 1).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(tree.SubtreeHash(0, 5).status().code(), StatusCode::kOutOfRange);
  EXPECT_FALSE(tree.RootAt(6).ok());
}

}  // namespace
}  // namespace facetrail::merkle
