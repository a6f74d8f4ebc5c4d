#include <cstdio>
#include <cstdlib>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/eval_cli_common.h"
#include "eval/json_report.h"
#include "facetrail/encoding.h"

namespace facetrail::cli {

void AddEngineFlags(CLI::App* app, EvalEngineFlags* flags) {
  app->add_option("--models", flags->models_dir, "models directory (manifest.json + .onnx)");
  app->add_option("--embedder", flags->embedder, "embedder name from the manifest (default: engine's)");
  app->add_option("--detector", flags->detector, "detector name from the manifest (default: engine's)");
  app->add_option("--cache", flags->cache_dir, "template cache directory (default ~/.cache/facetrail)");
  app->add_flag("--no-cache", flags->no_cache, "do not read or write the template cache");
  app->add_option("--threads", flags->threads, "worker threads (default 2)")->check(CLI::Range(1, 64));
}

StatusOr<std::unique_ptr<Engine>> MakeEngine(const EvalEngineFlags& flags) {
#if defined(FACETRAIL_HAVE_VISION)
  EngineOptions o;
  o.models_dir = flags.models_dir;
  if (o.models_dir.empty()) {
    const char* env = std::getenv("FACETRAIL_MODELS");
    o.models_dir = env != nullptr && *env ? env : FACETRAIL_MODELS_DEFAULT;
  }
  o.embedder_name = flags.embedder;
  o.detector_name = flags.detector;
  return Engine::Create(o);
#else
  (void)flags;
  return FailedPreconditionError("this binary was built without the vision engine");
#endif
}

EvalSession::EvalSession(const EvalEngineFlags& flags, const Engine& engine, std::string label)
    : threads_(flags.threads),
      progress_(std::move(label), stderr, eval::Progress::StderrIsTty(), Clock::Real()) {
  if (flags.no_cache) return;
  std::string dir = flags.cache_dir.empty() ? eval::TemplateCache::DefaultDir() : flags.cache_dir;
  // The pipeline (detector, alignment, flip) is code: key the cache on this executable too.
  static const std::string exe_hash = [] {
    auto exe = Env::Default()->ReadFileToString("/proc/self/exe", uint64_t{1} << 30);
    return exe.ok() ? Sha256Hex(*exe) : std::string();
  }();
  if (exe_hash.empty()) {
    std::fprintf(stderr, "facetrail eval: template cache disabled: cannot fingerprint the executable\n");
    return;
  }
  auto cache = std::make_unique<eval::TemplateCache>(
      Env::Default(), dir, engine.embedder().id,
      "detector=" + engine.prominent_path_id() + ";exe=" + exe_hash.substr(0, 32));
  Status s = cache->Open();
  if (!s.ok()) {
    // The cache only saves time; run without it rather than fail.
    std::fprintf(stderr, "facetrail eval: template cache disabled: %s\n", s.ToString().c_str());
    return;
  }
  cache_ = std::move(cache);
}

eval::EmbedOptions EvalSession::embed_options() {
  eval::EmbedOptions o;
  o.threads = threads_;
  o.cache = cache_.get();
  o.progress = [this](size_t done, size_t total) { progress_.Update(done, total); };
  return o;
}

std::string DefaultDataDir() {
  const char* d = std::getenv("FACETRAIL_DATA");
  return d != nullptr && *d ? d : FACETRAIL_DATA_DEFAULT;
}

std::string DefaultCalibrationPath(const std::string& embedder_name) {
  return std::string(FACETRAIL_SOURCE_DIR) + "/calibration/" + embedder_name + ".json";
}

int ReportError(const std::string& what, const Status& status) {
  std::fprintf(stderr, "facetrail %s: %s\n", what.c_str(), status.ToString().c_str());
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kIOError:
    case StatusCode::kResourceExhausted:
    case StatusCode::kFailedPrecondition:
      return kExitUsage;
    default:
      return kExitInvalid;
  }
}

int EmitJson(const nlohmann::json& doc, const std::string& path) {
  std::string text = eval::Dump(doc);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
  if (path.empty()) return kExitOk;
  Status s = Env::Default()->WriteStringToFileSync(path, text);
  if (!s.ok()) return ReportError("eval: writing " + path, s);
  return kExitOk;
}

std::map<std::string, EvalSubcommand>& EvalSubcommands() {
  static auto* table = new std::map<std::string, EvalSubcommand>();
  return *table;
}

}  // namespace facetrail::cli
