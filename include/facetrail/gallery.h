// Gallery store: enrolled identities and their reference templates, kept durably in an
// embedded SQLite database (see docs/gallery.md for the schema and blob format).
//
// A gallery is bound to exactly one embedding model: the first enrolment fixes its
// model_id (or GalleryOptions::model_id when creating), and templates of any other model
// are refused with kFailedPrecondition, never mixed. Every change (enrol, delete, re-key)
// bumps a monotonically increasing gallery version inside the same transaction; audit
// entries record (gallery_id, version) so a result can be tied to the gallery it came from.
//
// Deletion is real: template rows are removed with SQLite's secure_delete on, and the WAL
// is checkpointed and truncated so the template bytes leave the files on disk.
//
// Templates can be encrypted at rest under an agency key (XChaCha20-Poly1305, libsodium);
// each blob is bound to its row (gallery id, identity, model, source image hash) so blobs
// cannot be swapped between rows undetected. Rekey() re-encrypts every template under a new
// key (or turns encryption on or off) in one transaction.
//
// Thread-safety: a Gallery object is safe to use from several threads (calls are
// serialised on its one connection). Several Gallery objects (threads or processes) may
// open the same file: readers run concurrently with one writer (WAL mode); writers wait
// up to busy_timeout_ms for each other.
#ifndef FACETRAIL_GALLERY_H_
#define FACETRAIL_GALLERY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facetrail/clock.h"
#include "facetrail/encoding.h"
#include "facetrail/engine.h"
#include "facetrail/status.h"

namespace facetrail {

// Limits on identifiers that arrive from users (CLI, HTTP). Identity ids: 1..128 chars of
// [A-Za-z0-9._:@-], not starting with '-' or '.'. Record references: up to 256 printable
// ASCII characters (a pointer into the agency's record system, never personal data itself).
inline constexpr size_t kMaxIdentityIdLength = 128;
inline constexpr size_t kMaxRecordRefLength = 256;
// kInvalidArgument with the reason when `id` is not a valid identity id.
Status ValidateIdentityId(std::string_view id);
Status ValidateRecordRef(std::string_view ref);

// A 32-byte secret for template encryption. Read from a key file holding 64 hex digits
// (optionally followed by a newline); the file should be readable by the service only.
struct GalleryKey {
  std::string bytes;  // exactly 32 bytes
  // First 8 bytes of a keyed hash of the key, hex: identifies the key without revealing it.
  std::string KeyId() const;
};
StatusOr<GalleryKey> ParseGalleryKey(std::string_view key_file_contents);
StatusOr<GalleryKey> ReadGalleryKeyFile(const std::string& path);
// A fresh random key in key-file form (64 hex digits + newline).
std::string GenerateGalleryKeyFile();

struct GalleryOptions {
  std::string path;                   // the SQLite file; -wal and -shm sit beside it
  bool create_if_missing = true;
  std::string model_id;               // optional: binds a new gallery to this model up front
  std::optional<GalleryKey> key;      // required iff the gallery's templates are encrypted
  Clock* clock = Clock::Real();       // created_at timestamps
  int busy_timeout_ms = 5000;
  int max_templates_per_identity = 64;
  int max_dim = 4096;                 // larger templates are refused
};

struct IdentityInfo {
  std::string id;
  std::string record_ref;
  int64_t created_at_micros = 0;
  int template_count = 0;
};

// One template to enrol: the template, the SHA-256 of the image it came from (so the
// image itself need not be kept) and the face's quality score (0..1, caller-defined).
struct EnrolTemplate {
  Template tmpl;
  Sha256Digest source_sha256{};
  float quality = 0;
};

struct EnrolResult {
  bool identity_created = false;      // false when templates were added to an existing one
  std::vector<int64_t> template_ids;  // one per EnrolTemplate, in order
  int64_t gallery_version = 0;        // the version after this change
};

struct StoredTemplate {
  int64_t template_id = 0;
  std::string identity_id;
  Sha256Digest source_sha256{};
  float quality = 0;
  std::vector<float> values;  // decrypted; unit L2 norm
};

// Every template of one model, as of one gallery version (read in one transaction).
struct GalleryTemplates {
  std::string gallery_id;
  int64_t gallery_version = 0;
  std::string model_id;
  int dim = 0;
  std::vector<StoredTemplate> templates;  // grouped by identity, ordered by identity id
};

class Gallery {
 public:
  virtual ~Gallery() = default;

  // Opens (creating when allowed) the gallery at options.path and migrates its schema to
  // the current version. kFailedPrecondition if the templates are encrypted and no key, or
  // a different key, is given; kDataLoss if the file is not a facetrail gallery or its
  // schema is newer than this binary understands.
  static StatusOr<std::unique_ptr<Gallery>> OpenSqlite(const GalleryOptions& options);

  // Random 128-bit id (hex) fixed at creation.
  virtual const std::string& gallery_id() const = 0;
  virtual StatusOr<int64_t> Version() = 0;
  // The model this gallery is bound to; empty while nothing has been enrolled.
  virtual StatusOr<std::string> ModelId() = 0;
  // Key id of the encryption key in use, empty when templates are stored in clear.
  virtual StatusOr<std::string> EncryptionKeyId() = 0;

  // Creates identity `id` (with `record_ref`) if absent and adds the templates, atomically.
  // Errors: kInvalidArgument (bad id/ref, empty list, template not unit-norm or NaN,
  // dimension mismatch), kFailedPrecondition (model differs from the gallery's),
  // kAlreadyExists (this identity already holds a template from the same image and model,
  // or record_ref differs from the stored one), kResourceExhausted (too many templates).
  virtual StatusOr<EnrolResult> Enrol(std::string_view id, std::string_view record_ref,
                                      const std::vector<EnrolTemplate>& templates) = 0;

  // Removes the identity and all its templates; returns the new gallery version.
  // kNotFound if there is no such identity.
  virtual StatusOr<int64_t> DeleteIdentity(std::string_view id) = 0;

  virtual StatusOr<IdentityInfo> GetIdentity(std::string_view id) = 0;
  // Identities ordered by id, at most `limit`, starting after `after_id` (paging).
  virtual StatusOr<std::vector<IdentityInfo>> ListIdentities(std::string_view after_id,
                                                             int limit) = 0;

  // Loads every template of `model_id`. kFailedPrecondition if the gallery is bound to a
  // different model; kDataLoss if a blob fails to decode or authenticate.
  virtual StatusOr<GalleryTemplates> LoadTemplates(std::string_view model_id) = 0;

  // Re-encrypts every template under `new_key` (nullopt: store in clear) in one
  // transaction, and bumps the version. The gallery must have been opened with its
  // current key. Afterwards only new_key opens it.
  virtual Status Rekey(const std::optional<GalleryKey>& new_key) = 0;
};

}  // namespace facetrail

#endif  // FACETRAIL_GALLERY_H_
