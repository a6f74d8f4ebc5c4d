// End-to-end engine tests on real images and the converted models: the peers' own
// assertions, hostile inputs, many faces, no face, model verification and mismatch.
// Skips (with a message) when the shared data or the models are absent.
#include "facetrail/engine.h"

#include <gtest/gtest.h>
#include <turbojpeg.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "vision/decode.h"
#include "vision/test_data.h"

namespace facetrail {
namespace {

namespace fs = std::filesystem;
using vision::testing::DataDir;
using vision::testing::ModelsDir;
using vision::testing::ReadFileOrEmpty;

std::string EncodeJpeg(const cv::Mat& rgb) {
  tjhandle h = tjInitCompress();
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  int rc = tjCompress2(h, rgb.data, rgb.cols, static_cast<int>(rgb.step[0]), rgb.rows, TJPF_RGB,
                       &buf, &size, TJSAMP_444, 92, 0);
  std::string out = rc == 0 ? std::string(reinterpret_cast<char*>(buf), size) : "";
  tjFree(buf);
  tjDestroy(h);
  return out;
}

class EngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!vision::testing::HaveModels() || !fs::exists(DataDir() / "lfw-dev")) return;
    EngineOptions o;
    o.models_dir = ModelsDir().string();
    auto e = Engine::Create(o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value().release();
  }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
  }
  void SetUp() override {
    if (engine_ == nullptr) {
      GTEST_SKIP() << "models (FACETRAIL_MODELS_DIR) or shared data (FACETRAIL_DATA) absent";
    }
  }
  static std::string Lfw(const std::string& name) {
    return ReadFileOrEmpty(DataDir() / "lfw-dev/images" / name);
  }
  static Template Embed(const fs::path& path) {
    std::string bytes = ReadFileOrEmpty(path);
    EXPECT_FALSE(bytes.empty()) << path;
    auto t = engine_->EmbedProminent(bytes);
    EXPECT_TRUE(t.ok()) << path << ": " << t.status().ToString();
    return t.ok() ? t->tmpl : Template{};
  }
  static float Score(const fs::path& a, const fs::path& b) {
    auto s = CompareTemplates(Embed(a), Embed(b));
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : NAN;
  }
  static inline Engine* engine_ = nullptr;
};

TEST_F(EngineTest, DetectsOneUprightFaceInAnLfwImage) {
  auto faces = engine_->Detect(Lfw("Aaron_Sorkin_0001.jpg"));
  ASSERT_TRUE(faces.ok()) << faces.status().ToString();
  ASSERT_GE(faces->size(), 1u);
  const Face& f = faces->front();
  EXPECT_GE(f.score, 0.6f);
  // LFW crops centre the face.
  EXPECT_NEAR(f.box.x + f.box.width / 2, 125, 25);
  EXPECT_NEAR(f.box.y + f.box.height / 2, 125, 30);
  EXPECT_LT(f.keypoints[0].x, f.keypoints[1].x);  // subject's right eye is on image left
  EXPECT_LT(f.keypoints[0].y, f.keypoints[3].y);  // eyes above the mouth
  EXPECT_GT(f.quality.inter_eye_px, 25);
  EXPECT_LT(std::abs(f.quality.roll_deg), 20);
  EXPECT_GT(f.quality.sharpness, 0);
  EXPECT_GT(f.quality.exposure, 0.1);
  EXPECT_LT(f.quality.exposure, 0.9);
}

TEST_F(EngineTest, TemplatesAreUnitVectorsTaggedWithTheModel) {
  auto t = engine_->EmbedProminent(Lfw("Aaron_Sorkin_0001.jpg"));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->tmpl.model_id, engine_->embedder().id);
  EXPECT_EQ(static_cast<int>(t->tmpl.values.size()), engine_->embedder().dim);
  double n = 0;
  for (float v : t->tmpl.values) n += double{v} * v;
  EXPECT_NEAR(n, 1.0, 1e-4);
  EXPECT_TRUE(std::isfinite(engine_->default_threshold()))
      << "embedder " << engine_->embedder().id << " has no measured threshold";
}

TEST_F(EngineTest, FaceRecognitionPeerAssertions) {
  const fs::path dir = DataDir() / "peers/face-recognition/tests/test_images";
  const float t = engine_->default_threshold();
  float o2 = Score(dir / "obama.jpg", dir / "obama2.jpg");
  float o3 = Score(dir / "obama.jpg", dir / "obama3.jpg");
  float ob = Score(dir / "obama.jpg", dir / "biden.jpg");
  EXPECT_GE(o2, t) << "obama = obama2";
  EXPECT_GE(o3, t) << "obama = obama3";
  EXPECT_LT(ob, t) << "obama != biden";
}

