// Full verification of a log directory: recompute the tree from entries.log and hold every
// stored byte against it (docs/log-format.md lists the files).
#include "audit/log_verify.h"

#include <algorithm>

#include "audit/log_layout.h"
#include "audit/log_record.h"
#include "facetrail/checkpoint.h"

namespace facetrail {
namespace logstore {
namespace {

constexpr size_t kMaxProblems = 16;

class Problems {
 public:
  void Add(std::string p) {
    ++count_;
    if (list_.size() < kMaxProblems) list_.push_back(std::move(p));
  }
  bool empty() const { return count_ == 0; }
  Status ToStatus() const {
    std::string msg;
    for (const auto& p : list_) msg += (msg.empty() ? "" : "; ") + p;
    if (count_ > list_.size()) msg += "; (" + std::to_string(count_ - list_.size()) + " more)";
    return DataLossError(msg);
  }

 private:
  size_t count_ = 0;
  std::vector<std::string> list_;
};

// Sequential chunked reads from a file that may be missing or short.
class SeqReader {
 public:
  SeqReader(Env* env, std::string path) : path_(std::move(path)) {
    if (env->FileExists(path_)) {
      auto size = env->GetFileSize(path_);
      auto file = env->NewRandomAccessFile(path_);
      if (size.ok() && file.ok()) {
        size_ = *size;
        file_ = std::move(*file);
      }
    }
  }
  bool exists() const { return file_ != nullptr; }
  uint64_t size() const { return size_; }
  uint64_t offset() const { return offset_; }
  // Next n bytes, or false at (or past) the end or on a read error.
  bool Next(size_t n, std::string_view* out) {
    if (!file_ || size_ - offset_ < n) return false;
    if (buf_.size() - pos_ < n) {
      buf_.erase(0, pos_);
      pos_ = 0;
      uint64_t at = offset_ + buf_.size();
      size_t want = static_cast<size_t>(std::min<uint64_t>(std::max<size_t>(n, 1 << 20),
                                                           size_ - at));
      std::string more;
      if (!file_->Read(at, want, &more).ok()) return false;
      buf_ += more;
    }
    *out = std::string_view(buf_.data() + pos_, n);
    pos_ += n;
    offset_ += n;
    return true;
  }
  // Everything left (for record decoding, which needs a look-ahead window).
  std::string_view Window(size_t max) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(max, size_ - offset_));
    std::string_view v;
    if (want == 0 || !Peek(want, &v)) return {};
    return v;
  }
  void Skip(size_t n) {
    pos_ += n;
    offset_ += n;
  }

 private:
  bool Peek(size_t n, std::string_view* out) {
    if (!Next(n, out)) return false;
    pos_ -= n;
    offset_ -= n;
    return true;
  }

  std::string path_;
  std::unique_ptr<RandomAccessFile> file_;
  uint64_t size_ = 0;
  uint64_t offset_ = 0;
  std::string buf_;
  size_t pos_ = 0;
};

struct HistoryRecord {
  size_t record = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
  merkle::Hash root{};
};

const char* RecordError(RecordResult r) {
  switch (r) {
    case RecordResult::kTruncated: return "truncated record (torn tail; opening the log repairs it)";
    case RecordResult::kTooLong: return "record length out of range";
    case RecordResult::kBadCrc: return "record checksum mismatch";
    case RecordResult::kOk: break;
  }
  return "ok";
}

}  // namespace

