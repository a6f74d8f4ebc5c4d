// LogStore: opening, creation and crash recovery. Appends and checkpoints are in
// log_store_append.cc, reads in log_store_read.cc, the on-disk format in docs/log-format.md.
#include <algorithm>

#include "audit/log_record.h"
#include "audit/log_store_impl.h"
#include "facetrail/checkpoint.h"

namespace facetrail {

StatusOr<std::unique_ptr<LogStore>> LogStore::Open(const std::string& dir,
                                                   const LogStoreOptions& options) {
  if (options.verifier == nullptr) {
    return InvalidArgumentError("log store: a verifier is required");
  }
  if (options.signer == nullptr &&
      (options.create_if_missing || options.checkpoint_interval_micros > 0)) {
    return InvalidArgumentError("log store: creating a log or signing needs a signer");
  }
  if (options.signer != nullptr && (options.signer->name() != options.verifier->name() ||
                                    options.signer->key_id() != options.verifier->key_id())) {
    return InvalidArgumentError("log store: signer and verifier are different keys");
  }
  if (options.max_entry_bytes == 0 || options.max_entry_bytes > kMaxLogEntryBytes) {
    return InvalidArgumentError("log store: max_entry_bytes must be 1.." +
                                std::to_string(kMaxLogEntryBytes));
  }
  if (options.max_batch_bytes < options.max_entry_bytes) {
    return InvalidArgumentError("log store: max_batch_bytes must be >= max_entry_bytes");
  }
  if (options.max_batch_entries == 0 || options.checkpoint_interval_micros < 0 ||
      options.checkpoint_poll_millis <= 0) {
    return InvalidArgumentError("log store: invalid batch or checkpoint interval option");
  }
  auto store = std::make_unique<logstore::LogStoreImpl>(dir, options);
  FT_RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<LogStore>(std::move(store));
}

namespace logstore {
namespace {

bool AllZero(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == 0; });
}

// True if valid records start at `p` and follow each other exactly up to the end of `s`.
bool ValidChainToEnd(std::string_view s, size_t p, uint32_t max_length) {
  while (p < s.size()) {
    std::string_view data;
    size_t consumed = 0;
    if (DecodeRecord(s.substr(p), max_length, &data, &consumed) != RecordResult::kOk) {
      return false;
    }
    p += consumed;
  }
  return true;
}

}  // namespace

// A crash can only tear the last, never-acknowledged batch: a prefix of its single write
// reaches the file (ending in a cut record, or a last record whose bytes did not all land)
// or, after power loss, its blocks read back as zeros. A damaged length or checksum in the
// middle of acknowledged records looks similar, so a tail is torn only if no chain of
// valid records runs from inside it to the end of the file, and it is no longer than one
// batch can be.
StatusOr<bool> LogStoreImpl::IsTornTail(uint64_t offset, uint64_t file_size, RecordResult r,
                                        std::string_view rest) const {
  const uint64_t remaining = file_size - offset;
  const uint64_t max_batch = options_.max_batch_bytes +
                             options_.max_batch_entries * kRecordHeaderSize +
                             kRecordHeaderSize + kMaxLogEntryBytes;
  if (remaining > max_batch) return false;
  std::string tail;
  FT_RETURN_IF_ERROR(entries_reader_->Read(offset, remaining, &tail));
  bool shape = r == RecordResult::kTruncated || AllZero(tail) ||
               (r == RecordResult::kBadCrc &&
                kRecordHeaderSize + uint64_t{GetU32BE(rest.data())} == remaining);
  if (!shape) return false;
  for (size_t p = 1; p + kRecordHeaderSize <= tail.size(); ++p) {
    if (ValidChainToEnd(tail, p, kMaxLogEntryBytes)) return false;
  }
  return true;
}

LogStoreImpl::LogStoreImpl(std::string dir, const LogStoreOptions& options)
    : dir_(std::move(dir)),
      options_(options),
      env_(options.env != nullptr ? options.env : Env::Default()),
      clock_(options.clock != nullptr ? options.clock : Clock::Real()) {}

