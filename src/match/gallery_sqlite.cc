// SQLite implementation of Gallery (contract in include/facetrail/gallery.h, schema in
// docs/gallery.md).
#include <cmath>
#include <memory>

#include "core/thread_annotations.h"
#include "facetrail/gallery.h"
#include "match/gallery_sqlite_schema.h"
#include "core/sqlite_db.h"
#include "match/template_blob.h"

namespace facetrail {
namespace {

using match::BlobContext;

// Unit-norm tolerance: embeddings are normalised in float32 by the engine; anything
// further off was not produced by it (or was corrupted on the way).
constexpr double kNormTolerance = 1e-3;

Status CheckValues(const std::vector<float>& v, int max_dim) {
  if (v.empty()) return InvalidArgumentError("template has no values");
  if (static_cast<int64_t>(v.size()) > max_dim) {
    return InvalidArgumentError("template dimension " + std::to_string(v.size()) +
                                " exceeds the limit " + std::to_string(max_dim));
  }
  double norm2 = 0;
  for (float x : v) {
    if (!std::isfinite(x)) return InvalidArgumentError("template holds a non-finite value");
    norm2 += double{x} * x;
  }
  if (std::abs(std::sqrt(norm2) - 1.0) > kNormTolerance) {
    return InvalidArgumentError("template is not unit L2 norm");
  }
  return Status::Ok();
}

struct GalleryRow {
  int64_t version = 0;
  std::string model_id;
  int dim = 0;
  std::string key_id;
};

class SqliteGallery final : public Gallery {
 public:
  SqliteGallery(GalleryOptions options, std::unique_ptr<SqliteDb> db, std::string gallery_id)
      : options_(std::move(options)), db_(std::move(db)), gallery_id_(std::move(gallery_id)) {}

  const std::string& gallery_id() const override { return gallery_id_; }

  StatusOr<int64_t> Version() override {
    MutexLock l(&mu_);
    FT_ASSIGN_OR_RETURN(GalleryRow row, ReadGalleryRow());
    return row.version;
  }

  StatusOr<std::string> ModelId() override {
    MutexLock l(&mu_);
    FT_ASSIGN_OR_RETURN(GalleryRow row, ReadGalleryRow());
    return row.model_id;
  }

  StatusOr<std::string> EncryptionKeyId() override {
    MutexLock l(&mu_);
    FT_ASSIGN_OR_RETURN(GalleryRow row, ReadGalleryRow());
    return row.key_id;
  }

  StatusOr<EnrolResult> Enrol(std::string_view id, std::string_view record_ref,
                              const std::vector<EnrolTemplate>& templates) override;
  StatusOr<int64_t> DeleteIdentity(std::string_view id) override;
  StatusOr<IdentityInfo> GetIdentity(std::string_view id) override;
  StatusOr<std::vector<IdentityInfo>> ListIdentities(std::string_view after_id,
                                                     int limit) override;
  StatusOr<GalleryTemplates> LoadTemplates(std::string_view model_id) override;
  Status Rekey(const std::optional<GalleryKey>& new_key) override;

 private:
  StatusOr<GalleryRow> ReadGalleryRow() REQUIRES(mu_);
  StatusOr<int64_t> BumpVersion() REQUIRES(mu_);
  // Moves WAL content into the main file and truncates the WAL so that bytes removed by
  // a delete or re-key do not linger in the -wal file. Best effort: a concurrent reader
  // can hold old frames; the next checkpoint finishes the job.
  void CheckpointTruncate() REQUIRES(mu_) {
    db_->Exec("PRAGMA wal_checkpoint(TRUNCATE)").IgnoreError();
  }
  const GalleryKey* key() const REQUIRES(mu_) { return options_.key ? &*options_.key : nullptr; }