StatusOr<LogVerifyReport> VerifyLogFiles(Env* env, const std::string& dir,
                                         const note::Verifier& verifier,
                                         const uint64_t* open_size,
                                         const std::string* open_latest_note) {
  Problems problems;
  LogVerifyReport report;
  const note::Verifier* verifiers[] = {&verifier};
  auto path = [&](std::string_view name) { return JoinPath(dir, name); };
  if (!env->FileExists(path(kCheckpointFile))) {
    return NotFoundError(dir + ": not a log directory (no " + kCheckpointFile + ")");
  }

  // 1. The latest checkpoint.
  std::string latest_text;
  if (open_latest_note != nullptr) {
    latest_text = *open_latest_note;
  } else {
    auto text = env->ReadFileToString(path(kCheckpointFile), kMaxCheckpointBytes);
    if (!text.ok()) return text.status();
    latest_text = *text;
  }
  std::string origin;
  auto latest = checkpoint::OpenSigned(latest_text, verifiers);
  if (!latest.ok()) {
    problems.Add(std::string(kCheckpointFile) + ": " + latest.status().ToString());
  } else {
    origin = latest->checkpoint.origin;
    report.latest = {latest_text, latest->checkpoint.size, latest->checkpoint.root};
  }

  // 2. The checkpoint history.
  std::vector<HistoryRecord> history;
  {
    auto bytes = env->ReadFileToString(path(kHistoryFile));
    if (!bytes.ok()) return bytes.status();
    std::string_view rest = *bytes;
    size_t k = 0;
    bool reached_latest = false;
    std::string last_text;
    while (!rest.empty() && !reached_latest) {
      uint64_t offset = bytes->size() - rest.size();
      std::string_view data;
      size_t consumed = 0;
      RecordResult r = DecodeRecord(rest, kMaxCheckpointBytes, &data, &consumed);
      if (r != RecordResult::kOk) {
        problems.Add(std::string(kHistoryFile) + ": record " + std::to_string(k) + " at offset " +
                     std::to_string(offset) + ": " + RecordError(r));
        break;
      }
      rest.remove_prefix(consumed);
      last_text = std::string(data);
      if (open_latest_note != nullptr && data == *open_latest_note) reached_latest = true;
      auto cp = checkpoint::OpenSigned(data, verifiers, origin);
      if (!cp.ok()) {
        problems.Add(std::string(kHistoryFile) + ": record " + std::to_string(k) + " at offset " +
                     std::to_string(offset) + ": " + cp.status().ToString());
      } else {
        if (!history.empty() && cp->checkpoint.size < history.back().size) {
          problems.Add(std::string(kHistoryFile) + ": record " + std::to_string(k) +
                       " signs size " + std::to_string(cp->checkpoint.size) +
                       ", smaller than the earlier " + std::to_string(history.back().size));
        }
        history.push_back({k, offset, cp->checkpoint.size, cp->checkpoint.root});
      }
      ++k;
    }
    if (k == 0) problems.Add(std::string(kHistoryFile) + ": no checkpoints recorded");
    if (open_latest_note == nullptr && k > 0 && last_text != latest_text) {
      problems.Add(std::string(kCheckpointFile) + ": differs from the last record of " +
                   kHistoryFile);
    }
    report.checkpoints = history.size();
  }
  std::vector<HistoryRecord> by_size = history;
  std::stable_sort(by_size.begin(), by_size.end(),
                   [](const HistoryRecord& a, const HistoryRecord& b) { return a.size < b.size; });
  size_t next_cp = 0;
  Frontier frontier;
  auto check_roots = [&]() {
    while (next_cp < by_size.size() && by_size[next_cp].size == frontier.size()) {
      if (frontier.Root() != by_size[next_cp].root) {
        problems.Add(std::string(kHistoryFile) + ": record " +
                     std::to_string(by_size[next_cp].record) + " (size " +
                     std::to_string(by_size[next_cp].size) +
                     "): root differs from the tree recomputed from entries.log");
      }
      ++next_cp;
    }
  };
  check_roots();

  // 3. Entries, the entry index and every stored hash, in one pass.
  SeqReader entries(env, path(kEntriesFile));
  SeqReader index(env, path(kIndexFile));
  std::vector<std::unique_ptr<SeqReader>> levels(kMaxLevels);
  for (int l = 0; l < kMaxLevels; ++l) {
    levels[l] = std::make_unique<SeqReader>(env, path(LevelFileName(l)));
  }
  if (!entries.exists()) problems.Add(std::string(kEntriesFile) + ": missing");
  if (!index.exists()) problems.Add(std::string(kIndexFile) + ": missing");
  std::vector<bool> level_broken(kMaxLevels, false);
  bool index_broken = false;
  const uint64_t limit = open_size != nullptr ? *open_size : UINT64_MAX;
  while (frontier.size() < limit && entries.offset() < entries.size()) {
    const uint64_t i = frontier.size();
    const uint64_t offset = entries.offset();
    std::string_view window = entries.Window(kRecordHeaderSize + kMaxLogEntryBytes);
    std::string_view data;
    size_t consumed = 0;
    RecordResult r = DecodeRecord(window, kMaxLogEntryBytes, &data, &consumed);
    if (r != RecordResult::kOk) {
      problems.Add(std::string(kEntriesFile) + ": entry " + std::to_string(i) + " at offset " +
                   std::to_string(offset) + ": " + RecordError(r));
      break;
    }
    std::string entry(data);
    entries.Skip(consumed);
    std::string_view idx;
    if (!index_broken) {
      if (!index.Next(8, &idx)) {
        problems.Add(std::string(kIndexFile) + ": no offset for entry " + std::to_string(i) +
                     " (file ends at " + std::to_string(index.size()) + ")");
        index_broken = true;
      } else if (GetU64BE(idx.data()) != entries.offset()) {
        problems.Add(std::string(kIndexFile) + ": entry " + std::to_string(i) + " (offset " +
                     std::to_string(8 * i) + ") says its record ends at " +
                     std::to_string(GetU64BE(idx.data())) + ", entries.log has it end at " +
                     std::to_string(entries.offset()));
      }
    }
    frontier.Push(merkle::HashLeaf(entry), [&](int level, uint64_t j, const merkle::Hash& h) {
      if (level_broken[level]) return;
      std::string_view stored;
      if (!levels[level]->Next(kHashSize, &stored)) {
        problems.Add(LevelFileName(level) + ": no hash for node " + std::to_string(j) +
                     " (file ends at " + std::to_string(levels[level]->size()) + ")");
        level_broken[level] = true;
      } else if (stored != AsStringView(h)) {
        problems.Add(LevelFileName(level) + ": hash of node " + std::to_string(j) +
                     " (offset " + std::to_string(j * kHashSize) +
                     ") differs from the one recomputed from entries.log");
      }
    });
    check_roots();
  }
  const uint64_t n = frontier.size();
  report.entries = n;
  if (open_size != nullptr && n < *open_size) {
    problems.Add(std::string(kEntriesFile) + ": holds " + std::to_string(n) + " readable entries, " +
                 "the open log has " + std::to_string(*open_size));
  }
  if (open_size == nullptr) {
    // Every byte must be accounted for: no trailing data anywhere.
    if (!index_broken && index.size() != 8 * n) {
      problems.Add(std::string(kIndexFile) + ": " + std::to_string(index.size()) + " bytes for " +
                   std::to_string(n) + " entries (expected " + std::to_string(8 * n) + ")");
    }
    for (int l = 0; l < kMaxLevels; ++l) {
      if (!level_broken[l] && levels[l]->exists() && levels[l]->size() != kHashSize * (n >> l)) {
        problems.Add(LevelFileName(l) + ": " + std::to_string(levels[l]->size()) +
                     " bytes, expected " + std::to_string(kHashSize * (n >> l)));
      }
    }
  }
  for (; next_cp < by_size.size(); ++next_cp) {
    problems.Add(std::string(kHistoryFile) + ": record " + std::to_string(by_size[next_cp].record) +
                 " signs size " + std::to_string(by_size[next_cp].size) + " but only " +
                 std::to_string(n) + " entries are stored (acknowledged entries lost)");
  }
  if (latest.ok() && !history.empty() && latest->checkpoint.size != history.back().size) {
    problems.Add(std::string(kCheckpointFile) + ": size " +
                 std::to_string(latest->checkpoint.size) + " is not the last recorded size " +
                 std::to_string(history.back().size));
  }

  // 4. Consistency proofs between consecutive checkpoints, from the (now verified) files.
  if (problems.empty()) {
    auto fn = [&](uint64_t level, uint64_t idx) -> StatusOr<merkle::Hash> {
      FT_ASSIGN_OR_RETURN(auto f, env->NewRandomAccessFile(path(LevelFileName(static_cast<int>(level)))));
      std::string b;
      FT_RETURN_IF_ERROR(f->Read(idx * kHashSize, kHashSize, &b));
      return merkle::HashFromBytes(b);
    };
    for (size_t k = 1; k < history.size(); ++k) {
      const HistoryRecord& a = history[k - 1];
      const HistoryRecord& b = history[k];
      if (a.size == 0 || a.size == b.size) continue;
      auto proof = merkle::ConsistencyProof(a.size, b.size, fn);
      Status s = proof.ok() ? merkle::VerifyConsistency(a.size, b.size, *proof, a.root, b.root)
                            : proof.status();
      if (!s.ok()) {
        problems.Add(std::string(kHistoryFile) + ": records " + std::to_string(a.record) + " and " +
                     std::to_string(b.record) + " are not consistent: " + s.ToString());
      }
    }
  }
  if (!problems.empty()) return problems.ToStatus();
  return report;
}

}  // namespace logstore

StatusOr<LogVerifyReport> VerifyLogDirectory(Env* env, const std::string& dir,
                                             const note::Verifier& verifier) {
  if (env == nullptr) env = Env::Default();
  if (!env->FileExists(JoinPath(dir, logstore::kCheckpointFile))) {
    return NotFoundError(dir + ": not a log directory (no checkpoint file)");
  }
  FT_ASSIGN_OR_RETURN(auto lock, env->LockFile(JoinPath(dir, logstore::kLockFile)));
  return logstore::VerifyLogFiles(env, dir, verifier, nullptr, nullptr);
}

}  // namespace facetrail
