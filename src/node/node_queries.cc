// NodeService request handlers: 1:1 verify, 1:N search, leads and decisions, gallery
// changes, and the auditor's reads. Each follows the same order: authorise, gate on the
// policy, compute, write the audit entry (durable), answer with its index.
#include <algorithm>
#include <cmath>

#include "facetrail/encoding.h"
#include "facetrail/signed_report.h"
#include "node/node_service_impl.h"
#include "node/report_json.h"

namespace facetrail::node {

namespace {

nlohmann::json QualityJson(const FaceQuality& q) {
  return {{"inter_eye_px", q.inter_eye_px}, {"sharpness", q.sharpness},
          {"exposure", q.exposure},         {"contrast", q.contrast},
          {"yaw_deg", q.yaw_deg},           {"roll_deg", q.roll_deg}};
}

// Below the quality gate? Returns the reason, or "" when the face passes.
std::string QualityProblem(const policy::Policy& p, const FaceQuality& q) {
  if (q.inter_eye_px < p.quality.min_inter_eye_px) {
    return "face too small: " + std::to_string(static_cast<int>(q.inter_eye_px)) +
           " px between the eyes, policy needs " +
           std::to_string(static_cast<int>(p.quality.min_inter_eye_px));
  }
  if (q.sharpness < p.quality.min_sharpness) return "image too blurred for the quality gate";
  return "";
}

nlohmann::json QueryDetails(const ProbeQuery& q, std::string_view probe_sha256) {
  nlohmann::json d = {{"purpose", q.purpose}, {"case_number", q.case_number},
                      {"probe_sha256", probe_sha256}};
  if (!q.legal_authority.empty()) d["legal_authority"] = q.legal_authority;
  return d;
}

}  // namespace

std::shared_ptr<const GallerySnapshot> NodeServiceImpl::Snapshot() const {
  MutexLock lock(&mu_);
  return snapshot_;
}

Status NodeServiceImpl::ReloadGallery() {
  const ModelInfo& model = options_.engine->embedder();
  auto loaded = gallery_->LoadTemplates(model.id);
  if (!loaded.ok()) return loaded.status().WithContext("loading gallery");
  auto snap = std::make_shared<GallerySnapshot>();
  auto templates = std::make_shared<GalleryTemplates>(std::move(*loaded));
  for (size_t i = 0; i < templates->templates.size(); ++i) {
    snap->rows_by_identity[templates->templates[i].identity_id].push_back(i);
  }
  snap->identities = snap->rows_by_identity.size();
  FT_ASSIGN_OR_RETURN(std::unique_ptr<Matcher> matcher,
                      Matcher::Create(MatcherOptions{}, model.id, model.dim));
  if (!templates->templates.empty()) FT_RETURN_IF_ERROR(matcher->Load(*templates));
  snap->matcher = std::move(matcher);
  snap->templates = std::move(templates);
  MutexLock lock(&mu_);
  snapshot_ = std::move(snap);
  return Status::Ok();
}

StatusOr<VerifyResult> NodeServiceImpl::Verify(const RequestMeta& meta, const VerifyRequest& req) {
  FT_ASSIGN_OR_RETURN(Principal who, Authorize(meta, {Role::kOfficer}, "verify"));
  const std::string probe_sha = Sha256Hex(req.probe.image);
  nlohmann::json d = QueryDetails(req.probe, probe_sha);
  d["claimed_identity"] = req.identity_id;
  policy::QueryContext qc{policy::Mode::kVerify, req.probe.purpose, req.probe.case_number,
                          req.probe.legal_authority};
  RequestTrace* trace = meta.trace;
  StatusOr<policy::Policy> gate = [&] {
    StageTimer t(trace, Stage::kPolicy);
    return GateQuery(who, qc, event::kVerify, &d);
  }();
  FT_ASSIGN_OR_RETURN(policy::Policy pol, std::move(gate));
  const AuditActor actor = ActorOf(who);
  Status idv = ValidateIdentityId(req.identity_id);
  if (!idv.ok()) return Deny(event::kVerify, actor, idv, d);

  const ModelInfo& model = options_.engine->embedder();
  FT_ASSIGN_OR_RETURN(float threshold, options_.calibration->ThresholdForFmr(pol.target_fmr));
  // Scores between the threshold at 100x the target FMR and the operating threshold are
  // suggestive but not enough: "inconclusive", never "match".
  FT_ASSIGN_OR_RETURN(float weak, options_.calibration->ThresholdForFmr(
                                      std::min(1e-2, pol.target_fmr * 100)));
  d["model"] = {{"id", model.id}, {"sha256", model.sha256}};
  d["threshold"] = {{"target_fmr", pol.target_fmr}, {"score", threshold}};

  if (static_cast<int64_t>(req.probe.image.size()) > options_.max_image_bytes) {
    d["result"] = "image_rejected";
    return Deny(event::kVerify, actor, ImageError(ResourceExhaustedError("image over the size limit")), d);
  }
  StatusOr<FaceTemplate> probe = [&] {
    StageTimer t(trace, Stage::kEngine);
    return options_.engine->EmbedProminent(req.probe.image);
  }();
  if (!probe.ok()) {
    d["result"] = "image_rejected";
    return Deny(event::kVerify, actor, ImageError(probe.status()), d);
  }
  d["quality"] = QualityJson(probe->face.quality);
  std::string qproblem = QualityProblem(pol, probe->face.quality);
  if (!qproblem.empty() && pol.quality.refuse) {
    d["result"] = "quality_refused";
    return Deny(event::kVerify, actor, ImageError(InvalidArgumentError(qproblem)), d);
  }

  StageTimer match_timer(trace, Stage::kMatch);
  std::shared_ptr<const GallerySnapshot> snap = Snapshot();
  auto rows = snap->rows_by_identity.find(req.identity_id);
  if (rows == snap->rows_by_identity.end()) {
    d["result"] = "unknown_identity";
    match_timer.Stop();  // the refusal's audit append is not match time
    return Deny(event::kVerify, actor,
                NotFoundError("no enrolled identity '" + req.identity_id + "'"), d);
  }
  float best = -1;
  for (size_t row : rows->second) {
    Template t{snap->templates->model_id, snap->templates->templates[row].values};
    FT_ASSIGN_OR_RETURN(float s, CompareTemplates(probe->tmpl, t));
    best = std::max(best, s);
  }
  VerifyResult r;
  r.score = best;
  r.threshold = threshold;
  r.target_fmr = pol.target_fmr;
  r.estimated_fmr = options_.calibration->EstimatedFmr(best);
  r.quality = probe->face.quality;
  r.quality_flagged = !qproblem.empty();
  r.model_id = model.id;
  r.policy_serial = pol.serial;
  if (best >= threshold && !r.quality_flagged) {
    r.result = "match";
  } else if (best >= weak || (best >= threshold && r.quality_flagged)) {
    r.result = "inconclusive";
  } else {
    r.result = "no_match";
  }
  d["result"] = r.result;
  d["score"] = r.score;
  d["estimated_fmr"] = r.estimated_fmr;
  d["gallery"] = {{"id", gallery_->gallery_id()}, {"version", snap->templates->gallery_version}};
  if (r.quality_flagged) d["quality_flag"] = qproblem;
  match_timer.Stop();
  FT_ASSIGN_OR_RETURN(r.audit_index, Audit(event::kVerify, actor, "ok", "", d, trace));
  return r;
}

StatusOr<SearchResult> NodeServiceImpl::Search(const RequestMeta& meta, const ProbeQuery& req) {
  FT_ASSIGN_OR_RETURN(Principal who, Authorize(meta, {Role::kOfficer}, "search"));
  const std::string probe_sha = Sha256Hex(req.image);
  nlohmann::json d = QueryDetails(req, probe_sha);
  policy::QueryContext qc{policy::Mode::kSearch, req.purpose, req.case_number, req.legal_authority};
  RequestTrace* trace = meta.trace;
  StatusOr<policy::Policy> gate = [&] {
    StageTimer t(trace, Stage::kPolicy);
    return GateQuery(who, qc, event::kSearch, &d);
  }();
  FT_ASSIGN_OR_RETURN(policy::Policy pol, std::move(gate));
  const AuditActor actor = ActorOf(who);
  const ModelInfo& model = options_.engine->embedder();
  std::shared_ptr<const GallerySnapshot> snap = Snapshot();
  const size_t n = std::max<size_t>(1, snap->identities);
  // The policy's target applies to the whole search: the chance that a search of a gallery
  // of n people returns anyone when the probe's person is not enrolled (FPIR ~= n x FMR).
  FT_ASSIGN_OR_RETURN(float threshold,
                      options_.calibration->ThresholdForFmr(pol.target_fmr / static_cast<double>(n)));
  d["model"] = {{"id", model.id}, {"sha256", model.sha256}};
  d["threshold"] = {{"target_fpir", pol.target_fmr}, {"score", threshold}, {"gallery_size", n}};
  d["gallery"] = {{"id", gallery_->gallery_id()}, {"version", snap->templates->gallery_version}};

  if (static_cast<int64_t>(req.image.size()) > options_.max_image_bytes) {
    d["result"] = "image_rejected";
    return Deny(event::kSearch, actor, ImageError(ResourceExhaustedError("image over the size limit")), d);
  }
  StatusOr<FaceTemplate> probe = [&] {
    StageTimer t(trace, Stage::kEngine);
    return options_.engine->EmbedProminent(req.image);
  }();
  if (!probe.ok()) {
    d["result"] = "image_rejected";
    return Deny(event::kSearch, actor, ImageError(probe.status()), d);
  }
  d["quality"] = QualityJson(probe->face.quality);
  std::string qproblem = QualityProblem(pol, probe->face.quality);
  if (!qproblem.empty() && pol.quality.refuse) {
    d["result"] = "quality_refused";
    return Deny(event::kSearch, actor, ImageError(InvalidArgumentError(qproblem)), d);
  }

  StageTimer match_timer(trace, Stage::kMatch);
  SearchResult r;
  r.threshold = threshold;
  r.target_fmr = pol.target_fmr;
  r.gallery_size = snap->identities;
  r.gallery_version = snap->templates->gallery_version;
  r.quality = probe->face.quality;
  r.quality_flagged = !qproblem.empty();
  r.model_id = model.id;
  r.policy_serial = pol.serial;
  std::vector<Candidate> found;
  if (snap->identities > 0) {
    FT_ASSIGN_OR_RETURN(found, snap->matcher->Search(probe->tmpl, pol.max_candidates, threshold));
  }
  std::vector<NewLead> leads;
  nlohmann::json cands = nlohmann::json::array();
  for (const Candidate& c : found) {
    SearchLead l;
    l.lead_id = NewLeadId();
    l.identity_id = c.identity_id;
    l.rank = c.rank;
    l.score = c.score;
    l.estimated_fmr = std::min(1.0, static_cast<double>(n) * options_.calibration->EstimatedFmr(c.score));
    leads.push_back({l.lead_id, l.identity_id, l.rank, l.score, l.estimated_fmr});
    cands.push_back({{"lead_id", l.lead_id}, {"identity", l.identity_id}, {"rank", l.rank},
                     {"score", l.score}, {"estimated_fmr", l.estimated_fmr}});
    r.candidates.push_back(std::move(l));
  }
  d["candidates"] = cands;
  d["result"] = found.empty() ? "no_candidate" : "candidates";
  if (r.quality_flagged) d["quality_flag"] = qproblem;
  match_timer.Stop();
  FT_ASSIGN_OR_RETURN(r.audit_index, Audit(event::kSearch, actor, "ok", "", d, trace));
  if (!leads.empty()) {
    StatusOr<std::vector<Lead>> created = [&] {
      StageTimer t(trace, Stage::kLeads);
      return leads_->CreateLeads(r.audit_index, req.case_number, who.user_id,
                                 pol.reviewers_required, leads);
    }();
    if (!created.ok()) {
      // The query is on record; its leads could not be stored. Say so in the log too, and
      // return no result: an officer must never hold leads reviewers cannot see.
      Audit(event::kSearch, actor, "error", created.status().message(),
            {{"case_number", req.case_number}, {"query_index", r.audit_index},
             {"result", "leads_not_stored"}})
          .status()
          .IgnoreError();
      return created.status().WithContext("storing leads");
    }
    // Reviewers compare the probe with each candidate; kept only while leads are pending.
    StageTimer t(trace, Stage::kMedia);
    media_->Put("probe", std::to_string(r.audit_index), req.image, 0).IgnoreError();
  }
  return r;
}

StatusOr<std::vector<LeadView>> NodeServiceImpl::ListLeads(const RequestMeta& meta,
                                                           std::optional<LeadState> state) {
  FT_ASSIGN_OR_RETURN(Principal who, Authorize(meta, {Role::kReviewer, Role::kAuditor, Role::kAdmin},
                                               "list leads"));
  return leads_->List(state, who.user_id, 200);
}

StatusOr<DecisionResult> NodeServiceImpl::Decide(const RequestMeta& meta, std::string_view lead_id,
                                                 bool confirm, std::string_view note) {
  FT_ASSIGN_OR_RETURN(Principal who, Authorize(meta, {Role::kReviewer}, "decide on leads"));
  const AuditActor actor = ActorOf(who);
  nlohmann::json d = {{"lead_id", lead_id}, {"decision", confirm ? "confirm" : "reject"},
                      {"note_sha256", Sha256Hex(note)}};
  if (!TrainingValid(who, clock_->NowSeconds())) {
    return Deny(event::kDecision, actor, PermissionDeniedError("reviewer training is not valid"), d);
  }
  if (note.size() > 2000) return Deny(event::kDecision, actor, InvalidArgumentError("note over 2000 characters"), d);
  auto lead = leads_->CheckDecision(lead_id, who.user_id);
  if (!lead.ok()) return Deny(event::kDecision, actor, lead.status(), d);
  d["case_number"] = lead->case_number;
  d["query_index"] = lead->query_index;
  d["identity"] = lead->identity_id;
  d["note"] = note;
  FT_ASSIGN_OR_RETURN(uint64_t index, Audit(event::kDecision, actor, "ok", "", d));
  auto decided = leads_->Decide(lead_id, who.user_id, confirm, note, index);
  if (!decided.ok()) {
    // Lost a race (another decision closed the lead between the check and now): record
    // that the logged decision did not take effect.
    Audit(event::kDecision, actor, "error", decided.status().message(),
          {{"lead_id", lead_id}, {"case_number", lead->case_number}, {"voids_index", index}})
        .status()
        .IgnoreError();
    return decided.status();
  }
  if (decided->state != LeadState::kPending) {
    auto pending = leads_->PendingForQuery(decided->query_index);
    if (pending.ok() && *pending == 0) {
      std::optional<policy::Policy> pol = CurrentPolicy();
      const std::string key = std::to_string(decided->query_index);
      if (pol && pol->probe_retention_days > 0) {
        media_->SetExpiry("probe", key, clock_->NowSeconds() + int64_t{86400} * pol->probe_retention_days)
            .IgnoreError();
      } else {
        media_->Delete("probe", key).IgnoreError();
      }
    }
    Audit(event::kDecision, actor, "ok", "",
          {{"lead_id", lead_id}, {"case_number", lead->case_number},
           {"result", std::string("lead_") + std::string(LeadStateName(decided->state))},
           {"final", true}})
        .status()
        .IgnoreError();
  }
  return DecisionResult{*decided, index};
}

StatusOr<std::string> NodeServiceImpl::LeadImage(const RequestMeta& meta, std::string_view lead_id,
                                                 bool probe) {
  FT_ASSIGN_OR_RETURN(Principal who, Authorize(meta, {Role::kReviewer, Role::kAuditor, Role::kAdmin},
                                               "view review images"));
  FT_ASSIGN_OR_RETURN(LeadView v, leads_->Get(lead_id, who.user_id));
  if (v.lead.officer_id == who.user_id) {
    return PermissionDeniedError("an officer cannot review the leads of their own query");
  }
  if (probe) return media_->Get("probe", std::to_string(v.lead.query_index));
  return media_->Get("reference", v.lead.identity_id);
}

StatusOr<EnrolOutcome> NodeServiceImpl::Enrol(const RequestMeta& meta, const EnrolRequest& req) {
  FT_ASSIGN_OR_RETURN(Principal who, Authorize(meta, {Role::kEnroller}, "enrol identities"));
  const AuditActor actor = ActorOf(who);
  nlohmann::json d = {{"identity", req.identity_id}, {"record_ref", req.record_ref}};
  nlohmann::json shas = nlohmann::json::array();
  for (const auto& img : req.images) shas.push_back(Sha256Hex(img));
  d["image_sha256"] = shas;
  if (options_.engine == nullptr) {
    return Deny(event::kEnrol, actor, UnavailableError("no face engine loaded"), d);
  }
  if (req.images.empty() || req.images.size() > 16) {
    return Deny(event::kEnrol, actor, InvalidArgumentError("1..16 reference images are required"), d);
  }
  std::vector<EnrolTemplate> templates;
  for (const auto& img : req.images) {
    if (static_cast<int64_t>(img.size()) > options_.max_image_bytes) {
      return Deny(event::kEnrol, actor, ImageError(ResourceExhaustedError("image over the size limit")), d);
    }
    auto t = options_.engine->EmbedProminent(img);
    if (!t.ok()) return Deny(event::kEnrol, actor, ImageError(t.status()), d);
    float q = std::min(1.0f, t->face.quality.inter_eye_px / 100.0f);
    templates.push_back(EnrolTemplate{t->tmpl, Sha256(img), q});
  }
  MutexLock lock(&gallery_write_mu_);
  auto result = gallery_->Enrol(req.identity_id, req.record_ref, templates);
  if (!result.ok()) return Deny(event::kEnrol, actor, result.status(), d);
  if (result->identity_created) {
    media_->Put("reference", req.identity_id, req.images.front(), 0).IgnoreError();
  }
  FT_RETURN_IF_ERROR(ReloadGallery());
  d["gallery"] = {{"id", gallery_->gallery_id()}, {"version", result->gallery_version}};
  d["templates_added"] = templates.size();
  FT_ASSIGN_OR_RETURN(uint64_t index, Audit(event::kEnrol, actor, "ok", "", d));
  return EnrolOutcome{req.identity_id, static_cast<int>(templates.size()), result->gallery_version, index};
}

StatusOr<uint64_t> NodeServiceImpl::DeleteIdentity(const RequestMeta& meta, std::string_view id) {
  FT_ASSIGN_OR_RETURN(Principal who, Authorize(meta, {Role::kEnroller, Role::kAdmin},
                                               "delete identities"));
  const AuditActor actor = ActorOf(who);
  nlohmann::json d = {{"identity", id}};
  MutexLock lock(&gallery_write_mu_);
  auto version = gallery_->DeleteIdentity(id);
  if (!version.ok()) return Deny(event::kDelete, actor, version.status(), d);
  media_->Delete("reference", id).IgnoreError();
  if (options_.engine != nullptr) FT_RETURN_IF_ERROR(ReloadGallery());
  d["gallery"] = {{"id", gallery_->gallery_id()}, {"version", *version}};
  return Audit(event::kDelete, actor, "ok", "", d);
}

StatusOr<AuditEntryWithProof> NodeServiceImpl::AuditEntry(const RequestMeta& meta, uint64_t index) {
  FT_ASSIGN_OR_RETURN(Principal who, Authorize(meta, {Role::kAuditor, Role::kAdmin},
                                               "read audit entries"));
  if (index >= log_->Size()) return NotFoundError("no audit entry " + std::to_string(index));
  AuditEntryWithProof out;
  out.index = index;
  FT_ASSIGN_OR_RETURN(out.entry, log_->Entry(index));
  out.checkpoint = log_->LatestCheckpoint();
  if (out.checkpoint.size <= index) {
    FT_ASSIGN_OR_RETURN(out.checkpoint, log_->Checkpoint());
  }
  FT_ASSIGN_OR_RETURN(out.proof, log_->InclusionProof(index, out.checkpoint.size));
  FT_ASSIGN_OR_RETURN(uint64_t access, Audit(event::kAccess, ActorOf(who), "ok", "",
                                             {{"what", "audit_entry"}, {"index", index}}));
  (void)access;
  return out;
}

StatusOr<CaseExport> NodeServiceImpl::ExportCase(const RequestMeta& meta, std::string_view case_number) {
  FT_ASSIGN_OR_RETURN(Principal who, Authorize(meta, {Role::kAuditor, Role::kAdmin}, "export cases"));
  if (!policy::IsValidReference(case_number)) return InvalidArgumentError("case number is malformed");
  CaseExport out;
  out.case_number = std::string(case_number);
  FT_ASSIGN_OR_RETURN(std::vector<uint64_t> indices, index_->EntriesForCase(case_number));
  FT_ASSIGN_OR_RETURN(out.export_audit_index,
                      Audit(event::kAccess, ActorOf(who), "ok", "",
                            {{"what", "case_export"}, {"case_number", case_number},
                             {"entries", indices.size()}}));
  FT_ASSIGN_OR_RETURN(out.checkpoint, log_->Checkpoint());
  for (uint64_t i : indices) {
    if (i >= out.checkpoint.size) continue;
    CaseRecord rec;
    rec.index = i;
    FT_ASSIGN_OR_RETURN(rec.entry, log_->Entry(i));
    FT_ASSIGN_OR_RETURN(rec.proof, log_->InclusionProof(i, out.checkpoint.size));
    out.records.push_back(std::move(rec));
  }
  FT_ASSIGN_OR_RETURN(out.leads, leads_->ForCase(case_number));
  return out;
}

StatusOr<UsageReport> NodeServiceImpl::Report(const RequestMeta& /*meta: the report is public*/) {
  UsageReport r;
  r.generated_at_micros = clock_->NowMicros();
  r.node_id = options_.node_id;
  r.agency = options_.agency;
  if (options_.engine != nullptr) {
    r.model_id = options_.engine->embedder().id;
    r.model_sha256 = options_.engine->embedder().sha256;
    r.detector_id = options_.engine->prominent_path_id();
  }
  r.policy = CurrentPolicy();
  if (r.policy && options_.calibration != nullptr) {
    auto t = options_.calibration->ThresholdForFmr(r.policy->target_fmr);
    if (t.ok()) r.threshold = *t;
  }
  if (auto snap = Snapshot()) {
    r.gallery_identities = snap->identities;
    r.gallery_version = snap->templates ? snap->templates->gallery_version : 0;
  }
  r.log_size = log_->Size();
  r.checkpoint = log_->LatestCheckpoint();
  FT_ASSIGN_OR_RETURN(r.counts, index_->Counts());
  for (LeadState s : {LeadState::kPending, LeadState::kConfirmed, LeadState::kRejected}) {
    FT_ASSIGN_OR_RETURN(auto views, leads_->List(s, "", 1000));
    r.leads_by_state[std::string(LeadStateName(s))] = static_cast<int64_t>(views.size());
  }
  r.federation = Federation();
  return r;
}

StatusOr<std::string> NodeServiceImpl::SignedReport(const RequestMeta& meta) {
  FT_ASSIGN_OR_RETURN(UsageReport r, Report(meta));
  return report::SignReport(UsageReportJson(r), *report_signer_);
}

StatusOr<std::string> NodeServiceImpl::ReadTiles(const RequestMeta& meta, std::string_view path) {
  if (path.rfind("tile/entries/", 0) == 0) {
    FT_ASSIGN_OR_RETURN(Principal who, Authorize(meta, {Role::kAuditor, Role::kAdmin},
                                                 "read entry bundles"));
    (void)who;
  }
  return log_->ReadTilesPath(path);
}

}  // namespace facetrail::node
