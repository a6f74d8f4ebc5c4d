// Shared plumbing of the `facetrail eval` subcommands: the engine and cache flags, the
// engine factory, progress + cache session, error reporting with the CLI exit codes, JSON
// output, and the table of subcommands (each cli_eval_*.cc registers its own).
//
// Thread-safety: registration happens during static initialisation; everything else runs
// on the main thread (EvalSession's progress callback is safe from worker threads).
#ifndef FACETRAIL_CLI_EVAL_CLI_COMMON_H_
#define FACETRAIL_CLI_EVAL_CLI_COMMON_H_

#include <functional>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "core/env.h"
#include "eval/embed_runner.h"
#include "eval/progress.h"
#include "eval/template_cache.h"
#include "facetrail/engine.h"
#include "facetrail/status.h"

namespace CLI {
class App;
}

namespace facetrail::cli {

struct EvalEngineFlags {
  std::string models_dir;  // default: $FACETRAIL_MODELS, else the build's models/
  std::string embedder;    // manifest name; empty = the engine's default
  std::string detector;
  std::string cache_dir;   // default: TemplateCache::DefaultDir()
  bool no_cache = false;
  int threads = 2;
};

// --models, --embedder, --detector, --cache, --no-cache, --threads.
void AddEngineFlags(CLI::App* app, EvalEngineFlags* flags);

// kFailedPrecondition when this binary was built without the vision engine.
StatusOr<std::unique_ptr<Engine>> MakeEngine(const EvalEngineFlags& flags);

// The template cache (unless --no-cache) and a progress display for one embedding pass.
class EvalSession {
 public:
  EvalSession(const EvalEngineFlags& flags, const Engine& engine, std::string label);
  eval::EmbedOptions embed_options();
  void Finish() { progress_.Finish(); }

 private:
  int threads_;
  std::unique_ptr<eval::TemplateCache> cache_;
  eval::Progress progress_;
};

// $FACETRAIL_DATA, else the build's default (../shared/data next to the source tree).
std::string DefaultDataDir();
// <source tree>/calibration/<embedder name>.json: calibrations ship with the source.
std::string DefaultCalibrationPath(const std::string& embedder_name);

// Prints "facetrail <what>: <status>" to stderr and returns the exit code for it:
// kExitUsage for bad input or I/O, kExitInvalid otherwise.
int ReportError(const std::string& what, const Status& status);

// Writes the document to stdout and, when path is not empty, to that file too. Returns the
// exit code (kExitUsage if the file cannot be written).
int EmitJson(const nlohmann::json& doc, const std::string& path);

using EvalSubcommandFn = std::function<int(int argc, char** argv)>;
struct EvalSubcommand {
  std::string summary;
  EvalSubcommandFn run;
};
std::map<std::string, EvalSubcommand>& EvalSubcommands();

struct EvalSubcommandRegistrar {
  EvalSubcommandRegistrar(const char* name, const char* summary, EvalSubcommandFn fn) {
    EvalSubcommands()[name] = EvalSubcommand{summary, std::move(fn)};
  }
};

}  // namespace facetrail::cli

#endif  // FACETRAIL_CLI_EVAL_CLI_COMMON_H_
