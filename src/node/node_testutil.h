// Test support for the node's HTTP tests (header-only; included by src/node/*_test.cc
// only): a node with real stores on a temp directory behind a real HttpApi on a loopback
// port, an authority key that signs policies, users of every role, an httplib client with
// bearer tokens, and a ScoreCalibration measured from real impostor pairs.
//
// Thread-safety: one NodeHarness per test, used from the test's thread.
#ifndef FACETRAIL_NODE_NODE_TESTUTIL_H_
#define FACETRAIL_NODE_NODE_TESTUTIL_H_

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "facetrail/clock.h"
#include "facetrail/encoding.h"
#include "facetrail/engine.h"
#include "facetrail/note.h"
#include "facetrail/policy.h"
#include "node/http_api.h"
#include "node/node_service.h"
#include "vision/test_data.h"

namespace facetrail::node::testing {

namespace fs = std::filesystem;
using nlohmann::json;
using vision::testing::DataDir;
using vision::testing::ModelsDir;
using vision::testing::ReadFileOrEmpty;

// The demo policy (config/demo-policy.json) with test-sized numbers: a target FMR the
// fixture's measured calibration can resolve, and rate limits the tests choose.
inline policy::Policy TestPolicy(uint64_t serial = 1, int per_hour = 1000, int per_day = 10000) {
  policy::Policy p;
  p.agency = "demo-pd";
  p.serial = serial;
  p.issued_at = "2026-11-27T00:00:00Z";
  p.purposes = {"homicide", "robbery", "missing-person", "identity-verification"};
  p.verify = {true, false};
  p.search = {true, true};
  p.target_fmr = 1e-2;
  p.max_candidates = 5;
  p.rate_per_officer_hour = per_hour;
  p.rate_per_officer_day = per_day;
  p.reviewers_required = 2;
  p.training_validity_days = 365;
  p.probe_retention_days = 0;
  p.audit_retention_days = 3650;
  p.quality = {20, 0, true};
  return p;
}

// Estimated FMR from a sorted list of real impostor scores: the fraction of impostor
// pairs scoring at least s. Targets finer than one pair in the sample are refused rather
// than extrapolated (fail closed).
class MeasuredCalibration final : public ScoreCalibration {
 public:
  MeasuredCalibration(std::string model_id, std::vector<float> impostor_scores)
      : model_id_(std::move(model_id)), scores_(std::move(impostor_scores)) {
    std::sort(scores_.begin(), scores_.end());
  }
  const std::string& model_id() const override { return model_id_; }
  double EstimatedFmr(float score) const override {
    auto it = std::lower_bound(scores_.begin(), scores_.end(), score);
    size_t at_least = static_cast<size_t>(scores_.end() - it);
    // Above every sampled impostor the sample only bounds the rate by one pair.
    return static_cast<double>(std::max<size_t>(at_least, 1)) / static_cast<double>(scores_.size());
  }
  StatusOr<float> ThresholdForFmr(double target) const override {
    const double n = static_cast<double>(scores_.size());
    if (scores_.empty() || target * n < 1.0) {
      return FailedPreconditionError("calibration sample cannot resolve FMR " + std::to_string(target));
    }
    // Allow floor(target*n) impostor scores at or above the threshold.
    size_t allowed = static_cast<size_t>(target * n);
    size_t idx = scores_.size() - allowed;  // first score that may be reached
    if (idx == 0) return scores_.front();
    return std::nextafter(scores_[idx - 1], 2.0f);
  }
  size_t pairs() const { return scores_.size(); }

 private:
  std::string model_id_;
  std::vector<float> scores_;
};

struct LfwIdentity {
  std::string name;
  std::vector<fs::path> files;  // sorted
  int images = 0;
  // The k-th image on disk (1-based); LFW numbering has gaps in lfw-dev.
  fs::path Image(int k) const { return files.at(static_cast<size_t>(k - 1)); }
};

// lfw-dev identities by name, each with the image files present.
inline std::vector<LfwIdentity> LfwIdentities() {
  std::map<std::string, std::vector<fs::path>> by_name;
  std::error_code ec;
  for (const auto& f : fs::directory_iterator(DataDir() / "lfw-dev" / "images", ec)) {
    const std::string stem = f.path().stem().string();  // Name_0001
    auto us = stem.rfind('_');
    if (us == std::string::npos || f.path().extension() != ".jpg") continue;
    by_name[stem.substr(0, us)].push_back(f.path());
  }
  std::vector<LfwIdentity> out;
  for (auto& [name, files] : by_name) {
    std::sort(files.begin(), files.end());
    out.push_back({name, files, static_cast<int>(files.size())});
  }
  return out;
}

// All cross pairs of the first face of `count` single-image identities (never enrolled by
// the tests, which use identities with two or more images).
inline StatusOr<std::unique_ptr<MeasuredCalibration>> MeasureCalibration(const Engine& engine,
                                                                          int count) {
  std::vector<Template> ts;
  for (const LfwIdentity& id : LfwIdentities()) {
    if (static_cast<int>(ts.size()) >= count) break;
    if (id.images != 1) continue;
    auto t = engine.EmbedProminent(ReadFileOrEmpty(id.Image(1)));
    if (t.ok()) ts.push_back(t->tmpl);
  }
  std::vector<float> scores;
  for (size_t i = 0; i < ts.size(); ++i) {
    for (size_t j = i + 1; j < ts.size(); ++j) {
      FT_ASSIGN_OR_RETURN(float s, CompareTemplates(ts[i], ts[j]));
      scores.push_back(s);
    }
  }
  return std::make_unique<MeasuredCalibration>(engine.embedder().id, std::move(scores));
}

inline std::string SignBundle(const policy::Policy& p, const note::Signer& authority) {
  auto b = policy::SignPolicyBundle(p, authority);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return b.ok() ? *b : "";
}

// The log index a denial names in its message: "... (audit index N)".
inline int64_t AuditIndexIn(const std::string& message) {
  std::smatch m;
  static const std::regex re(R"(\(audit index (\d+)\))");
  if (!std::regex_search(message, m, re)) return -1;
  return std::stoll(m[1].str());
}

// A node on a temp dir with a real HttpApi on 127.0.0.1:<free port>.
class NodeHarness {
 public:
  struct Options {
    Engine* engine = nullptr;
    const ScoreCalibration* calibration = nullptr;
    bool install_policy = true;
    policy::Policy policy = TestPolicy();
    size_t max_body_bytes = 12 << 20;
    std::string agency = "demo-pd";        // also the policy's agency
    FederationGate* federation = nullptr;  // not owned; null: standalone
  };

