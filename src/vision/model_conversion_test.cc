// Acceptance test for the model converter (tools/convert): every converted ONNX model in
// models/ must compute, in OpenCV 4.6 dnn, what the ORIGINAL model computes in its own
// runtime. The reference numbers come from tests/fixtures/models/*.json, written by
// tools/reference/make_fixtures.mjs with TF.js (wasm backend), face-api's JS graph and the
// TFLite wasm runtime -- none of which the converter uses, so it cannot grade itself.
// Format, input formula and tolerance: tests/fixtures/models/README.md.
//
// Skips (with a message) when the converted models are absent (FACETRAIL_MODELS_DIR, default
// <repo>/models, has no manifest.json) and, per model, when the manifest does not list it.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include "facetrail/encoding.h"
#include "vision/test_data.h"

namespace facetrail::vision {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The element-wise bound from tests/fixtures/models/README.md. TF.js' own cpu and wasm
// backends stay inside it on BlazeFace; a wrong op mapping is off by orders of magnitude.
constexpr double kAbsTol = 1e-4;
constexpr double kRelTol = 1e-3;

// Every fixture the generator writes. FixtureListIsComplete keeps this in sync with the
// folder so a new fixture cannot be silently left out.
const std::vector<std::string>& FixtureNames() {
  static const std::vector<std::string> names = {
      "blazeface-back", "blazeface-front",     "antispoof",
      "liveness",       "faceapi-recognition", "mobilefacenet-expo"};
  return names;
}

fs::path FixtureDir() { return fs::path(FACETRAIL_SOURCE_DIR) / "tests" / "fixtures" / "models"; }

std::optional<json> ReadJson(const fs::path& path) {
  const std::string text = testing::ReadFileOrEmpty(path);
  if (text.empty()) return std::nullopt;
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return std::nullopt;
  return doc;
}

// Input formula "ft-synth-v1" (README): double precision, left to right, then float32.
float SynthValue(int c, int y, int x, int h, double lo, double hi) {
  const double u = 0.5 * std::sin(0.11 * x + 0.07 * y + 1.3 * c) +
                   0.3 * std::cos(0.05 * x * y / h + c);
  return static_cast<float>(lo + (u + 0.8) * (hi - lo) / 1.6);
}

// The fixture's input as an NCHW float32 blob [1, C, H, W].
cv::Mat SynthBlob(const json& input) {
  const auto& shape = input.at("shape_nhwc");
  const int h = shape.at(1).get<int>();
  const int w = shape.at(2).get<int>();
  const int c = shape.at(3).get<int>();
  const double lo = input.at("range").at(0).get<double>();
  const double hi = input.at("range").at(1).get<double>();
  const int dims[4] = {1, c, h, w};
  cv::Mat blob(4, dims, CV_32F);
  float* p = blob.ptr<float>();
  for (int ch = 0; ch < c; ++ch) {
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) *p++ = SynthValue(ch, y, x, h, lo, hi);
    }
  }
  return blob;
}

std::vector<int> Shape(const json& j) { return j.get<std::vector<int>>(); }

std::vector<float> Values(const json& output) {
  std::vector<float> v;
  for (const auto& x : output.at("values")) v.push_back(x.get<float>());
  return v;
}

std::string ShapeText(const std::vector<int>& shape) {
  std::ostringstream s;
  s << '[';
  for (size_t i = 0; i < shape.size(); ++i) s << (i ? "," : "") << shape[i];
  s << ']';
  return s.str();
}

std::vector<int> MatShape(const cv::Mat& m) {
  std::vector<int> s(m.size.p, m.size.p + m.dims);
  return s;
}

// Drops size-1 dims, so [1,896,17] == [896,17] and [1,128] == [128].
std::vector<int> Squeezed(std::vector<int> s) {
  s.erase(std::remove(s.begin(), s.end(), 1), s.end());
  return s;
}

// human's BlazeFace layout: per anchor (logit, 16 regressors), the 512 stride-S/16 rows
// first, then the 384 stride-S/8 rows. Built from the four raw outputs, keyed by shape.
std::optional<std::vector<float>> BlazeFaceDetections(const json& outputs) {
  const json* part[2][2] = {{nullptr, nullptr}, {nullptr, nullptr}};  // [512|384][logit|reg]
  for (const auto& [name, out] : outputs.items()) {
    const auto s = Shape(out.at("shape"));
    if (s.size() != 3) return std::nullopt;
    const int row = s[1] == 512 ? 0 : s[1] == 384 ? 1 : -1;
    const int col = s[2] == 1 ? 0 : s[2] == 16 ? 1 : -1;
    if (row < 0 || col < 0) return std::nullopt;
    part[row][col] = &out;
  }
  std::vector<float> det;
  det.reserve(896 * 17);
  for (int r = 0; r < 2; ++r) {
    if (part[r][0] == nullptr || part[r][1] == nullptr) return std::nullopt;
    const auto logit = Values(*part[r][0]);
    const auto reg = Values(*part[r][1]);
    const size_t rows = logit.size();
    if (reg.size() != rows * 16) return std::nullopt;
    for (size_t i = 0; i < rows; ++i) {
      det.push_back(logit[i]);
      det.insert(det.end(), reg.begin() + i * 16, reg.begin() + (i + 1) * 16);
    }
  }
  return det;
}