LogStoreImpl::~LogStoreImpl() {
  if (bg_thread_.joinable()) {
    {
      std::lock_guard<std::mutex> l(bg_mu_);
      bg_stop_ = true;
    }
    bg_cv_.notify_all();
    bg_thread_.join();
  }
  // No writer can be active: callers must not race the destructor. Flushing the derived
  // files is a courtesy; recovery re-derives them from entries.log anyway.
  if (index_writer_) FlushTreeFiles().IgnoreError();
}

Status LogStoreImpl::Init() {
  if (!options_.create_if_missing && !env_->FileExists(Path(kCheckpointFile))) {
    return NotFoundError(dir_ + ": no log here (missing " + kCheckpointFile + ")");
  }
  FT_RETURN_IF_ERROR(env_->CreateDir(dir_).WithContext("log store"));
  FT_ASSIGN_OR_RETURN(lock_, env_->LockFile(Path(kLockFile)));
  if (!env_->FileExists(Path(kCheckpointFile))) {
    if (!options_.create_if_missing) {
      return NotFoundError(dir_ + ": no log here (missing " + kCheckpointFile + ")");
    }
    FT_RETURN_IF_ERROR(CreateLog());
  }
  FT_RETURN_IF_ERROR(Recover());
  {
    MutexLock l(&mu_);
    last_signed_mono_ = clock_->MonotonicMicros();
  }
  if (options_.checkpoint_interval_micros > 0) {
    bg_thread_ = std::thread([this] { BackgroundLoop(); });
  }
  return Status::Ok();
}

Status LogStoreImpl::CreateLog() {
  if (options_.origin.empty()) return InvalidArgumentError("log store: creating a log needs an origin");
  // A log whose checkpoint vanished must not be silently re-created over its entries.
  for (const char* name : {kEntriesFile, kHistoryFile}) {
    if (env_->FileExists(Path(name))) {
      FT_ASSIGN_OR_RETURN(uint64_t n, env_->GetFileSize(Path(name)));
      if (n > 0) {
        return DataLossError(dir_ + ": " + name + " holds data but " + kCheckpointFile +
                             " is missing; refusing to re-create the log");
      }
    }
  }
  FT_RETURN_IF_ERROR(env_->CreateDir(Path(kTreeDir)));
  for (const char* name : {kEntriesFile, kIndexFile, kHistoryFile}) {
    FT_ASSIGN_OR_RETURN(auto f, env_->NewWritableFile(Path(name)));
    FT_RETURN_IF_ERROR(f->Sync());
    FT_RETURN_IF_ERROR(f->Close());
  }
  FT_RETURN_IF_ERROR(env_->SyncDir(dir_));
  checkpoint::Checkpoint cp;
  cp.origin = options_.origin;
  cp.size = 0;
  cp.root = merkle::EmptyRoot();
  FT_ASSIGN_OR_RETURN(std::string text, checkpoint::Format(cp));
  const note::Signer* signers[] = {options_.signer};
  FT_ASSIGN_OR_RETURN(std::string signed_note, note::Sign(text, signers));
  // `checkpoint` is written last: until it exists the directory is not a log, and a crash
  // before this point leaves only empty files that a retried create accepts. Recovery then
  // copies the checkpoint into the (empty) history.
  return env_->WriteStringToFileSync(Path(kCheckpointFile), signed_note);
}

