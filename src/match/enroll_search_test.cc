// End to end through the library API: real images (FACETRAIL_DATA peers) -> vision engine
// -> SQLite gallery -> matcher. Skips with a message when the models or the data are
// absent, or when the vision library is not part of this build.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "facetrail/engine.h"
#include "facetrail/gallery.h"
#include "facetrail/matcher.h"

namespace facetrail {
namespace {

namespace fs = std::filesystem;

fs::path DataDir() {
  const char* env = std::getenv("FACETRAIL_DATA");
  return env != nullptr && *env != '\0' ? env : FACETRAIL_DATA_DEFAULT;
}

fs::path ModelsDir() {
  const char* env = std::getenv("FACETRAIL_MODELS_DIR");
  return env != nullptr && *env != '\0' ? env : FACETRAIL_MODELS_DEFAULT;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class EnrollSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
#ifndef FACETRAIL_HAVE_VISION
    GTEST_SKIP() << "vision library not built; end-to-end test skipped";
#else
    peers_ = DataDir() / "peers";
    if (!fs::exists(peers_ / "face-recognition" / "labels.csv")) {
      GTEST_SKIP() << "no peers data at " << peers_ << " (set FACETRAIL_DATA)";
    }
    if (!fs::exists(ModelsDir() / "manifest.json")) {
      GTEST_SKIP() << "no converted models at " << ModelsDir() << " (run scripts/setup.sh)";
    }
    EngineOptions options;
    options.models_dir = ModelsDir().string();
    auto engine = Engine::Create(options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(engine).value();
    dir_ = fs::temp_directory_path() / ("ft_e2e_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    GalleryOptions gopts;
    gopts.path = (dir_ / "gallery.db").string();
    gopts.model_id = engine_->embedder().id;
    auto gallery = Gallery::OpenSqlite(gopts);
    ASSERT_TRUE(gallery.ok()) << gallery.status().ToString();
    gallery_ = std::move(gallery).value();
#endif
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  EnrolTemplate Embed(const fs::path& image) {
    std::string bytes = ReadFile(image);
    EXPECT_FALSE(bytes.empty()) << image;
    auto face = engine_->EmbedProminent(bytes);
    EXPECT_TRUE(face.ok()) << image << ": " << face.status().ToString();
    EnrolTemplate t;
    if (face.ok()) {
      t.tmpl = face->tmpl;
      t.quality = face->face.score;
    }
    t.source_sha256 = Sha256(bytes);
    return t;
  }

  std::unique_ptr<Matcher> LoadMatcher() {
    auto templates = gallery_->LoadTemplates(engine_->embedder().id);
    EXPECT_TRUE(templates.ok()) << templates.status().ToString();
    auto m = Matcher::Create({}, engine_->embedder().id, engine_->embedder().dim);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    EXPECT_TRUE((*m)->Load(*templates).ok());
    return std::move(m).value();
  }

  fs::path peers_, dir_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Gallery> gallery_;
};

// face_recognition's own assertions (obama = obama2 = obama3, obama != biden), as a 1:N
// search: with obama and biden enrolled, obama2 and obama3 rank obama first and biden's
// other photo ranks biden first.
TEST_F(EnrollSearchTest, PeersAssertionsHoldAsSearch) {
  const fs::path fr = peers_ / "face-recognition";
  ASSERT_TRUE(gallery_->Enrol("obama", "fr/obama", {Embed(fr / "tests/test_images/obama.jpg")}).ok());
  ASSERT_TRUE(gallery_->Enrol("biden", "fr/biden", {Embed(fr / "tests/test_images/biden.jpg")}).ok());
  auto m = LoadMatcher();
  ASSERT_EQ(m->identity_count(), 2u);
  struct Case {
    const char* image;
    const char* expected;
  };
  for (const Case& c : {Case{"tests/test_images/obama2.jpg", "obama"},
                        Case{"tests/test_images/obama3.jpg", "obama"},
                        Case{"examples/knn_examples/train/biden/biden2.jpg", "biden"}}) {
    EnrolTemplate probe = Embed(fr / c.image);
    auto got = m->Search(probe.tmpl, 2, -1.0f);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(got->size(), 2u);
    EXPECT_EQ((*got)[0].identity_id, c.expected) << c.image;
    EXPECT_GT((*got)[0].score, (*got)[1].score);
    // The matcher's score is the engine's cosine score for the same pair.
    EnrolTemplate best = Embed(fr / (std::string(c.expected) == "obama"
                                         ? "tests/test_images/obama.jpg"
                                         : "tests/test_images/biden.jpg"));
    auto direct = CompareTemplates(probe.tmpl, best.tmpl);
    ASSERT_TRUE(direct.ok());
    EXPECT_NEAR((*got)[0].score, *direct, 1e-4);
  }
}

// Every enrolled image, searched again, finds its own identity first with score ~1, after
// a round trip through SQLite; deleting the identity removes it from later searches.
TEST_F(EnrollSearchTest, EnrolledImagesFindThemselvesUntilDeleted) {
  const fs::path fa = peers_ / "face-api-js" / "examples" / "images";
  if (!fs::exists(fa)) GTEST_SKIP() << "no face-api-js peers images";
  const std::vector<std::string> people = {"amy", "bernadette", "howard", "leonard",
                                           "penny", "raj", "sheldon", "stuart"};
  for (const std::string& p : people) {
    std::vector<EnrolTemplate> ts;
    for (int i = 1; i <= 2; ++i) ts.push_back(Embed(fa / p / (p + std::to_string(i) + ".png")));
    auto r = gallery_->Enrol("face-api:" + p, "", ts);
    ASSERT_TRUE(r.ok()) << p << ": " << r.status().ToString();
  }
  auto m = LoadMatcher();
  EXPECT_EQ(m->identity_count(), people.size());
  EXPECT_EQ(m->template_count(), 2 * people.size());
  for (const std::string& p : people) {
    EnrolTemplate probe = Embed(fa / p / (p + "2.png"));
    auto got = m->Search(probe.tmpl, 3, -1.0f);
    ASSERT_TRUE(got.ok());
    ASSERT_FALSE(got->empty());
    EXPECT_EQ((*got)[0].identity_id, "face-api:" + p);
    EXPECT_NEAR((*got)[0].score, 1.0f, 1e-4);  // the same image, deterministic embedding
  }
  ASSERT_TRUE(gallery_->DeleteIdentity("face-api:amy").ok());
  m = LoadMatcher();
  auto got = m->Search(Embed(fa / "amy" / "amy2.png").tmpl, 8, -1.0f);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->size(), people.size() - 1);
  for (const Candidate& c : *got) EXPECT_NE(c.identity_id, "face-api:amy");
}

}  // namespace
}  // namespace facetrail