TEST_F(EngineTest, FaceApiPeerNearestNeighbourIsTheSamePerson) {
  const fs::path dir = DataDir() / "peers/face-api-js/examples/images";
  std::vector<std::pair<std::string, Template>> all;
  for (const auto& person : fs::directory_iterator(dir)) {
    if (!person.is_directory()) continue;
    for (const auto& img : fs::directory_iterator(person.path())) {
      all.emplace_back(person.path().filename().string(), Embed(img.path()));
    }
  }
  ASSERT_EQ(all.size(), 40u);
  for (size_t i = 0; i < all.size(); ++i) {
    float best = -2;
    size_t best_j = i;
    for (size_t j = 0; j < all.size(); ++j) {
      if (j == i) continue;
      auto s = CompareTemplates(all[i].second, all[j].second);
      ASSERT_TRUE(s.ok());
      if (*s > best) {
        best = *s;
        best_j = j;
      }
    }
    EXPECT_EQ(all[best_j].first, all[i].first) << "image " << i << " of " << all[i].first;
  }
}

TEST_F(EngineTest, FlatImageHasNoFace) {
  std::string jpeg = EncodeJpeg(cv::Mat(300, 400, CV_8UC3, cv::Scalar(128, 128, 128)));
  auto faces = engine_->Detect(jpeg);
  ASSERT_TRUE(faces.ok()) << faces.status().ToString();
  EXPECT_TRUE(faces->empty());
  auto t = engine_->EmbedProminent(jpeg);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kNotFound);
}

TEST_F(EngineTest, MosaicOfTwelveFacesFindsThemAll) {
  // 4 x 3 tiles: the central 150x150 of twelve LFW images of different people.
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(DataDir() / "lfw-dev/images")) {
    if (files.size() == 12) break;
    std::string n = entry.path().filename().string();
    if (n.find("_0001.jpg") != std::string::npos) files.push_back(n);
  }
  ASSERT_EQ(files.size(), 12u);
  cv::Mat mosaic(3 * 150, 4 * 150, CV_8UC3);
  for (int i = 0; i < 12; ++i) {
    auto rgb = vision::DecodeImage(Lfw(files[i]), {});
    ASSERT_TRUE(rgb.ok());
    (*rgb)(cv::Rect(50, 50, 150, 150)).copyTo(mosaic(cv::Rect((i % 4) * 150, (i / 4) * 150, 150, 150)));
  }
  std::string jpeg = EncodeJpeg(mosaic);
  auto faces = engine_->Detect(jpeg);
  ASSERT_TRUE(faces.ok()) << faces.status().ToString();
  EXPECT_GE(faces->size(), 10u);
  EXPECT_LE(faces->size(), 12u);
  auto all = engine_->EmbedAll(jpeg);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), faces->size());
}

// The verification path tries the close-range detector first and falls back to the
// full-range one: a small face in a wide frame (as in a photo taken from a distance) is
// missed by BlazeFace-front alone, found by the cascade, and gives the very template the
// full-range detector alone gives.
TEST_F(EngineTest, CascadeFallsBackToFullRangeForASmallFace) {
  ASSERT_NE(engine_->close_range_detector(), nullptr);
  EXPECT_EQ(engine_->prominent_path_id(),
            engine_->close_range_detector()->id + ">" + engine_->detector().id);
  auto rgb = vision::DecodeImage(Lfw("Aaron_Sorkin_0001.jpg"), {});
  ASSERT_TRUE(rgb.ok());
  cv::Mat small;
  cv::resize(*rgb, small, cv::Size(100, 100), 0, 0, cv::INTER_AREA);
  cv::Mat wide(720, 1280, CV_8UC3, cv::Scalar(120, 120, 120));
  small.copyTo(wide(cv::Rect(600, 300, 100, 100)));
  const std::string jpeg = EncodeJpeg(wide);

  auto make = [](const std::string& detector, const std::string& close_range) {
    EngineOptions o;
    o.models_dir = ModelsDir().string();
    o.detector_name = detector;
    o.close_range_detector_name = close_range;
    return Engine::Create(o);
  };
  auto front_only = make("blazeface-front", "none");
  auto back_only = make("blazeface-back", "none");
  ASSERT_TRUE(front_only.ok() && back_only.ok());
  EXPECT_EQ((*front_only)->close_range_detector(), nullptr);
  EXPECT_EQ((*back_only)->prominent_path_id(), (*back_only)->detector().id);
  auto missed = (*front_only)->EmbedProminent(jpeg);
  ASSERT_FALSE(missed.ok()) << "BlazeFace-front found the small face; make it smaller";
  EXPECT_EQ(missed.status().code(), StatusCode::kNotFound);
  auto full = (*back_only)->EmbedProminent(jpeg);
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  auto cascade = engine_->EmbedProminent(jpeg);
  ASSERT_TRUE(cascade.ok()) << cascade.status().ToString();
  EXPECT_EQ(cascade->tmpl.values, full->tmpl.values);
  // On a portrait-style photo the close-range detector answers, and the template still
  // matches the one the full-range path gives (same person, slightly different keypoints).
  auto portrait = engine_->EmbedProminent(Lfw("Aaron_Sorkin_0001.jpg"));
  auto portrait_full = (*back_only)->EmbedProminent(Lfw("Aaron_Sorkin_0001.jpg"));
  ASSERT_TRUE(portrait.ok() && portrait_full.ok());
  EXPECT_NE(portrait->tmpl.values, portrait_full->tmpl.values);
  auto s = CompareTemplates(portrait->tmpl, portrait_full->tmpl);
  ASSERT_TRUE(s.ok());
  EXPECT_GT(*s, 0.9f);
}

