// Vision engine benchmark: per-stage latency (decode, detect, align, embed) and end-to-end
// time per image (Engine::EmbedProminent: decode + detect + quality + align + embed) on a
// folder of real images, with T worker threads (OpenCV itself single-threaded per call).
// A plain program rather than Google Benchmark so bench/run_vision_compare.sh can read one
// JSON object: per-stage mean/p50/p95 ms and throughput.
//
//   vision_bench --images ../shared/data/lfw-dev/images --n 500 --threads 1 --json
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/core.hpp>

#include "facetrail/engine.h"
#include "vision/align.h"
#include "vision/decode.h"
#include "vision/detector.h"
#include "vision/embedder.h"
#include "vision/model_manifest.h"
#include "vision/operating_points.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using facetrail::vision::ModelManifest;

struct Flags {
  std::string images = std::string(FACETRAIL_DATA_DEFAULT) + "/lfw-dev/images";
  std::string models;
  std::string embedder = "mobilefacenet";
  std::string detector;     // empty: the engine's default (the cascade below)
  std::string close_range;  // empty: the engine's default; "none": full-range only
  int n = 300;
  int threads = 1;
  bool json = false;
};

bool ParseFlags(int argc, char** argv, Flags* f) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--json") {
      f->json = true;
    } else if ((a == "--images" || a == "--models" || a == "--embedder" || a == "--detector" ||
                a == "--close-range" || a == "--n" || a == "--threads") &&
               (v = next()) != nullptr) {
      if (a == "--images") f->images = v;
      if (a == "--models") f->models = v;
      if (a == "--embedder") f->embedder = v;
      if (a == "--detector") f->detector = v;
      if (a == "--close-range") f->close_range = v;
      if (a == "--n") f->n = std::atoi(v);
      if (a == "--threads") f->threads = std::atoi(v);
    } else {
      std::fprintf(stderr,
                   "usage: vision_bench [--images DIR] [--n N] [--threads T] [--models DIR] "
                   "[--embedder NAME] [--detector NAME] [--close-range NAME|none] [--json]\n");
      return false;
    }
  }
  if (f->models.empty()) {
    const char* env = std::getenv("FACETRAIL_MODELS_DIR");
    f->models = env != nullptr && *env ? env : FACETRAIL_MODELS_DEFAULT;
  }
  return f->n > 0 && f->threads > 0;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