// What the ONNX output `shape` must equal: a fixture output with the same squeezed shape,
// or for BlazeFace the [896, 17] concatenation the converter emits. Sets `what`.
std::optional<std::vector<float>> ExpectedFor(const json& fixture, const std::vector<int>& shape,
                                              std::string* what) {
  const json& outputs = fixture.at("outputs");
  for (const auto& [name, out] : outputs.items()) {
    if (out.contains("indices")) continue;  // subset fixtures: not produced for these models
    if (Squeezed(Shape(out.at("shape"))) == Squeezed(shape)) {
      *what = "reference output " + name;
      return Values(out);
    }
  }
  if (Squeezed(shape) == std::vector<int>{896, 17}) {
    *what = "reference outputs concatenated as human's [896,17] detections";
    return BlazeFaceDetections(outputs);
  }
  return std::nullopt;
}

struct Diff {
  size_t violations = 0;
  size_t first_bad = 0;
  double max_abs = 0;
  double max_rel = 0;
};

Diff Compare(const float* got, const std::vector<float>& want) {
  Diff d;
  for (size_t i = 0; i < want.size(); ++i) {
    const double e = want[i];
    const double a = std::abs(static_cast<double>(got[i]) - e);
    d.max_abs = std::max(d.max_abs, a);
    if (std::abs(e) > 1e-3) d.max_rel = std::max(d.max_rel, a / std::abs(e));
    // !(a <= bound) also catches NaN.
    if (!(a <= kAbsTol + kRelTol * std::abs(e))) {
      if (d.violations++ == 0) d.first_bad = i;
    }
  }
  return d;
}

// The manifest entry (models/manifest.json, written by tools/convert/convert_all.py) that
// was converted from exactly the files the fixture ran: every SHA-256 in the fixture's
// "files" must be among the entry's "sources". A re-pinned model therefore cannot pass
// against references computed from other weights.
const json* ManifestEntryFor(const json& manifest, const json& fixture) {
  if (!manifest.contains("models") || !manifest.at("models").is_array()) return nullptr;
  for (const json& entry : manifest.at("models")) {
    if (!entry.contains("sources") || !entry.contains("file")) continue;
    std::vector<std::string> have;
    for (const auto& [rel, sha] : entry.at("sources").items()) have.push_back(sha.get<std::string>());
    bool all = !fixture.at("files").empty();
    for (const auto& [file, sha] : fixture.at("files").items()) {
      all = all && std::find(have.begin(), have.end(), sha.get<std::string>()) != have.end();
    }
    if (all) return &entry;
  }
  return nullptr;
}

TEST(ModelConversionFixtures, FixtureListIsComplete) {
  std::vector<std::string> on_disk;
  for (const auto& e : fs::directory_iterator(FixtureDir())) {
    if (e.path().extension() == ".json") on_disk.push_back(e.path().stem().string());
  }
  std::sort(on_disk.begin(), on_disk.end());
  std::vector<std::string> listed = FixtureNames();
  std::sort(listed.begin(), listed.end());
  EXPECT_EQ(on_disk, listed) << "tests/fixtures/models and FixtureNames() differ";
}

class ModelConversionTest : public ::testing::TestWithParam<std::string> {};

// The C++ input formula reproduces the tensor the original model was fed, bit for bit.
TEST_P(ModelConversionTest, SyntheticInputMatchesReference) {
  const auto fixture = ReadJson(FixtureDir() / (GetParam() + ".json"));
  ASSERT_TRUE(fixture.has_value()) << "cannot read fixture " << GetParam();
  const json& input = fixture->at("input");
  ASSERT_EQ(input.at("formula").get<std::string>(), "ft-synth-v1");
  const cv::Mat blob = SynthBlob(input);
  double sum = 0;
  for (size_t i = 0; i < blob.total(); ++i) sum += blob.ptr<float>()[i];
  const double want_sum = input.at("sum").get<double>();
  EXPECT_NEAR(sum, want_sum, 1e-9 * std::max(1.0, std::abs(want_sum)));
  const std::string_view bytes(reinterpret_cast<const char*>(blob.data),
                               blob.total() * sizeof(float));
  EXPECT_EQ(Sha256Hex(bytes), input.at("sha256_nchw_f32le").get<std::string>());
}

