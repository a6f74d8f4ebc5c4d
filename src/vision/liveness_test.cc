#include "facetrail/liveness.h"

#include <cmath>

#include <gtest/gtest.h>

#include "vision/test_data.h"

namespace facetrail {
namespace {

using vision::testing::DataDir;
using vision::testing::HaveModels;
using vision::testing::ModelsDir;
using vision::testing::ReadFileOrEmpty;

class LivenessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveModels()) GTEST_SKIP() << "no converted models at " << ModelsDir();
    image_ = ReadFileOrEmpty(DataDir() / "pad-dev/live/0001/0001_00_00_01_0.jpg");
    if (image_.empty()) GTEST_SKIP() << "pad-dev not found under " << DataDir();
    EngineOptions eo;
    eo.models_dir = ModelsDir();
    auto engine = Engine::Create(eo);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
  }
  std::string image_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(LivenessTest, DefaultModelsScoreARealFaceInRange) {
  LivenessOptions o;
  o.models_dir = ModelsDir();
  auto checker = LivenessChecker::Create(o);
  ASSERT_TRUE(checker.ok()) << checker.status().ToString();
  // Defaults leave the slow expo model out.
  ASSERT_EQ((*checker)->model_ids().size(), 2u);
  for (const auto& id : (*checker)->model_ids()) EXPECT_EQ(id.find("expo"), std::string::npos);
  auto faces = engine_->Detect(image_);
  ASSERT_TRUE(faces.ok()) << faces.status().ToString();
  ASSERT_FALSE(faces->empty());
  auto scores = (*checker)->Score(image_, faces->front());
  ASSERT_TRUE(scores.ok()) << scores.status().ToString();
  ASSERT_EQ(scores->size(), 2u);
  EXPECT_EQ((*scores)[0].model, "antispoof");
  EXPECT_EQ((*scores)[1].model, "liveness");
  for (const auto& s : *scores) {
    EXPECT_TRUE(std::isfinite(s.score));
    EXPECT_GE(s.score, 0.0f);
    EXPECT_LE(s.score, 1.0f);
  }
  // Deterministic: the same face gives the same scores.
  auto again = (*checker)->Score(image_, faces->front());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0].score, (*scores)[0].score);
}

TEST_F(LivenessTest, RefusesBoxOutsideImageAndGarbageBytes) {
  LivenessOptions o;
  o.models_dir = ModelsDir();
  o.models = {"liveness"};
  auto checker = LivenessChecker::Create(o);
  ASSERT_TRUE(checker.ok()) << checker.status().ToString();
  Face far;
  far.box = {100000, 100000, 50, 50};
  EXPECT_EQ((*checker)->Score(image_, far).status().code(), StatusCode::kInvalidArgument);
  Face ok;
  ok.box = {10, 10, 50, 50};
  EXPECT_FALSE((*checker)->Score("not an image", ok).ok());
}

TEST_F(LivenessTest, UnknownOrWrongRoleModelIsNotFound) {
  LivenessOptions o;
  o.models_dir = ModelsDir();
  o.models = {"mobilefacenet"};  // exists, but is an embedder
  EXPECT_EQ(LivenessChecker::Create(o).status().code(), StatusCode::kNotFound);
  o.models = {"no-such-model"};
  EXPECT_EQ(LivenessChecker::Create(o).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace facetrail
