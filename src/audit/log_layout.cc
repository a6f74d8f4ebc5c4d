#include "audit/log_layout.h"

namespace facetrail::logstore {

std::string LevelFileName(int level) { return std::string(kTreeDir) + "/" + std::to_string(level); }

void Frontier::Push(const merkle::Hash& leaf, const EmitFn& emit) {
  ++size_;
  nodes_.push_back(Node{0, leaf});
  if (emit) emit(0, size_ - 1, leaf);
  // Two trailing subtrees of equal height merge into their parent (binary carry).
  while (nodes_.size() >= 2 && nodes_[nodes_.size() - 2].level == nodes_.back().level) {
    Node right = nodes_.back();
    nodes_.pop_back();
    Node& left = nodes_.back();
    left.hash = merkle::HashChildren(left.hash, right.hash);
    left.level += 1;
    if (emit) emit(left.level, (size_ >> left.level) - 1, left.hash);
  }
}

merkle::Hash Frontier::Root() const {
  if (nodes_.empty()) return merkle::EmptyRoot();
  merkle::Hash r = nodes_.back().hash;
  for (size_t i = nodes_.size() - 1; i-- > 0;) r = merkle::HashChildren(nodes_[i].hash, r);
  return r;
}

StatusOr<Frontier> Frontier::Load(uint64_t size, const merkle::SubtreeHashFn& fn) {
  Frontier f;
  uint64_t start = 0;
  for (int level = kMaxLevels - 1; level >= 0; --level) {
    if ((size >> level) & 1) {
      FT_ASSIGN_OR_RETURN(merkle::Hash h, fn(static_cast<uint64_t>(level), start >> level));
      f.nodes_.push_back(Node{level, h});
      start += uint64_t{1} << level;
    }
  }
  f.size_ = size;
  return f;
}

}  // namespace facetrail::logstore