Status LogStoreImpl::Recover() {
  FT_ASSIGN_OR_RETURN(std::string cp_text,
                      env_->ReadFileToString(Path(kCheckpointFile), kMaxCheckpointBytes));
  const note::Verifier* verifiers[] = {options_.verifier};
  auto opened = checkpoint::OpenSigned(cp_text, verifiers);
  if (!opened.ok()) {
    return DataLossError(Path(kCheckpointFile) + ": " + opened.status().ToString());
  }
  const checkpoint::Checkpoint& cp = opened->checkpoint;
  if (!options_.origin.empty() && options_.origin != cp.origin) {
    return InvalidArgumentError(dir_ + ": log origin is '" + cp.origin + "', not '" +
                                options_.origin + "'");
  }
  origin_ = cp.origin;
  const uint64_t m = cp.size;
  {
    MutexLock l(&mu_);
    latest_ = SignedCheckpoint{cp_text, m, cp.root};
  }

  // Derived files: trust exactly the prefix the signed checkpoint covers (it was fsynced
  // before the checkpoint was written) and re-derive everything after it.
  FT_RETURN_IF_ERROR(env_->CreateDir(Path(kTreeDir)));
  if (!env_->FileExists(Path(kEntriesFile)) || !env_->FileExists(Path(kIndexFile))) {
    if (m > 0) return DataLossError(dir_ + ": entries.log or entries.idx is missing");
  }
  for (const char* name : {kEntriesFile, kIndexFile, kHistoryFile}) {
    if (!env_->FileExists(Path(name))) {
      FT_ASSIGN_OR_RETURN(auto f, env_->NewWritableFile(Path(name)));
      FT_RETURN_IF_ERROR(f->Close());
    }
  }
  auto trim = [&](const std::string& name, uint64_t keep) -> Status {
    const std::string path = Path(name);
    if (!env_->FileExists(path)) {
      if (keep == 0) return Status::Ok();
      return DataLossError(path + ": missing; the signed checkpoint of size " +
                           std::to_string(m) + " needs it");
    }
    FT_ASSIGN_OR_RETURN(uint64_t have, env_->GetFileSize(path));
    if (have < keep) {
      return DataLossError(path + ": " + std::to_string(have) + " bytes, but the signed " +
                           "checkpoint of size " + std::to_string(m) + " needs " +
                           std::to_string(keep));
    }
    if (have > keep) FT_RETURN_IF_ERROR(env_->TruncateFile(path, keep));
    return Status::Ok();
  };
  FT_RETURN_IF_ERROR(trim(kIndexFile, 8 * m));
  for (int level = 0; level < kMaxLevels; ++level) {
    FT_RETURN_IF_ERROR(trim(LevelFileName(level), kHashSize * (m >> level)));
  }

  FT_ASSIGN_OR_RETURN(entries_reader_, env_->NewRandomAccessFile(Path(kEntriesFile)));
  FT_ASSIGN_OR_RETURN(index_reader_, env_->NewRandomAccessFile(Path(kIndexFile)));
  {
    MutexLock l(&readers_mu_);
    level_readers_.resize(kMaxLevels);
  }
  level_writers_.resize(kMaxLevels);
  level_dirty_.assign(kMaxLevels, false);
  level_unsynced_.assign(kMaxLevels, true);

  uint64_t start = 0;
  if (m > 0) {
    FT_ASSIGN_OR_RETURN(start, EntryEndOffset(m - 1));
  }
  FT_ASSIGN_OR_RETURN(uint64_t entries_size, env_->GetFileSize(Path(kEntriesFile)));
  if (start > entries_size) {
    return DataLossError(Path(kEntriesFile) + ": " + std::to_string(entries_size) +
                         " bytes, but the signed checkpoint's " + std::to_string(m) +
                         " entries end at offset " + std::to_string(start));
  }
  FT_ASSIGN_OR_RETURN(frontier_, Frontier::Load(m, HashFn()));
  if (frontier_.Root() != cp.root) {
    return DataLossError(dir_ + ": the stored tree at size " + std::to_string(m) +
                         " does not have the root of the signed checkpoint; refusing to open");
  }

  FT_ASSIGN_OR_RETURN(index_writer_, env_->NewAppendableFile(Path(kIndexFile)));
  for (int level = 0; level < kMaxLevels; ++level) {
    if (env_->FileExists(Path(LevelFileName(level)))) FT_RETURN_IF_ERROR(OpenLevelWriter(level));
  }

  // Re-derive entries past the checkpoint; stop at a torn tail.
  uint64_t offset = start;
  uint64_t torn_at = entries_size;
  std::string buf;
  size_t buf_pos = 0;
  uint64_t buf_offset = start;  // file offset of buf[0]
  const size_t kChunk = 4 << 20;
  while (offset < entries_size) {
    if (buf.size() - buf_pos < kRecordHeaderSize + kMaxLogEntryBytes &&
        buf_offset + buf.size() < entries_size) {
      buf.erase(0, buf_pos);
      buf_offset += buf_pos;
      buf_pos = 0;
      std::string more;
      uint64_t at = buf_offset + buf.size();
      size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, entries_size - at));
      FT_RETURN_IF_ERROR(entries_reader_->Read(at, n, &more));
      buf += more;
    }
    std::string_view data;
    size_t consumed = 0;
    std::string_view rest(buf.data() + buf_pos, buf.size() - buf_pos);
    // Decode with the format's bound, not the option: the option may have been lowered.
    RecordResult r = DecodeRecord(rest, kMaxLogEntryBytes, &data, &consumed);
    if (r != RecordResult::kOk) {
      FT_ASSIGN_OR_RETURN(bool torn, IsTornTail(offset, entries_size, r, rest));
      if (torn) {
        torn_at = offset;
        break;
      }
      return DataLossError(Path(kEntriesFile) + ": record at offset " + std::to_string(offset) +
                           " (entry " + std::to_string(frontier_.size()) + ") is corrupt (" +
                           (r == RecordResult::kBadCrc ? "bad checksum" : "bad length") +
                           ") and is not a torn tail (valid records or other data follow); "
                           "refusing to open rather than drop acknowledged entries");
    }
    offset += consumed;
    buf_pos += consumed;
    FT_RETURN_IF_ERROR(Integrate(data, offset));
  }
  if (torn_at < entries_size) {
    FT_RETURN_IF_ERROR(env_->TruncateFile(Path(kEntriesFile), torn_at));
  }
  FT_ASSIGN_OR_RETURN(entries_writer_, env_->NewAppendableFile(Path(kEntriesFile)));
  FT_RETURN_IF_ERROR(entries_writer_->Sync());  // makes a truncation durable
  entries_end_ = offset;
  FT_RETURN_IF_ERROR(FlushTreeFiles());
  {
    MutexLock l(&mu_);
    size_ = frontier_.size();
  }
  if (env_->FileExists(Path(std::string(kCheckpointFile) + ".tmp"))) {
    env_->RemoveFile(Path(std::string(kCheckpointFile) + ".tmp")).IgnoreError();
  }
  return RecoverHistory();
}

