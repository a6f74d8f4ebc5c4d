// LogStore: reads for auditors (entries, roots, proofs, tlog-tiles), all below the
// published size, so they never see a half-written batch.
#include "audit/log_record.h"
#include "audit/log_store_impl.h"
#include "audit/log_tiles.h"
#include "audit/log_verify.h"

namespace facetrail::logstore {

uint64_t LogStoreImpl::Size() const {
  MutexLock l(&mu_);
  return size_;
}

SignedCheckpoint LogStoreImpl::LatestCheckpoint() const {
  MutexLock l(&mu_);
  return latest_;
}

StatusOr<const RandomAccessFile*> LogStoreImpl::LevelReader(int level) const {
  if (level < 0 || level >= kMaxLevels) return OutOfRangeError("tree level out of range");
  MutexLock l(&readers_mu_);
  if (!level_readers_[level]) {
    FT_ASSIGN_OR_RETURN(level_readers_[level],
                        env_->NewRandomAccessFile(Path(LevelFileName(level))));
  }
  return level_readers_[level].get();
}

merkle::SubtreeHashFn LogStoreImpl::HashFn() const {
  return [this](uint64_t level, uint64_t index) -> StatusOr<merkle::Hash> {
    if (level >= static_cast<uint64_t>(kMaxLevels) || index > UINT64_MAX / kHashSize) {
      return OutOfRangeError("subtree out of range");
    }
    FT_ASSIGN_OR_RETURN(const RandomAccessFile* f, LevelReader(static_cast<int>(level)));
    std::string bytes;
    FT_RETURN_IF_ERROR(f->Read(index * kHashSize, kHashSize, &bytes));
    return merkle::HashFromBytes(bytes);
  };
}

StatusOr<merkle::Hash> LogStoreImpl::SubtreeHash(uint64_t level, uint64_t index) const {
  const uint64_t size = Size();
  if (level >= 64 || index >= (size >> level)) {
    return OutOfRangeError("subtree (" + std::to_string(level) + ", " + std::to_string(index) +
                           ") is not complete in a tree of size " + std::to_string(size));
  }
  return HashFn()(level, index);
}

StatusOr<uint64_t> LogStoreImpl::EntryEndOffset(uint64_t index) const {
  std::string bytes;
  FT_RETURN_IF_ERROR(index_reader_->Read(index * 8, 8, &bytes));
  return GetU64BE(bytes.data());
}

StatusOr<std::string> LogStoreImpl::Entry(uint64_t index) const {
  FT_ASSIGN_OR_RETURN(std::string bundle, ReadEntryBundle(index, 1));
  return bundle.substr(2);
}

// Entries [first, first + count) as a tlog-tiles bundle (u16be length || entry, repeated).
StatusOr<std::string> LogStoreImpl::ReadEntryBundle(uint64_t first, uint64_t count) const {
  const uint64_t size = Size();
  if (count == 0 || first >= size || count > size - first) {
    return OutOfRangeError("entries [" + std::to_string(first) + ", +" + std::to_string(count) +
                           ") are not all in a log of size " + std::to_string(size));
  }
  uint64_t start = 0;
  if (first > 0) {
    FT_ASSIGN_OR_RETURN(start, EntryEndOffset(first - 1));
  }
  FT_ASSIGN_OR_RETURN(uint64_t end, EntryEndOffset(first + count - 1));
  if (end < start || end - start > count * (kRecordHeaderSize + kMaxLogEntryBytes)) {
    return DataLossError(Path(kIndexFile) + ": offsets for entries " + std::to_string(first) +
                         ".." + std::to_string(first + count - 1) + " are inconsistent");
  }
  std::string raw;
  FT_RETURN_IF_ERROR(entries_reader_->Read(start, end - start, &raw));
  std::string out;
  out.reserve(raw.size());
  std::string_view rest = raw;
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view data;
    size_t consumed = 0;
    if (DecodeRecord(rest, kMaxLogEntryBytes, &data, &consumed) != RecordResult::kOk) {
      return DataLossError(Path(kEntriesFile) + ": entry " + std::to_string(first + i) +
                           " at offset " + std::to_string(end - rest.size()) + " is corrupt");
    }
    out.push_back(static_cast<char>(data.size() >> 8));
    out.push_back(static_cast<char>(data.size() & 0xff));
    out.append(data);
    rest.remove_prefix(consumed);
  }
  if (!rest.empty()) {
    return DataLossError(Path(kIndexFile) + ": offset of entry " +
                         std::to_string(first + count - 1) + " does not end a record");
  }
  return out;
}

StatusOr<merkle::Hash> LogStoreImpl::RootHash(uint64_t size) const {
  if (size > Size()) {
    return OutOfRangeError("size " + std::to_string(size) + " exceeds the log size " +
                           std::to_string(Size()));
  }
  return merkle::RootHash(size, HashFn());
}

StatusOr<std::vector<merkle::Hash>> LogStoreImpl::InclusionProof(uint64_t index,
                                                                 uint64_t size) const {
  if (size > Size()) {
    return OutOfRangeError("size " + std::to_string(size) + " exceeds the log size " +
                           std::to_string(Size()));
  }
  return merkle::InclusionProof(index, size, HashFn());
}

StatusOr<std::vector<merkle::Hash>> LogStoreImpl::ConsistencyProof(uint64_t size1,
                                                                   uint64_t size2) const {
  if (size2 > Size()) {
    return OutOfRangeError("size " + std::to_string(size2) + " exceeds the log size " +
                           std::to_string(Size()));
  }
  return merkle::ConsistencyProof(size1, size2, HashFn());
}

StatusOr<std::string> LogStoreImpl::ReadTilesPath(std::string_view path) const {
  FT_ASSIGN_OR_RETURN(TilePath t, ParseTilePath(path));
  if (t.kind == TilePath::Kind::kCheckpoint) return LatestCheckpoint().note;
  const uint64_t size = Size();
  const uint64_t first = t.index * kTileWidth;
  if (t.kind == TilePath::Kind::kEntryBundle) {
    if (first >= size || t.width > size - first) {
      return NotFoundError("no entry bundle " + std::string(path) + " in a log of size " +
                           std::to_string(size));
    }
    return ReadEntryBundle(first, t.width);
  }
  const int level = t.level * kTileHeight;
  const uint64_t have = size >> level;
  if (first >= have || t.width > have - first) {
    return NotFoundError("no hash tile " + std::string(path) + " in a log of size " +
                         std::to_string(size));
  }
  FT_ASSIGN_OR_RETURN(const RandomAccessFile* f, LevelReader(level));
  std::string out;
  FT_RETURN_IF_ERROR(f->Read(first * kHashSize, t.width * kHashSize, &out));
  return out;
}

Status LogStoreImpl::Verify() const {
  // One snapshot of size and checkpoint: read apart, a checkpoint signed in between could
  // cover entries beyond the size and fail the check spuriously.
  uint64_t size;
  std::string note;
  {
    MutexLock l(&mu_);
    size = size_;
    note = latest_.note;
  }
  // The directory lock is ours, so run the directory check without taking it again.
  return VerifyOpenLog(env_, dir_, *options_.verifier, size, note).status();
}

}  // namespace facetrail::logstore
