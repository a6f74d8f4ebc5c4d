// Node-side release and revocation checks: every refusal the hub issue lists (bad
// signature, a model file whose SHA-256 differs, a missing disclosure, an older revocation
// list) plus the hashing of real files on disk.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <memory>

#include "facetrail/encoding.h"
#include "facetrail/release.h"

namespace facetrail::release {
namespace {

struct Keys {
  Keys(const std::string& name) {
    auto k = note::GenerateKey(name);
    signer = std::move(*note::Ed25519Signer::FromKey(k->private_key));
    verifier = std::move(*note::Ed25519Verifier::FromKey(k->verifier_key));
  }
  std::unique_ptr<note::Ed25519Signer> signer;
  std::unique_ptr<note::Ed25519Verifier> verifier;
};

class ReleaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/facetrail_release_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    Write("manifest.json",
          R"({"format":1,"models":[{"name":"det","file":"det.onnx","sha256":"x"},)"
          R"({"name":"emb","file":"emb.onnx","sha256":"y"}]})");
    Write("det.onnx", "detector weights bytes");
    Write("emb.onnx", "embedder weights bytes");
    Write("disclosure.json", "{\"disclosure\":1}");
    Write("calibration.json", "{\"calibration\":1}");
    Write("policy.bundle", "facetrail-policy/v1\n{}\n");
  }
  void TearDown() override { ASSERT_EQ(std::system(("rm -rf '" + dir_ + "'").c_str()), 0); }

  void Write(const std::string& name, const std::string& bytes) {
    std::ofstream(dir_ + "/" + name, std::ios::binary) << bytes;
  }
  std::string P(const std::string& name) const { return dir_ + "/" + name; }
  StatusOr<Release> Build() {
    return ReleaseFromFiles("rel-1", "2026-11-28T00:00:00Z", dir_, P("disclosure.json"),
                            P("calibration.json"), P("policy.bundle"));
  }
  StatusOr<LocalArtifacts> Local() {
    return HashLocalArtifacts(dir_, P("disclosure.json"), P("calibration.json"), P("policy.bundle"));
  }

  std::string dir_;
  Keys authority_{"authority.example"};
};

TEST_F(ReleaseTest, SignedReleaseVerifiesAgainstTheFilesItPins) {
  auto r = Build();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->models.size(), 2u);
  EXPECT_EQ(r->models[1].sha256, Sha256Hex("embedder weights bytes"));
  auto bundle = SignRelease(*r, *authority_.signer);
  ASSERT_TRUE(bundle.ok());
  EXPECT_EQ(bundle->rfind("facetrail-release/v1\n{", 0), 0u);
  auto local = Local();
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  auto v = VerifyRelease(*bundle, *authority_.verifier, *local);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(CanonicalReleaseJson(*v), CanonicalReleaseJson(*r));
}

TEST_F(ReleaseTest, RefusesBadSignature) {
  auto bundle = SignRelease(*Build(), *authority_.signer);
  Keys other("authority.example");  // same name, different key
  auto v = VerifyRelease(*bundle, *other.verifier, *Local());
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kUnauthenticated);
  // A flipped byte in the signed text.
  std::string tampered = *bundle;
  tampered.replace(tampered.find("rel-1"), 5, "rel-2");
  auto t = VerifyRelease(tampered, *authority_.verifier, *Local());
  EXPECT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kDataLoss) << t.status().ToString();
}

TEST_F(ReleaseTest, RefusesModelWhoseSha256Differs) {
  auto bundle = SignRelease(*Build(), *authority_.signer);
  Write("emb.onnx", "embedder weights bytes, swapped");
  auto v = VerifyRelease(*bundle, *authority_.verifier, *Local());
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(v.status().message().find("emb.onnx"), std::string::npos) << v.status().ToString();
}

TEST_F(ReleaseTest, RefusesMissingModelAndUnpinnedModel) {
  auto bundle = SignRelease(*Build(), *authority_.signer);
  ASSERT_EQ(std::remove(P("det.onnx").c_str()), 0);
  auto v = VerifyRelease(*bundle, *authority_.verifier, *Local());
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kFailedPrecondition) << v.status().ToString();
  Write("det.onnx", "detector weights bytes");
  auto local = *Local();
  local.model_files["extra.onnx"] = Sha256Hex("extra");
  auto u = VerifyRelease(*bundle, *authority_.verifier, local);
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.status().message().find("extra.onnx"), std::string::npos);
}

