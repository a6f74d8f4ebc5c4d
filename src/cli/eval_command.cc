// `facetrail eval <subcommand>`: ISO/IEC 19795-1 evaluation on labelled data.
//   pairs         verification on a pairs list (LFW protocol when folds are given)
//   pad, disclose implemented in eval_report_command.cc (see eval_subcommands.h)
// Further subcommands (calibrate, search, demographics, quality) are in cli_eval_*.cc
// files and share the helpers in eval_cli_common.h.
#include <cstdio>
#include <cstring>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/eval_cli_common.h"
#include "cli/eval_subcommands.h"
#include "eval/json_report.h"
#include "eval/pairs_run.h"
#include "eval/progress.h"
#include "facetrail/clock.h"

namespace facetrail::cli {
namespace {

int RunPairs(int argc, char** argv) {
  CLI::App app{"Verification metrics on a pairs list: accuracy (LFW protocol with folds), "
               "AUC, EER, TAR at FAR, FTA"};
  app.name("facetrail eval pairs");
  std::string pairs_csv, images, json_out;
  EvalEngineFlags flags;
  app.add_option("--pairs", pairs_csv, "CSV with image_a,image_b,same[,fold]")->required();
  app.add_option("--images", images, "directory the CSV's image names are relative to")->required();
  app.add_option("--json", json_out, "also write the JSON report to this file");
  AddEngineFlags(&app, &flags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  auto engine = MakeEngine(flags);
  if (!engine.ok()) return ReportError("eval pairs", engine.status());
  EvalSession session(flags, **engine, "embedding");
  eval::PairsRunOptions opt;
  opt.pairs_csv = pairs_csv;
  opt.images_dir = images;
  opt.embed = session.embed_options();
  auto report = eval::RunPairsEvaluation(**engine, opt);
  session.Finish();
  if (!report.ok()) return ReportError("eval pairs", report.status());
  return EmitJson(eval::ToJson(*report), json_out);
}

int RunEval(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::FILE* out = argc < 2 ? stderr : stdout;
    std::fprintf(out,
                 "usage: facetrail eval <subcommand> [options]\n\n"
                 "subcommands:\n");
    for (const auto& [name, sub] : EvalSubcommands()) {
      std::fprintf(out, "  %-13s %s\n", name.c_str(), sub.summary.c_str());
    }
    std::fprintf(out, "  %-13s %s\n", "pad", "presentation-attack detection: APCER per attack type, BPCER");
    std::fprintf(out, "  %-13s %s\n", "disclose", "signed accuracy and demographic-differential disclosure");
    return argc < 2 ? kExitUsage : kExitOk;
  }
  std::string sub = argv[1];
  if (sub == "pad" || sub == "disclose") {
    auto* fn = sub == "pad" ? &RunEvalPad : &RunEvalDisclose;
    if (fn == nullptr) {
      std::fprintf(stderr, "facetrail eval %s: not built into this binary\n", sub.c_str());
      return kExitUsage;
    }
    return (*fn)(argc - 1, argv + 1);
  }
  auto it = EvalSubcommands().find(sub);
  if (it == EvalSubcommands().end()) {
    std::fprintf(stderr, "facetrail eval: unknown subcommand '%s' (see facetrail eval --help)\n",
                 sub.c_str());
    return kExitUsage;
  }
  return it->second.run(argc - 1, argv + 1);
}

const EvalSubcommandRegistrar kPairs("pairs", "verification metrics on an image pairs list (LFW protocol)",
                                     RunPairs);

}  // namespace
}  // namespace facetrail::cli

FACETRAIL_COMMAND("eval", "evaluation: pairs, calibrate, search, demographics, quality, pad, disclose",
                  facetrail::cli::RunEval);