  explicit NodeHarness(const Options& o) : clock_(1'790'000'000'000'000) {
    static std::atomic<int> seq{0};
    dir_ = fs::temp_directory_path() /
           ("ft_node_" + std::to_string(::getpid()) + "_" + std::to_string(seq++));
    fs::remove_all(dir_);
    auto key = note::GenerateKey("authority.test");
    EXPECT_TRUE(key.ok());
    authority_key_ = *key;
    auto signer = note::Ed25519Signer::FromKey(key->private_key);
    EXPECT_TRUE(signer.ok());
    authority_ = std::move(*signer);

    options_.data_dir = dir_.string();
    options_.agency = o.agency;
    options_.federation = o.federation;
    options_.authority_vkey = key->verifier_key;
    options_.engine = o.engine;
    options_.calibration = o.calibration;
    options_.clock = &clock_;
    http_options_.port = 0;
    http_options_.threads = 4;
    http_options_.max_body_bytes = o.max_body_bytes;
    Open();
    if (service_ == nullptr) return;
    if (o.install_policy) {
      policy::Policy policy = o.policy;
      policy.agency = o.agency;
      auto r = service_->InstallPolicyAsOperator(SignBundle(policy, *authority_));
      EXPECT_TRUE(r.ok()) << r.status().ToString();
    }
    for (auto [id, role] : std::vector<std::pair<std::string, Role>>{
             {"officer1", Role::kOfficer}, {"officer2", Role::kOfficer},
             {"reviewer1", Role::kReviewer}, {"reviewer2", Role::kReviewer},
             {"reviewer3", Role::kReviewer}, {"auditor1", Role::kAuditor},
             {"enroller1", Role::kEnroller}, {"admin1", Role::kAdmin}}) {
      auto t = service_->AddUser(id, id + " (test)", role);
      EXPECT_TRUE(t.ok()) << t.status().ToString();
      tokens_[id] = t.ok() ? *t : "";
      if (role == Role::kOfficer || role == Role::kReviewer) {
        EXPECT_TRUE(service_->AttestTraining(id, "course-2026", 365).ok());
      }
    }
  }

  ~NodeHarness() {
    Close();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Starts (again) on the same data directory.
  void Open() {
    auto s = NodeService::Open(options_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    service_ = std::move(*s);
    auto api = HttpApi::Create(service_.get(), http_options_);
    ASSERT_TRUE(api.ok()) << api.status().ToString();
    api_ = std::move(*api);
    ASSERT_TRUE(api_->Start().ok());
  }

  void Close() {
    if (api_) api_->Stop();
    api_.reset();
    service_.reset();
  }

  httplib::Client Client(const std::string& user = "") const {
    httplib::Client c("127.0.0.1", api_->port());
    c.set_read_timeout(60, 0);
    c.set_write_timeout(60, 0);
    c.set_connection_timeout(5, 0);
    if (!user.empty()) {
      auto it = tokens_.find(user);
      c.set_bearer_token_auth(it != tokens_.end() ? it->second : user);
    }
    return c;
  }

  NodeService* service() { return service_.get(); }
  ManualClock& clock() { return clock_; }
  const note::Signer& authority() const { return *authority_; }
  const std::string& token(const std::string& user) { return tokens_[user]; }
  const fs::path& dir() const { return dir_; }

  // The log entry at `index`, parsed.
  json Entry(int64_t index) {
    if (index < 0) return json();
    auto e = service_->log()->Entry(static_cast<uint64_t>(index));
    if (!e.ok()) return json();
    return json::parse(*e, nullptr, false);
  }
  json LastEntry() { return Entry(static_cast<int64_t>(service_->log()->Size()) - 1); }
  uint64_t LogSize() { return service_->log()->Size(); }

 private:
  fs::path dir_;
  ManualClock clock_;
  note::GeneratedKey authority_key_;
  std::unique_ptr<note::Ed25519Signer> authority_;
  NodeOptions options_;
  HttpOptions http_options_;
  std::unique_ptr<NodeService> service_;
  std::unique_ptr<HttpApi> api_;
  std::map<std::string, std::string> tokens_;
};

// A probe request as JSON with the image base64-encoded.
inline json ProbeBody(const std::string& image, const std::string& purpose,
                      const std::string& case_number, const std::string& authority = "") {
  json b = {{"image", Base64Encode(image)}, {"purpose", purpose}, {"case_number", case_number}};
  if (!authority.empty()) b["legal_authority"] = authority;
  return b;
}

inline json BodyJson(const httplib::Result& r) {
  if (!r) return json();
  return json::parse(r->body, nullptr, false);
}

}  // namespace facetrail::node::testing

#endif  // FACETRAIL_NODE_NODE_TESTUTIL_H_