TEST_P(ModelConversionTest, OnnxMatchesOriginalRuntime) {
  const std::string name = GetParam();
  const auto fixture = ReadJson(FixtureDir() / (name + ".json"));
  ASSERT_TRUE(fixture.has_value()) << "cannot read fixture " << name;
  const fs::path models = testing::ModelsDir();
  if (!testing::HaveModels()) {
    GTEST_SKIP() << "no converted models in " << models
                 << " (run setup, or set FACETRAIL_MODELS_DIR)";
  }
  const auto manifest = ReadJson(models / "manifest.json");
  ASSERT_TRUE(manifest.has_value()) << "unreadable " << models / "manifest.json";
  const json* entry = ManifestEntryFor(*manifest, *fixture);
  if (entry == nullptr) {
    GTEST_SKIP() << "manifest lists no model converted from the files of fixture " << name
                 << " (" << fixture->at("package").get<std::string>() << ")";
  }
  const fs::path onnx = models / entry->at("file").get<std::string>();
  SCOPED_TRACE("fixture " + name + " -> " + onnx.string());

  // The manifest's preprocessing, (pixel - mean) * scale, is what the engine will apply.
  const json& pre = entry->at("preprocess");
  const auto mean = pre.at("mean").get<std::vector<double>>();
  const double scale = pre.at("scale").get<double>();
  ASSERT_EQ(mean.size(), 3u);
  cv::Mat blob = SynthBlob(fixture->at("input"));
  if (fixture->contains("normalisation_inside_original")) {
    // face-api normalises inside its JS net; the converted net leaves it to the caller. The
    // fixture input is pixels, so apply the manifest's normalisation, which must be
    // face-api's own.
    const json& norm = fixture->at("normalisation_inside_original");
    const auto want_mean = norm.at("mean_rgb").get<std::vector<double>>();
    for (int c = 0; c < 3; ++c) EXPECT_DOUBLE_EQ(mean[c], want_mean[c]) << "channel " << c;
    EXPECT_NEAR(scale, 1.0 / norm.at("divide_by").get<double>(), 1e-12);
    const int plane = blob.size[2] * blob.size[3];
    float* p = blob.ptr<float>();
    for (int c = 0; c < 3; ++c) {
      for (int i = 0; i < plane; ++i, ++p) *p = static_cast<float>((*p - mean[c]) * scale);
    }
  } else {
    // The fixture input is already in model space: the manifest's preprocessing must map
    // pixels 0..255 onto the range the package itself feeds the original.
    const double lo = fixture->at("input").at("range").at(0).get<double>();
    const double hi = fixture->at("input").at("range").at(1).get<double>();
    for (int c = 0; c < 3; ++c) {
      EXPECT_NEAR((0.0 - mean[c]) * scale, lo, 1e-9) << "channel " << c;
      EXPECT_NEAR((255.0 - mean[c]) * scale, hi, 1e-9) << "channel " << c;
    }
  }

  std::vector<std::string> out_names;
  std::vector<cv::Mat> outs;
  try {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(onnx.string());
    ASSERT_FALSE(net.empty());
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    net.setInput(blob, "input");
    out_names = net.getUnconnectedOutLayersNames();
    net.forward(outs, out_names);
  } catch (const cv::Exception& e) {
    FAIL() << "OpenCV dnn failed on " << onnx << ": " << e.what();
  }
  ASSERT_EQ(outs.size(), out_names.size());
  ASSERT_FALSE(outs.empty());

  size_t covered = 0;
  for (size_t k = 0; k < outs.size(); ++k) {
    const cv::Mat& out = outs[k];
    ASSERT_EQ(out.type(), CV_32F) << out_names[k];
    const auto shape = MatShape(out);
    std::string what;
    const auto want = ExpectedFor(*fixture, shape, &what);
    ASSERT_TRUE(want.has_value()) << "ONNX output " << out_names[k] << " " << ShapeText(shape)
                                  << " matches no reference output";
    ASSERT_EQ(out.total(), want->size()) << out_names[k];
    ASSERT_TRUE(out.isContinuous());
    covered += want->size();
    const Diff d = Compare(out.ptr<float>(), *want);
    EXPECT_EQ(d.violations, 0u)
        << "ONNX output " << out_names[k] << " " << ShapeText(shape) << " vs " << what << ": "
        << d.violations << " of " << want->size() << " values outside " << kAbsTol << " + "
        << kRelTol << "*|ref|; first at " << d.first_bad << " (onnx "
        << out.ptr<float>()[d.first_bad] << ", ref " << (*want)[d.first_bad]
        << "); max abs diff " << d.max_abs << ", max rel diff " << d.max_rel;
    std::printf("[ model %s ] %s %s vs %s: max abs diff %.3g, max rel diff %.3g\n", name.c_str(),
                out_names[k].c_str(), ShapeText(shape).c_str(), what.c_str(), d.max_abs, d.max_rel);
  }
  // Every reference value must be checked by some ONNX output.
  size_t reference = 0;
  for (const auto& [n, o] : fixture->at("outputs").items()) reference += o.at("values").size();
  EXPECT_EQ(covered, reference) << "ONNX outputs do not cover all reference outputs";
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ModelConversionTest, ::testing::ValuesIn(FixtureNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
}  // namespace facetrail::vision