TEST_F(ReleaseTest, RefusesMissingDisclosure) {
  auto bundle = SignRelease(*Build(), *authority_.signer);
  ASSERT_EQ(std::remove(P("disclosure.json").c_str()), 0);
  auto local = Local();
  ASSERT_TRUE(local.ok());
  EXPECT_FALSE(local->disclosure_sha256.has_value());
  auto v = VerifyRelease(*bundle, *authority_.verifier, *local);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(v.status().message().find("disclosure"), std::string::npos);
  // And the authority cannot build a release without one.
  auto r = ReleaseFromFiles("rel-2", "2026-11-28T00:00:00Z", dir_, P("disclosure.json"),
                            P("calibration.json"), P("policy.bundle"));
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(ParseReleaseJson(R"({"schema":"facetrail-release/v1","release_id":"r","issued_at":)"
                                R"("2026-11-28T00:00:00Z","models":[{"name":"a","file":"a","sha256":")" +
                                std::string(64, 'a') + R"("}],"calibration_sha256":")" +
                                std::string(64, 'b') + R"(","policy_bundle_sha256":")" +
                                std::string(64, 'c') + R"("})")
                   .ok());
}

TEST_F(ReleaseTest, RefusesChangedDisclosureAndNonCanonicalJson) {
  auto bundle = SignRelease(*Build(), *authority_.signer);
  Write("disclosure.json", "{\"disclosure\":2}");
  EXPECT_EQ(VerifyRelease(*bundle, *authority_.verifier, *Local()).status().code(), StatusCode::kDataLoss);
  // Validly signed but not canonical (extra space): refused.
  std::string json = CanonicalReleaseJson(*Build());
  json.insert(1, " ");
  const note::Signer* s[] = {authority_.signer.get()};
  auto nc = note::Sign("facetrail-release/v1\n" + json + "\n", s);
  EXPECT_EQ(OpenRelease(*nc, *authority_.verifier).status().code(), StatusCode::kInvalidArgument);
}

RevocationList List(uint64_t seq, std::vector<std::string> releases = {}) {
  RevocationList l;
  l.sequence = seq;
  l.issued_at = "2026-11-28T00:00:00Z";
  l.revoked_releases = std::move(releases);
  return l;
}

TEST_F(ReleaseTest, RevocationListsAreMonotonic) {
  auto l2 = SignRevocations(List(2, {"rel-1"}), *authority_.signer);
  auto l1 = SignRevocations(List(1), *authority_.signer);
  auto l2b = SignRevocations(List(2, {"rel-9"}), *authority_.signer);
  auto l3 = SignRevocations(List(3, {"rel-1", "rel-2"}), *authority_.signer);
  auto held = ApplyRevocations(nullptr, *l2, *authority_.verifier);
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  auto older = ApplyRevocations(&*held, *l1, *authority_.verifier);
  EXPECT_EQ(older.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(older.status().message().find("older"), std::string::npos);
  EXPECT_EQ(ApplyRevocations(&*held, *l2b, *authority_.verifier).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_TRUE(ApplyRevocations(&*held, *l2, *authority_.verifier).ok());  // same list again
  auto next = ApplyRevocations(&*held, *l3, *authority_.verifier);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->sequence, 3u);
  Keys other("authority.example");
  EXPECT_FALSE(ApplyRevocations(&*held, *l3, *other.verifier).ok());
}

TEST_F(ReleaseTest, RevokedModelReleaseOrAgencyAnswersNothing) {
  Release r = *Build();
  RevocationList l = List(1);
  EXPECT_TRUE(CheckNotRevoked(l, r, "agency-a").ok());
  l.revoked_models = {r.models[0].sha256};
  Status s = CheckNotRevoked(l, r, "agency-a");
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(s.message().find("det.onnx"), std::string::npos);
  l.revoked_models.clear();
  l.suspended_agencies = {"agency-a"};
  EXPECT_EQ(CheckNotRevoked(l, r, "agency-a").code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(CheckNotRevoked(l, r, "agency-b").ok());
  l.revoked_releases = {"rel-1"};
  EXPECT_EQ(CheckNotRevoked(l, r, "agency-b").code(), StatusCode::kPermissionDenied);
  // Duplicates and a zero sequence are malformed.
  EXPECT_FALSE(SignRevocations(List(0), *authority_.signer).ok());
  EXPECT_FALSE(SignRevocations(List(4, {"a", "a"}), *authority_.signer).ok());
}

}  // namespace
}  // namespace facetrail::release