Status LogStoreImpl::RecoverHistory() {
  const std::string path = Path(kHistoryFile);
  FT_ASSIGN_OR_RETURN(std::string history, env_->ReadFileToString(path));
  std::string latest_note;
  {
    MutexLock l(&mu_);
    latest_note = latest_.note;
  }
  size_t pos = 0;
  std::string_view last;
  while (pos < history.size()) {
    std::string_view rest(history.data() + pos, history.size() - pos);
    std::string_view data;
    size_t consumed = 0;
    RecordResult r = DecodeRecord(rest, kMaxCheckpointBytes, &data, &consumed);
    if (r != RecordResult::kOk) {
      // The same torn-tail rule as for entries.log (see IsTornTail).
      bool last_record = r == RecordResult::kBadCrc &&
                         kRecordHeaderSize + GetU32BE(rest.data()) == rest.size();
      bool shape = r == RecordResult::kTruncated || last_record || AllZero(rest);
      bool chain = false;
      for (size_t p = 1; shape && !chain && p + kRecordHeaderSize <= rest.size(); ++p) {
        chain = ValidChainToEnd(rest, p, kMaxCheckpointBytes);
      }
      if (shape && !chain) break;
      return DataLossError(path + ": record at offset " + std::to_string(pos) +
                           " is corrupt and is not a torn tail; refusing to open");
    }
    last = data;
    pos += consumed;
  }
  if (pos < history.size()) FT_RETURN_IF_ERROR(env_->TruncateFile(path, pos));
  FT_ASSIGN_OR_RETURN(history_writer_, env_->NewAppendableFile(path));
  if (last != latest_note) {
    // The crash fell between persisting `checkpoint` and appending it here.
    std::string rec;
    AppendRecord(latest_note, &rec);
    FT_RETURN_IF_ERROR(history_writer_->Append(rec));
  }
  return history_writer_->Sync();
}

Status LogStoreImpl::OpenLevelWriter(int level) {
  if (level_writers_[level]) return Status::Ok();
  const std::string path = Path(LevelFileName(level));
  bool existed = env_->FileExists(path);
  FT_ASSIGN_OR_RETURN(level_writers_[level], env_->NewAppendableFile(path));
  if (!existed) FT_RETURN_IF_ERROR(env_->SyncDir(Path(kTreeDir)));
  return Status::Ok();
}

}  // namespace logstore
}  // namespace facetrail