TEST_F(EngineTest, HostileInputsGiveClearErrors) {
  using namespace std::string_literals;
  std::string lfw = Lfw("Aaron_Sorkin_0001.jpg");
  const std::pair<std::string, StatusCode> cases[] = {
      {"", StatusCode::kInvalidArgument},
      {"GIF89a\x01\x00\x01\x00\x00\x00\x00"s, StatusCode::kInvalidArgument},
      {"not an image at all\n", StatusCode::kInvalidArgument},
      {lfw.substr(0, lfw.size() / 2), StatusCode::kInvalidArgument},
  };
  for (const auto& [bytes, code] : cases) {
    auto d = engine_->Detect(bytes);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.status().code(), code) << d.status().ToString();
    EXPECT_FALSE(engine_->EmbedProminent(bytes).ok());
  }
}

TEST_F(EngineTest, ConcurrentCallsAgreeWithSequentialOnes) {
  std::string a = Lfw("Aaron_Sorkin_0001.jpg"), b = Lfw("Aaron_Sorkin_0002.jpg");
  auto ta = engine_->EmbedProminent(a), tb = engine_->EmbedProminent(b);
  ASSERT_TRUE(ta.ok() && tb.ok());
  std::vector<std::vector<float>> results(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto t = engine_->EmbedProminent(i % 2 ? b : a);
      if (t.ok()) results[i] = t->tmpl.values;
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(results[i], (i % 2 ? tb : ta)->tmpl.values) << i;
}

TEST(CompareTemplatesTest, DifferentModelsNeverCompare) {
  Template a{"mobilefacenet@1#abc", {1, 0}}, b{"faceapi-resnet@1#def", {1, 0}};
  auto s = CompareTemplates(a, b);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  Template c{"mobilefacenet@1#abc", {0.6f, 0.8f}};
  EXPECT_NEAR(*CompareTemplates(a, c), 0.6f, 1e-6);
  Template d{"mobilefacenet@1#abc", {1, 0, 0}};
  EXPECT_FALSE(CompareTemplates(a, d).ok());
}

TEST(EngineCreateTest, RefusesAModelFileThatDiffersFromTheManifest) {
  if (!vision::testing::HaveModels()) GTEST_SKIP() << "models absent (FACETRAIL_MODELS_DIR)";
  fs::path dir = fs::temp_directory_path() / ("ft_vision_tamper_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  for (const auto& entry : fs::directory_iterator(ModelsDir())) {
    fs::copy_file(entry.path(), dir / entry.path().filename(),
                  fs::copy_options::overwrite_existing);
  }
  EngineOptions o;
  o.models_dir = dir.string();
  ASSERT_TRUE(Engine::Create(o).ok());
  {
    std::fstream f(dir / "mobilefacenet.onnx", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(1000);
    f.put('\x5a');
  }
  auto e = Engine::Create(o);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kDataLoss) << e.status().ToString();
  fs::remove_all(dir);
}

TEST(EngineCreateTest, TemplatesOfAnotherEmbedderAreRefused) {
  if (!vision::testing::HaveModels() || !fs::exists(DataDir() / "lfw-dev")) {
    GTEST_SKIP() << "models or shared data absent";
  }
  std::string img = ReadFileOrEmpty(DataDir() / "lfw-dev/images/Aaron_Sorkin_0001.jpg");
  EngineOptions o;
  o.models_dir = ModelsDir().string();
  auto mfn = Engine::Create(o);
  o.embedder_name = "faceapi-resnet";
  auto resnet = Engine::Create(o);
  ASSERT_TRUE(mfn.ok() && resnet.ok()) << resnet.status().ToString();
  auto a = (*mfn)->EmbedProminent(img);
  auto b = (*resnet)->EmbedProminent(img);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(b->tmpl.values.size(), 128u);
  EXPECT_EQ(CompareTemplates(a->tmpl, b->tmpl).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace facetrail