  GalleryOptions options_;  // key changes on Rekey (under mu_)
  Mutex mu_;
  std::unique_ptr<SqliteDb> db_ PT_GUARDED_BY(mu_);
  const std::string gallery_id_;
};

StatusOr<GalleryRow> SqliteGallery::ReadGalleryRow() {
  FT_ASSIGN_OR_RETURN(auto q, db_->Prepare(
      "SELECT version, model_id, dim, key_id FROM gallery WHERE singleton = 1"));
  FT_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return DataLossError("gallery row missing");
  return GalleryRow{q.Int(0), q.Text(1), static_cast<int>(q.Int(2)), q.Text(3)};
}

StatusOr<int64_t> SqliteGallery::BumpVersion() {
  FT_ASSIGN_OR_RETURN(auto q, db_->Prepare(
      "UPDATE gallery SET version = version + 1 WHERE singleton = 1 RETURNING version"));
  FT_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return DataLossError("gallery row missing");
  int64_t v = q.Int(0);
  FT_RETURN_IF_ERROR(q.Run());
  return v;
}

StatusOr<EnrolResult> SqliteGallery::Enrol(std::string_view id, std::string_view record_ref,
                                           const std::vector<EnrolTemplate>& templates) {
  FT_RETURN_IF_ERROR(ValidateIdentityId(id));
  FT_RETURN_IF_ERROR(ValidateRecordRef(record_ref));
  if (templates.empty()) return InvalidArgumentError("nothing to enrol: no templates");
  const std::string& model = templates.front().tmpl.model_id;
  const size_t dim = templates.front().tmpl.values.size();
  if (model.empty()) return InvalidArgumentError("template has no model id");
  for (const EnrolTemplate& t : templates) {
    if (t.tmpl.model_id != model) {
      return InvalidArgumentError("templates of one enrolment come from different models");
    }
    if (t.tmpl.values.size() != dim) {
      return InvalidArgumentError("templates of one enrolment differ in dimension");
    }
    FT_RETURN_IF_ERROR(CheckValues(t.tmpl.values, options_.max_dim));
  }

  MutexLock l(&mu_);
  FT_ASSIGN_OR_RETURN(auto txn, SqliteTransaction::Begin(db_.get(), /*immediate=*/true));
  FT_ASSIGN_OR_RETURN(GalleryRow g, ReadGalleryRow());
  if (!g.model_id.empty() && g.model_id != model) {
    return FailedPreconditionError("gallery holds templates of model " + g.model_id +
                                   "; refusing templates of model " + model);
  }
  if (g.dim != 0 && static_cast<size_t>(g.dim) != dim) {
    return InvalidArgumentError("template dimension " + std::to_string(dim) +
                                " differs from the gallery's " + std::to_string(g.dim));
  }
  if (g.model_id.empty() || g.dim == 0) {
    FT_ASSIGN_OR_RETURN(auto bind, db_->Prepare(
        "UPDATE gallery SET model_id = ?1, dim = ?2 WHERE singleton = 1"));
    FT_RETURN_IF_ERROR(bind.BindText(1, model).Bind(2, static_cast<int64_t>(dim)).Run());
  }

  EnrolResult result;
  FT_ASSIGN_OR_RETURN(auto find, db_->Prepare(
      "SELECT record_ref, (SELECT count(*) FROM templates WHERE identity_id = ?1) "
      "FROM identities WHERE id = ?1"));
  FT_ASSIGN_OR_RETURN(bool exists, find.BindText(1, id).Step());
  int64_t existing = 0;
  if (exists) {
    if (!record_ref.empty() && find.Text(0) != record_ref) {
      return AlreadyExistsError("identity " + std::string(id) +
                                " exists with a different record reference");
    }
    existing = find.Int(1);
  } else {
    FT_ASSIGN_OR_RETURN(auto ins, db_->Prepare(
        "INSERT INTO identities (id, record_ref, created_at) VALUES (?1, ?2, ?3)"));
    FT_RETURN_IF_ERROR(ins.BindText(1, id).BindText(2, record_ref)
                           .Bind(3, options_.clock->NowMicros()).Run());
    result.identity_created = true;
  }
  if (existing + static_cast<int64_t>(templates.size()) > options_.max_templates_per_identity) {
    return ResourceExhaustedError("identity would hold more than " +
                                  std::to_string(options_.max_templates_per_identity) +
                                  " templates");
  }
  for (const EnrolTemplate& t : templates) {
    BlobContext ctx{gallery_id_, id, model, t.source_sha256};
    std::string blob = match::EncodeTemplateBlob(t.tmpl.values, key(), ctx);
    FT_ASSIGN_OR_RETURN(auto ins, db_->Prepare(
        "INSERT INTO templates (identity_id, model_id, dim, blob, source_sha256, quality, "
        "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id"));
    ins.BindText(1, id).BindText(2, model).Bind(3, static_cast<int64_t>(dim)).BindBlob(4, blob)
        .BindBlob(5, AsStringView(t.source_sha256)).Bind(6, double{t.quality})
        .Bind(7, options_.clock->NowMicros());
    auto row = ins.Step();
    if (!row.ok()) {
      if (row.status().code() == StatusCode::kAlreadyExists) {
        return AlreadyExistsError("identity " + std::string(id) +
                                  " already holds a template from image " +
                                  HexEncode(AsStringView(t.source_sha256)).substr(0, 16));
      }
      return row.status();
    }
    result.template_ids.push_back(ins.Int(0));
    FT_RETURN_IF_ERROR(ins.Run());
  }
  FT_ASSIGN_OR_RETURN(result.gallery_version, BumpVersion());
  FT_RETURN_IF_ERROR(txn->Commit());
  return result;
}

StatusOr<int64_t> SqliteGallery::DeleteIdentity(std::string_view id) {
  FT_RETURN_IF_ERROR(ValidateIdentityId(id));
  MutexLock l(&mu_);
  FT_ASSIGN_OR_RETURN(auto txn, SqliteTransaction::Begin(db_.get(), /*immediate=*/true));
  // Templates first, explicitly, rather than relying on the cascade alone: the bytes must go.
  FT_ASSIGN_OR_RETURN(auto del_t, db_->Prepare("DELETE FROM templates WHERE identity_id = ?1"));
  FT_RETURN_IF_ERROR(del_t.BindText(1, id).Run());
  FT_ASSIGN_OR_RETURN(auto del_i, db_->Prepare("DELETE FROM identities WHERE id = ?1"));
  FT_RETURN_IF_ERROR(del_i.BindText(1, id).Run());
  if (sqlite3_changes(db_->raw()) == 0) {
    return NotFoundError("no identity " + std::string(id));
  }
  FT_ASSIGN_OR_RETURN(int64_t version, BumpVersion());
  FT_RETURN_IF_ERROR(txn->Commit());
  CheckpointTruncate();
  return version;
}

StatusOr<IdentityInfo> SqliteGallery::GetIdentity(std::string_view id) {
  FT_RETURN_IF_ERROR(ValidateIdentityId(id));
  MutexLock l(&mu_);
  FT_ASSIGN_OR_RETURN(auto q, db_->Prepare(
      "SELECT id, record_ref, created_at, "
      "(SELECT count(*) FROM templates t WHERE t.identity_id = i.id) "
      "FROM identities i WHERE id = ?1"));
  FT_ASSIGN_OR_RETURN(bool row, q.BindText(1, id).Step());
  if (!row) return NotFoundError("no identity " + std::string(id));
  return IdentityInfo{q.Text(0), q.Text(1), q.Int(2), static_cast<int>(q.Int(3))};
}

StatusOr<std::vector<IdentityInfo>> SqliteGallery::ListIdentities(std::string_view after_id,
                                                                  int limit) {
  if (limit <= 0) return InvalidArgumentError("list limit must be positive");
  MutexLock l(&mu_);
  FT_ASSIGN_OR_RETURN(auto q, db_->Prepare(
      "SELECT id, record_ref, created_at, "
      "(SELECT count(*) FROM templates t WHERE t.identity_id = i.id) "
      "FROM identities i WHERE id > ?1 ORDER BY id LIMIT ?2"));
  q.BindText(1, after_id).Bind(2, int64_t{limit});
  std::vector<IdentityInfo> out;
  while (true) {
    FT_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(IdentityInfo{q.Text(0), q.Text(1), q.Int(2), static_cast<int>(q.Int(3))});
  }
  return out;
}

StatusOr<GalleryTemplates> SqliteGallery::LoadTemplates(std::string_view model_id) {
  MutexLock l(&mu_);
  // One read transaction: the templates and the version they belong to are consistent.
  FT_ASSIGN_OR_RETURN(auto txn, SqliteTransaction::Begin(db_.get(), /*immediate=*/false));
  FT_ASSIGN_OR_RETURN(GalleryRow g, ReadGalleryRow());
  if (!g.model_id.empty() && g.model_id != model_id) {
    return FailedPreconditionError("gallery holds templates of model " + g.model_id +
                                   ", not " + std::string(model_id));
  }
  GalleryTemplates out;
  out.gallery_id = gallery_id_;
  out.gallery_version = g.version;
  out.model_id = std::string(model_id);
  out.dim = g.dim;
  FT_ASSIGN_OR_RETURN(auto q, db_->Prepare(
      "SELECT id, identity_id, dim, blob, source_sha256, quality FROM templates "
      "WHERE model_id = ?1 ORDER BY identity_id, id"));
  q.BindText(1, model_id);
  while (true) {
    FT_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    StoredTemplate t;
    t.template_id = q.Int(0);
    t.identity_id = q.Text(1);
    std::string_view sha = q.Blob(4);
    if (sha.size() != 32 || q.Int(2) != g.dim) {
      return DataLossError("template row " + std::to_string(t.template_id) + " is malformed");
    }
    std::copy(sha.begin(), sha.end(), reinterpret_cast<char*>(t.source_sha256.data()));
    t.quality = static_cast<float>(q.Double(5));
    BlobContext ctx{gallery_id_, t.identity_id, model_id, t.source_sha256};
    auto values = match::DecodeTemplateBlob(q.Blob(3), g.dim, key(), ctx);
    if (!values.ok()) {
      return values.status().WithContext("template " + std::to_string(t.template_id));
    }
    t.values = std::move(values).value();
    out.templates.push_back(std::move(t));
  }
  FT_RETURN_IF_ERROR(txn->Commit());
  return out;
}

Status SqliteGallery::Rekey(const std::optional<GalleryKey>& new_key) {
  const GalleryKey* next = new_key ? &*new_key : nullptr;
  MutexLock l(&mu_);
  FT_ASSIGN_OR_RETURN(auto txn, SqliteTransaction::Begin(db_.get(), /*immediate=*/true));
  FT_ASSIGN_OR_RETURN(GalleryRow g, ReadGalleryRow());
  // In batches by id so memory stays bounded on large galleries, and so no SELECT is
  // stepping over rows while they are being updated.
  constexpr int64_t kBatch = 1024;
  int64_t after = 0;
  while (true) {
    struct Row {
      int64_t id;
      BlobContext ctx;
      std::string identity, model, blob;
    };
    std::vector<Row> rows;
    {
      FT_ASSIGN_OR_RETURN(auto q, db_->Prepare(
          "SELECT id, identity_id, model_id, blob, source_sha256 FROM templates "
          "WHERE id > ?1 ORDER BY id LIMIT ?2"));
      q.Bind(1, after).Bind(2, kBatch);
      while (true) {
        FT_ASSIGN_OR_RETURN(bool row, q.Step());
        if (!row) break;
        Row r{q.Int(0), {}, q.Text(1), q.Text(2), std::string(q.Blob(3))};
        std::string_view sha = q.Blob(4);
        if (sha.size() != 32) {
          return DataLossError("template row " + std::to_string(r.id) + " is malformed");
        }
        std::copy(sha.begin(), sha.end(), reinterpret_cast<char*>(r.ctx.source_sha256.data()));
        rows.push_back(std::move(r));
      }
    }
    if (rows.empty()) break;
    for (Row& r : rows) {
      r.ctx.gallery_id = gallery_id_;
      r.ctx.identity_id = r.identity;
      r.ctx.model_id = r.model;
      auto values = match::DecodeTemplateBlob(r.blob, g.dim, key(), r.ctx);
      if (!values.ok()) return values.status().WithContext("template " + std::to_string(r.id));
      std::string blob = match::EncodeTemplateBlob(*values, next, r.ctx);
      FT_ASSIGN_OR_RETURN(auto upd, db_->Prepare("UPDATE templates SET blob = ?1 WHERE id = ?2"));
      FT_RETURN_IF_ERROR(upd.BindBlob(1, blob).Bind(2, r.id).Run());
      after = r.id;
    }
  }
  FT_ASSIGN_OR_RETURN(auto set, db_->Prepare("UPDATE gallery SET key_id = ?1 WHERE singleton = 1"));
  FT_RETURN_IF_ERROR(set.BindText(1, next ? next->KeyId() : std::string()).Run());
  FT_RETURN_IF_ERROR(BumpVersion().status());
  FT_RETURN_IF_ERROR(txn->Commit());
  // The gallery now requires the new key; later calls on this object use it.
  options_.key = new_key;
  CheckpointTruncate();
  return Status::Ok();
}

}  // namespace

StatusOr<std::unique_ptr<Gallery>> Gallery::OpenSqlite(const GalleryOptions& options) {
  if (options.path.empty()) return InvalidArgumentError("gallery path is empty");
  if (!options.model_id.empty() && options.model_id.size() > 256) {
    return InvalidArgumentError("model id too long");
  }
  FT_ASSIGN_OR_RETURN(auto db, SqliteDb::Open(options.path, options.create_if_missing,
                                              options.busy_timeout_ms));
  // WAL: readers do not block the writer. synchronous=FULL: a committed enrolment or
  // deletion survives power loss. secure_delete: deleted template bytes are zeroed.
  FT_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode = WAL").WithContext(options.path));
  FT_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; "
                              "PRAGMA secure_delete = ON; PRAGMA trusted_schema = OFF"));
  std::string new_key_id = options.key ? options.key->KeyId() : std::string();
  FT_RETURN_IF_ERROR(match::MigrateGallerySchema(db.get(), options.clock->NowMicros(),
                                                 new_key_id)
                         .WithContext(options.path));
  FT_ASSIGN_OR_RETURN(auto q, db->Prepare(
      "SELECT gallery_id, key_id, model_id FROM gallery WHERE singleton = 1"));
  FT_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return DataLossError(options.path + ": gallery row missing");
  std::string gallery_id = q.Text(0), key_id = q.Text(1), model_id = q.Text(2);
  if (!key_id.empty() && !options.key) {
    return FailedPreconditionError(options.path + ": gallery templates are encrypted (key " +
                                   key_id + "); give its key file");
  }
  if (options.key && key_id != new_key_id) {
    return FailedPreconditionError(
        options.path + (key_id.empty() ? ": gallery is not encrypted; encrypt it with rekey"
                                       : ": the key given is not the gallery's key (" +
                                             key_id + ")"));
  }
  if (!options.model_id.empty() && !model_id.empty() && model_id != options.model_id) {
    return FailedPreconditionError(options.path + ": gallery holds templates of model " +
                                   model_id + ", not " + options.model_id);
  }
  if (!options.model_id.empty() && model_id.empty()) {
    FT_ASSIGN_OR_RETURN(auto bind, db->Prepare(
        "UPDATE gallery SET model_id = ?1 WHERE singleton = 1 AND model_id = ''"));
    FT_RETURN_IF_ERROR(bind.BindText(1, options.model_id).Run());
  }
  return std::unique_ptr<Gallery>(new SqliteGallery(options, std::move(db), gallery_id));
}

}  // namespace facetrail
