// LogMirror: fetch, verify and commit (see log_mirror.h for the contract).
#include "audit/log_mirror.h"

#include <array>
#include <map>
#include <utility>

#include "audit/log_tiles.h"
#include "facetrail/encoding.h"

namespace facetrail::auditor {

using logstore::TilePath;
using merkle::Hash;

namespace {

constexpr size_t kHashBytes = 32;
constexpr size_t kMaxTileBodyBytes = logstore::kTileWidth * kHashBytes;
const char* const kCheckpointPath = "checkpoint";

std::string B64(const Hash& h) { return Base64Encode(AsStringView(h)); }

// The rightmost hashes a mirrored partial tile holds must be the prefix of the same tile
// fetched at a larger size; otherwise the log's history was rewritten.
Status CheckOverlap(const std::string& path, const std::vector<Hash>& mirrored,
                    const std::vector<Hash>& fetched) {
  for (size_t i = 0; i < mirrored.size() && i < fetched.size(); ++i) {
    if (!ConstantTimeEquals(AsStringView(mirrored[i]), AsStringView(fetched[i]))) {
      return DataLossError("history rewritten: " + path + " hash " + std::to_string(i) +
                           " differs from the one already mirrored");
    }
  }
  return Status::Ok();
}

}  // namespace

bool IsVerificationFailure(const Status& s) {
  return s.code() == StatusCode::kDataLoss || s.code() == StatusCode::kUnauthenticated;
}

// State of one Fetch: files written (moved to evidence if the fetch is refused), the
// node's checkpoint once its signature verified.
struct LogMirror::Run {
  std::vector<std::string> written;
  bool fetched_signed = false;
};

LogMirror::LogMirror(std::unique_ptr<MirrorStore> store, const note::Verifier* log_key,
                     MirrorOptions options)
    : store_(std::move(store)), log_key_(log_key), options_(options) {}

LogMirror::~LogMirror() = default;

StatusOr<std::unique_ptr<LogMirror>> LogMirror::Open(Env* env, const std::string& dir,
                                                     const note::Verifier* log_key,
                                                     MirrorOptions options) {
  if (log_key == nullptr) return InvalidArgumentError("a log verifier key is required");
  std::unique_ptr<MirrorStore> store;
  if (dir.empty()) {
    store = NewMemoryMirrorStore();
  } else {
    FT_ASSIGN_OR_RETURN(store, OpenDirMirrorStore(env != nullptr ? env : Env::Default(), dir));
  }
  std::unique_ptr<LogMirror> m(new LogMirror(std::move(store), log_key, options));
  FT_RETURN_IF_ERROR(m->Load());
  return m;
}

Status LogMirror::Load() {
  if (!store_->Exists(kCheckpointPath)) return Status::Ok();
  const std::string where = store_->Describe(kCheckpointPath);
  FT_ASSIGN_OR_RETURN(std::string note, store_->Read(kCheckpointPath, options_.max_checkpoint_bytes));
  std::array<const note::Verifier*, 1> keys{log_key_};
  auto opened = checkpoint::OpenSigned(note, keys);
  if (!opened.ok()) {
    // A mirror made for another log is a usage error, not evidence against this one.
    return FailedPreconditionError(where + " does not verify under the log key " + log_key_->name() +
                                   " (a mirror of another log?): " + opened.status().message());
  }
  checkpoint_ = opened->checkpoint;
  note_ = std::move(note);
  auto root = merkle::RootHash(checkpoint_.size, HashFnAt(checkpoint_.size));
  if (!root.ok()) {
    return DataLossError("mirror " + store_->Describe("") + " is damaged: " + root.status().message());
  }
  if (*root != checkpoint_.root) {
    return DataLossError("mirror " + store_->Describe("") + " is damaged: its tiles give root " +
                         B64(*root) + " at size " + std::to_string(checkpoint_.size) +
                         ", its checkpoint says " + B64(checkpoint_.root));
  }
  return Status::Ok();
}

StatusOr<std::vector<Hash>> LogMirror::HashTile(int level, uint64_t index, uint64_t tree_size) {
  FT_ASSIGN_OR_RETURN(TilePath t, logstore::HashTileAt(level, index, tree_size));
  const std::string path = logstore::FormatTilePath(t);
  for (const auto& [p, hashes] : tile_cache_) {
    if (p == path) return hashes;
  }
  FT_ASSIGN_OR_RETURN(std::string body, store_->Read(path, kMaxTileBodyBytes));
  auto hashes = logstore::ParseHashTile(body, t.width);
  if (!hashes.ok()) return DataLossError(store_->Describe(path) + ": " + hashes.status().message());
  if (tile_cache_.size() >= 16) tile_cache_.erase(tile_cache_.begin());
  tile_cache_.emplace_back(path, *hashes);
  return std::move(*hashes);
}

StatusOr<Hash> LogMirror::SubtreeHash(uint64_t tree_size, uint64_t height, uint64_t index) {
  const int level = static_cast<int>(height / logstore::kTileHeight);
  const uint64_t rest = height % logstore::kTileHeight;
  if (level > logstore::kMaxTileLevel) return OutOfRangeError("subtree too high");
  // 2^rest consecutive hashes of tile level `level`, all inside one tile (2^rest divides 256).
  const uint64_t first = index << rest;
  const uint64_t count = uint64_t{1} << rest;
  FT_ASSIGN_OR_RETURN(std::vector<Hash> tile,
                      HashTile(level, first / logstore::kTileWidth, tree_size));
  const uint64_t off = first % logstore::kTileWidth;
  if (off + count > tile.size()) {
    return OutOfRangeError("subtree " + std::to_string(height) + "/" + std::to_string(index) +
                           " is not complete at size " + std::to_string(tree_size));
  }
  std::vector<Hash> layer(tile.begin() + static_cast<std::ptrdiff_t>(off),
                          tile.begin() + static_cast<std::ptrdiff_t>(off + count));
  while (layer.size() > 1) {
    for (size_t i = 0; i < layer.size() / 2; ++i) layer[i] = merkle::HashChildren(layer[2 * i], layer[2 * i + 1]);
    layer.resize(layer.size() / 2);
  }
  return layer[0];
}

merkle::SubtreeHashFn LogMirror::HashFnAt(uint64_t tree_size) {
  return [this, tree_size](uint64_t height, uint64_t index) { return SubtreeHash(tree_size, height, index); };
}

StatusOr<Hash> LogMirror::RootAt(uint64_t size) {
  if (size > checkpoint_.size) {
    return OutOfRangeError("size " + std::to_string(size) + " is beyond the mirrored size " +
                           std::to_string(checkpoint_.size));
  }
  return merkle::RootHash(size, HashFnAt(checkpoint_.size));
}

StatusOr<std::vector<Hash>> LogMirror::ConsistencyProof(uint64_t size1, uint64_t size2) {
  if (size2 > checkpoint_.size) return OutOfRangeError("size2 is beyond the mirrored size");
  return merkle::ConsistencyProof(size1, size2, HashFnAt(checkpoint_.size));
}

StatusOr<FetchReport> LogMirror::Fetch(Fetcher& node) {
  tile_cache_.clear();
  FetchReport r;
  r.previous_size = checkpoint_.size;
  r.previous_root = checkpoint_.root;
  r.previous_note = note_;
  r.origin = checkpoint_.origin;
  Run run;
  Status s = DoFetch(node, run, &r);
  tile_cache_.clear();
  if (s.ok()) return r;
  if (!IsVerificationFailure(s)) {
    // Not a verdict on the log: drop what this run wrote (it is beyond the committed size).
    for (const std::string& p : run.written) store_->Remove(p).IgnoreError();
    return s;
  }
  r.verification = s;
  if (run.fetched_signed) FT_RETURN_IF_ERROR(KeepEvidence(run, &r));
  return r;
}

Status LogMirror::KeepEvidence(Run& run, FetchReport* r) {
  if (store_->in_memory()) return Status::Ok();  // the report carries both notes
  std::string dir;
  for (int n = 1;; ++n) {
    dir = "evidence/" + std::to_string(n);
    if (!store_->Exists(dir)) break;
    if (n > 100000) return ResourceExhaustedError("too many evidence directories");
  }
  FT_RETURN_IF_ERROR(store_->Write(dir + "/reason", r->verification.ToString() + "\n"));
  if (!r->previous_note.empty()) FT_RETURN_IF_ERROR(store_->Write(dir + "/mirrored-checkpoint", r->previous_note));
  FT_RETURN_IF_ERROR(store_->Write(dir + "/fetched-checkpoint", r->note));
  for (const std::string& p : run.written) FT_RETURN_IF_ERROR(store_->Move(p, dir + "/" + p));
  run.written.clear();
  r->evidence = store_->Describe(dir);
  return Status::Ok();
}

Status LogMirror::DoFetch(Fetcher& node, Run& run, FetchReport* r) {
  FT_ASSIGN_OR_RETURN(std::string note, node.Get(kCheckpointPath, options_.max_checkpoint_bytes));
  r->bytes_fetched += note.size();
  std::array<const note::Verifier*, 1> keys{log_key_};
  auto opened = checkpoint::OpenSigned(note, keys);
  if (!opened.ok()) {
    // Malformed or unsigned: either way the node's checkpoint is refused.
    return Status(opened.status().code() == StatusCode::kUnauthenticated ? StatusCode::kUnauthenticated
                                                                          : StatusCode::kDataLoss,
                  node.UrlOf(kCheckpointPath) + " does not verify under the log key " +
                      log_key_->name() + ": " + opened.status().message());
  }
  const checkpoint::Checkpoint c = opened->checkpoint;
  run.fetched_signed = true;
  r->note = note;
  r->size = c.size;
  r->root = c.root;
  if (!checkpoint_.origin.empty() && c.origin != checkpoint_.origin) {
    return DataLossError("the node's checkpoint has origin '" + c.origin + "', the mirror's is '" +
                         checkpoint_.origin + "'");
  }
  r->origin = c.origin;
  if (c.size > options_.max_log_size) {
    return ResourceExhaustedError("the log has " + std::to_string(c.size) +
                                  " entries, over the mirror's limit of " +
                                  std::to_string(options_.max_log_size));
  }
  const uint64_t m = checkpoint_.size;
  const uint64_t n = c.size;
  if (n < m) {
    return DataLossError("rollback: the node's checkpoint has size " + std::to_string(n) +
                         ", smaller than the mirrored size " + std::to_string(m));
  }
  if (n == m) {
    if (c.root != checkpoint_.root) {
      return DataLossError("split view: the node's checkpoint of size " + std::to_string(n) + " has root " +
                           B64(c.root) + ", the mirrored one " + B64(checkpoint_.root));
    }
    return Status::Ok();  // nothing new; the mirror keeps its note
  }

  // Every new tile, level by level (each entry bundle with its level-0 tile); then the
  // leaves are streamed and checked against the upper levels held in `upper`.
  std::map<std::pair<int, uint64_t>, std::vector<Hash>> upper;
  for (int level = 0; level <= logstore::kMaxTileLevel; ++level) {
    const uint64_t old_hashes = m >> (level * logstore::kTileHeight);
    if ((n >> (level * logstore::kTileHeight)) == old_hashes) break;  // no new hash here or above
    const uint64_t first_tile = old_hashes / logstore::kTileWidth;
    for (uint64_t k = first_tile; k < logstore::TileCountAt(level, n); ++k) {
      FT_ASSIGN_OR_RETURN(TilePath t, logstore::HashTileAt(level, k, n));
      const std::string path = logstore::FormatTilePath(t);
      FT_ASSIGN_OR_RETURN(std::string body, node.Get(path, kMaxTileBodyBytes));
      r->bytes_fetched += body.size();
      ++r->hash_tiles_fetched;
      auto hashes = logstore::ParseHashTile(body, t.width);
      if (!hashes.ok()) return DataLossError(node.UrlOf(path) + ": " + hashes.status().message());
      if (k == first_tile && old_hashes % logstore::kTileWidth != 0) {
        FT_ASSIGN_OR_RETURN(std::vector<Hash> mirrored, HashTile(level, k, m));
        FT_RETURN_IF_ERROR(CheckOverlap(path, mirrored, *hashes));
      }
      if (level == 0) {
        if (options_.fetch_entries) {
          FT_ASSIGN_OR_RETURN(TilePath bt, logstore::EntryBundleAt(k, n));
          const std::string bpath = logstore::FormatTilePath(bt);
          FT_ASSIGN_OR_RETURN(std::string bundle,
                              node.Get(bpath, bt.width * (2 + options_.max_entry_bytes)));
          r->bytes_fetched += bundle.size();
          ++r->entry_bundles_fetched;
          auto entries = logstore::ParseEntryBundle(bundle, bt.width, options_.max_entry_bytes);
          if (!entries.ok()) return DataLossError(node.UrlOf(bpath) + ": " + entries.status().message());
          for (uint64_t i = 0; i < bt.width; ++i) {
            const uint64_t index = k * logstore::kTileWidth + i;
            if (merkle::HashLeaf((*entries)[i]) != (*hashes)[i]) {
              return DataLossError("entry " + std::to_string(index) + " in " + node.UrlOf(bpath) +
                                   " does not hash to its leaf in " + path);
            }
            if (index >= m) ++r->entries_verified;
          }
          if (!store_->in_memory()) {
            FT_RETURN_IF_ERROR(store_->Write(bpath, bundle));
            run.written.push_back(bpath);
          }
        }
      }
      FT_RETURN_IF_ERROR(store_->Write(path, body));
      run.written.push_back(path);
      if (level > 0) upper[{level, k}] = std::move(*hashes);
    }
  }

  // The mirrored tree at m as its compact range (perfect subtrees, left to right), then
  // every new leaf appended: a merge that completes a subtree of height 8L must give the
  // hash the fetched level-L tile holds for it.
  std::vector<std::pair<uint64_t, Hash>> range;
  {
    uint64_t offset = 0;
    for (int h = 63; h >= 0; --h) {
      if (((m >> h) & 1) == 0) continue;
      FT_ASSIGN_OR_RETURN(Hash hh, SubtreeHash(m, static_cast<uint64_t>(h), offset >> h));
      range.emplace_back(static_cast<uint64_t>(h), hh);
      offset += uint64_t{1} << h;
    }
  }
  tile_cache_.clear();
  for (uint64_t k = m / logstore::kTileWidth; k < logstore::TileCountAt(0, n); ++k) {
    FT_ASSIGN_OR_RETURN(std::vector<Hash> leaves, HashTile(0, k, n));
    for (uint64_t i = 0; i < leaves.size(); ++i) {
      const uint64_t index = k * logstore::kTileWidth + i;
      if (index < m) continue;
      range.emplace_back(0, leaves[i]);
      while (range.size() >= 2 && range[range.size() - 2].first == range.back().first) {
        const uint64_t height = range.back().first + 1;
        Hash merged = merkle::HashChildren(range[range.size() - 2].second, range.back().second);
        range.pop_back();
        range.back() = {height, merged};
        if (height % logstore::kTileHeight != 0) continue;
        const int level = static_cast<int>(height / logstore::kTileHeight);
        const uint64_t node_index = index >> height;
        auto it = upper.find({level, node_index / logstore::kTileWidth});
        if (it == upper.end() || it->second.size() <= node_index % logstore::kTileWidth) {
          return InternalError("tile for level " + std::to_string(level) + " node " +
                               std::to_string(node_index) + " was not fetched");
        }
        if (it->second[node_index % logstore::kTileWidth] != merged) {
          FT_ASSIGN_OR_RETURN(TilePath t, logstore::HashTileAt(level, node_index / logstore::kTileWidth, n));
          return DataLossError(node.UrlOf(logstore::FormatTilePath(t)) + ": hash " +
                               std::to_string(node_index % logstore::kTileWidth) +
                               " differs from the one recomputed from the level below");
        }
      }
    }
  }
  Hash root = range.empty() ? merkle::EmptyRoot() : range.back().second;
  for (size_t i = range.size(); i-- > 1;) root = merkle::HashChildren(range[i - 1].second, root);
  if (root != c.root) {
    std::string msg = "the tiles give root " + B64(root) + " at size " + std::to_string(n) +
                      ", the node's signed checkpoint says " + B64(c.root);
    if (m > 0) {
      msg += ": the node's log does not extend the mirrored checkpoint of size " + std::to_string(m) +
             " (history rewritten) or it served tiles inconsistent with its own checkpoint";
    }
    return DataLossError(msg);
  }
  if (m > 0) {
    // The standard proof too, from the now-verified tiles (a second, independent check of
    // the same fact, and what a third party would be shown).
    FT_ASSIGN_OR_RETURN(std::vector<Hash> proof, merkle::ConsistencyProof(m, n, HashFnAt(n)));
    Status ok = merkle::VerifyConsistency(m, n, proof, checkpoint_.root, c.root);
    if (!ok.ok()) return DataLossError("consistency proof " + std::to_string(m) + " -> " + std::to_string(n) + ": " + ok.message());
    r->consistency_verified = true;
    r->consistency_proof_hashes = proof.size();
  }

  // Commit, then drop partial tiles the new size superseded (harmless if left behind).
  FT_RETURN_IF_ERROR(store_->Replace(kCheckpointPath, note));
  run.written.clear();
  for (int level = 0; level <= logstore::kMaxTileLevel; ++level) {
    const uint64_t old_hashes = m >> (level * logstore::kTileHeight);
    if (old_hashes % logstore::kTileWidth == 0) continue;
    auto old_tile = logstore::HashTileAt(level, old_hashes / logstore::kTileWidth, m);
    if (!old_tile.ok()) continue;
    auto new_tile = logstore::HashTileAt(level, old_tile->index, n);
    if (!new_tile.ok() || new_tile->width == old_tile->width) continue;
    store_->Remove(logstore::FormatTilePath(*old_tile)).IgnoreError();
    if (level == 0) {
      TilePath b = *old_tile;
      b.kind = TilePath::Kind::kEntryBundle;
      store_->Remove(logstore::FormatTilePath(b)).IgnoreError();
    }
  }
  checkpoint_ = c;
  note_ = note;
  return Status::Ok();
}

}  // namespace facetrail::auditor