struct Series {
  std::vector<double> v;
  double Mean() const {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? 0 : s / static_cast<double>(v.size());
  }
  double Quantile(double q) const {
    if (v.empty()) return 0;
    std::vector<double> c = v;
    std::sort(c.begin(), c.end());
    return c[static_cast<size_t>(q * static_cast<double>(c.size() - 1))];
  }
};

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) return 2;
  std::vector<std::string> images;
  std::vector<fs::path> paths;
  for (const auto& e : fs::directory_iterator(flags.images)) {
    auto ext = e.path().extension().string();
    if (ext == ".jpg" || ext == ".jpeg" || ext == ".png") paths.push_back(e.path());
  }
  std::sort(paths.begin(), paths.end());
  if (paths.size() > static_cast<size_t>(flags.n)) paths.resize(static_cast<size_t>(flags.n));
  for (const auto& p : paths) images.push_back(ReadFile(p));
  if (images.empty()) {
    std::fprintf(stderr, "vision_bench: no images in %s\n", flags.images.c_str());
    return 2;
  }

  auto manifest = facetrail::vision::ParseModelManifest(ReadFile(flags.models + "/manifest.json"));
  if (!manifest.ok()) {
    std::fprintf(stderr, "vision_bench: %s\n", manifest.status().ToString().c_str());
    return 2;
  }
  facetrail::EngineOptions options;
  options.models_dir = flags.models;
  options.detector_name = flags.detector;
  options.close_range_detector_name = flags.close_range;
  options.embedder_name = flags.embedder;
  auto engine = facetrail::Engine::Create(options);  // sets OpenCV to 1 thread per call
  if (!engine.ok()) {
    std::fprintf(stderr, "vision_bench: %s\n", engine.status().ToString().c_str());
    return 2;
  }
  // The stage timings run the same models as the engine, one stage at a time.
  const auto* det_entry = manifest->FindByName((*engine)->detector().name);
  const auto* close_entry = (*engine)->close_range_detector() == nullptr
                                ? nullptr
                                : manifest->FindByName((*engine)->close_range_detector()->name);
  const auto* emb_entry = manifest->FindByName(flags.embedder);
  if (det_entry == nullptr || emb_entry == nullptr) {
    std::fprintf(stderr, "vision_bench: detector or embedder not in the manifest\n");
    return 2;
  }
  auto point = facetrail::vision::FindOperatingPoint(emb_entry->Id());
  const bool flip = point ? point->flip_average : facetrail::vision::kDefaultFlipAverage;
  auto detector = facetrail::vision::BlazeFaceDetector::Create(*det_entry, flags.models);
  std::unique_ptr<facetrail::vision::BlazeFaceDetector> close_detector;
  if (close_entry != nullptr) {
    auto c = facetrail::vision::BlazeFaceDetector::Create(*close_entry, flags.models);
    if (!c.ok()) {
      std::fprintf(stderr, "vision_bench: %s\n", c.status().ToString().c_str());
      return 2;
    }
    close_detector = std::move(c).value();
  }
  auto embedder = facetrail::vision::FaceEmbedder::Create(*emb_entry, flags.models, flip);
  // One forward pass, no flip: the "detector + one embedding" budget.
  auto single = facetrail::vision::FaceEmbedder::Create(*emb_entry, flags.models, false);
  if (!detector.ok() || !embedder.ok() || !single.ok()) {
    std::fprintf(stderr, "vision_bench: cannot load models from %s\n", flags.models.c_str());
    return 2;
  }

  const int t_count = flags.threads;
  std::vector<Series> decode(t_count), detect(t_count), align(t_count), embed(t_count),
      embed_one(t_count), e2e(t_count), e2e_one(t_count);
  std::atomic<int> no_face{0}, fallbacks{0};
  auto worker = [&](int t) {
    facetrail::vision::DecodeLimits limits;
    // Warm-up: the first call of each network allocates its buffers.
    (void)(*engine)->EmbedProminent(images[0]);
    for (size_t i = static_cast<size_t>(t); i < images.size(); i += static_cast<size_t>(t_count)) {
      auto t0 = Clock::now();
      auto rgb = facetrail::vision::DecodeImage(images[i], limits);
      auto t1 = Clock::now();
      if (!rgb.ok()) continue;
      facetrail::StatusOr<std::vector<facetrail::Face>> faces = std::vector<facetrail::Face>{};
      if (close_detector != nullptr) {
        faces = close_detector->Detect(*rgb, options.min_detection_score, options.max_faces);
      }
      if (faces.ok() && faces->empty()) {
        if (close_detector != nullptr) ++fallbacks;
        faces = (*detector)->Detect(*rgb, options.min_detection_score, options.max_faces);
      }
      auto t2 = Clock::now();
      decode[t].v.push_back(Ms(t0, t1));
      detect[t].v.push_back(Ms(t1, t2));
      if (!faces.ok() || faces->empty()) {
        ++no_face;
        continue;
      }
      cv::Mat crop = facetrail::vision::AlignFace(*rgb, faces->front(), (*embedder)->alignment());
      auto t3 = Clock::now();
      auto v = (*embedder)->Embed(crop);
      auto t4 = Clock::now();
      auto one = (*single)->Embed(crop);
      auto t4b = Clock::now();
      (void)one;
      align[t].v.push_back(Ms(t2, t3));
      embed[t].v.push_back(Ms(t3, t4));
      embed_one[t].v.push_back(Ms(t4, t4b));
      // Measured stages summed: decode + detect + align + one embedding.
      e2e_one[t].v.push_back(Ms(t0, t3) + Ms(t4, t4b));
      auto t5 = Clock::now();
      auto full = (*engine)->EmbedProminent(images[i]);
      auto t6 = Clock::now();
      if (full.ok()) e2e[t].v.push_back(Ms(t5, t6));
    }
  };
  // End-to-end throughput: a separate pass with only EmbedProminent, all threads at once.
  auto start = Clock::now();
  {
    std::vector<std::thread> pool;
    for (int t = 0; t < t_count; ++t) pool.emplace_back(worker, t);
    for (auto& th : pool) th.join();
  }
  std::atomic<size_t> next{0};
  auto tp0 = Clock::now();
  {
    std::vector<std::thread> pool;
    for (int t = 0; t < t_count; ++t) {
      pool.emplace_back([&] {
        for (size_t i; (i = next++) < images.size();) (void)(*engine)->EmbedProminent(images[i]);
      });
    }
    for (auto& th : pool) th.join();
  }
  double throughput_s = std::chrono::duration<double>(Clock::now() - tp0).count();
  (void)start;
  auto merge = [](const std::vector<Series>& per) {
    Series all;
    for (const auto& s : per) all.v.insert(all.v.end(), s.v.begin(), s.v.end());
    return all;
  };
  Series d = merge(decode), k = merge(detect), a = merge(align), m = merge(embed), e = merge(e2e);
  Series m1 = merge(embed_one), e1 = merge(e2e_one);
  const std::string det_id = (*engine)->prominent_path_id();
  double ips = static_cast<double>(images.size()) / throughput_s;
  if (flags.json) {
    auto stage = [](const char* name, const Series& s, bool last) {
      std::printf("    \"%s\": {\"mean_ms\": %.3f, \"p50_ms\": %.3f, \"p95_ms\": %.3f, \"n\": %zu}%s\n",
                  name, s.Mean(), s.Quantile(0.5), s.Quantile(0.95), s.v.size(), last ? "" : ",");
    };
    std::printf("{\n  \"tool\": \"vision_bench\",\n  \"images\": %zu,\n  \"threads\": %d,\n",
                images.size(), t_count);
    std::printf("  \"hardware_threads\": %u,\n", std::thread::hardware_concurrency());
    std::printf("  \"detector\": \"%s\",\n  \"embedder\": \"%s\",\n  \"flip_average\": %s,\n",
                det_id.c_str(), emb_entry->Id().c_str(), flip ? "true" : "false");
    std::printf("  \"no_face\": %d,\n  \"full_range_fallbacks\": %d,\n  \"stages\": {\n",
                no_face.load(), fallbacks.load());
    stage("decode", d, false);
    stage("detect", k, false);
    stage("align", a, false);
    stage("embed", m, false);
    stage("embed_one_forward", m1, false);
    stage("stages_sum_one_embedding", e1, false);
    stage("end_to_end", e, true);
    std::printf("  },\n  \"throughput_images_per_s\": %.2f\n}\n", ips);
  } else {
    std::printf("images %zu threads %d (%s, %s, flip %d)\n", images.size(), t_count,
                det_id.c_str(), emb_entry->Id().c_str(), flip);
    std::printf("decode %.2f ms  detect %.2f ms  align %.3f ms  embed %.2f ms  end-to-end %.2f ms"
                "  (p95 %.2f)  throughput %.1f img/s  no face %d  full-range fallbacks %d\n",
                d.Mean(), k.Mean(), a.Mean(), m.Mean(), e.Mean(), e.Quantile(0.95), ips,
                no_face.load(), fallbacks.load());
    std::printf("one forward: embed %.2f ms, decode+detect+align+embed %.2f ms\n", m1.Mean(),
                e1.Mean());
  }
  return 0;
}
