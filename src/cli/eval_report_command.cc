// `facetrail eval pad` and `facetrail eval disclose` (dispatched from eval_command.cc; see
// eval_subcommands.h). No FACETRAIL_COMMAND here: the "eval" group is registered once.
//   pad       presentation-attack detection: APCER per attack type, BPCER (docs/liveness.md)
//   disclose  the signed disclosure report: JSON + signature + HTML (docs/disclosure.md)
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <cstdlib>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/eval_cli_common.h"
#include "cli/eval_subcommands.h"
#include "eval/disclosure.h"
#include "eval/disclosure_html.h"
#include "eval/json_report.h"
#include "eval/pad_json.h"
#include "eval/pad_run.h"
#include "eval/progress.h"
#include "facetrail/clock.h"
#include "facetrail/encoding.h"
#include "facetrail/liveness.h"
#include "facetrail/note.h"

namespace facetrail::cli {
namespace {

[[maybe_unused]] std::string ModelsDir(const EvalEngineFlags& flags) {
  if (!flags.models_dir.empty()) return flags.models_dir;
  const char* env = std::getenv("FACETRAIL_MODELS");
  return env != nullptr && *env ? env : FACETRAIL_MODELS_DEFAULT;
}

// The signed note's text (docs/disclosure.md): a format line, the file name, its SHA-256.
std::string DisclosureNoteText(const std::string& sha256_hex) {
  return "facetrail-disclosure/1\ndisclosure.json\nsha256 " + sha256_hex + "\n";
}

Status WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return IOError("cannot write " + path);
  return Status::Ok();
}

struct KeyChoice {
  std::unique_ptr<note::Ed25519Signer> signer;
  bool generated = false;
};

// --key-file, else a fresh key written into the output folder (and said so on stderr).
StatusOr<KeyChoice> LoadOrGenerateKey(const std::string& key_file, const std::string& out_dir) {
  KeyChoice k;
  std::string skey;
  if (!key_file.empty()) {
    FT_ASSIGN_OR_RETURN(skey, note::ReadPrivateKeyFile(key_file));
  } else {
    FT_ASSIGN_OR_RETURN(note::GeneratedKey g, note::GenerateKey("facetrail-disclosure"));
    const std::string path = out_dir + "/disclosure.key";
    FT_RETURN_IF_ERROR(note::WritePrivateKeyFile(path, g.private_key));
    FT_RETURN_IF_ERROR(WriteFile(out_dir + "/disclosure.vkey", g.verifier_key + "\n"));
    std::fprintf(stderr,
                 "facetrail eval disclose: no --key-file given; generated a new signing key in "
                 "%s (public key in %s/disclosure.vkey). It proves integrity, not who ran this.\n",
                 path.c_str(), out_dir.c_str());
    skey = g.private_key;
    k.generated = true;
  }
  FT_ASSIGN_OR_RETURN(k.signer, note::Ed25519Signer::FromKey(skey));
  return k;
}

}  // namespace

int RunEvalPad(int argc, char** argv) {
  CLI::App app{"Presentation-attack detection (ISO/IEC 30107-3): APCER per attack type and "
               "BPCER, operating point chosen on half of the subjects, reported on the rest"};
  app.name("facetrail eval pad");
  std::string labels, images, json_out, default_type = "unspecified";
  std::vector<std::string> models;
  size_t every = 1;
  double target_apcer = 0.05;
  EvalEngineFlags flags;
  app.add_option("--labels", labels, "CSV with image,label (live/attack)[,attack_type][,subject]")
      ->required();
  app.add_option("--images", images, "directory the CSV's image names are relative to")->required();
  app.add_option("--model", models,
                 "liveness model name from the manifest (repeatable; default: antispoof, "
                 "liveness; expo-antispoof only when named: ~0.3 s per face)");
  app.add_option("--every", every, "use every k-th row of the CSV (subsample)")
      ->check(CLI::Range(size_t{1}, size_t{1000000}));
  app.add_option("--target-apcer", target_apcer,
                 "operating point: worst-type APCER allowed on the tuning subjects")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--default-attack-type", default_type,
                 "attack type for attack rows without an attack_type column (e.g. printed_photo)");
  app.add_option("--json", json_out, "also write the JSON report to this file");
  AddEngineFlags(&app, &flags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  auto engine = MakeEngine(flags);
  if (!engine.ok()) return ReportError("eval pad", engine.status());
#if defined(FACETRAIL_HAVE_VISION)
  LivenessOptions lo;
  lo.models_dir = ModelsDir(flags);
  lo.models = models;
  auto checker = LivenessChecker::Create(lo);
  if (!checker.ok()) return ReportError("eval pad", checker.status());
  eval::Progress progress("liveness", stderr, eval::Progress::StderrIsTty(), Clock::Real());
  eval::PadRunOptions opt;
  opt.labels_csv = labels;
  opt.images_dir = images;
  opt.default_attack_type = default_type;
  opt.every = every;
  opt.target_apcer = target_apcer;
  opt.threads = flags.threads;
  opt.progress = [&](size_t done, size_t total) { progress.Update(done, total); };
  auto report = eval::RunPad(**engine, **checker, opt);
  progress.Finish();
  if (!report.ok()) return ReportError("eval pad", report.status());
  return EmitJson(eval::PadToJson(*report), json_out);
#else
  return ReportError("eval pad", FailedPreconditionError("built without the vision engine"));
#endif
}

int RunEvalDisclose(int argc, char** argv) {
  CLI::App app{"Signed accuracy and demographic-differential disclosure: disclosure.json, "
               "disclosure.json.sig (C2SP signed note), index.html"};
  app.name("facetrail eval disclose");
  std::string data, out_dir, key_file;
  double target_fmr = 1e-4;
  size_t limit = 0;
  EvalEngineFlags flags;
  app.add_option("--data", data, "data root holding lfw-dev, utkface-dev, pad-dev")->required();
  app.add_option("--out", out_dir, "output folder (created)")->required();
  app.add_option("--key-file", key_file, "Ed25519 note private key (0600); default: generate one into --out");
  app.add_option("--target-fmr", target_fmr, "operating threshold as a target FMR")
      ->check(CLI::Range(1e-9, 0.5));
  app.add_option("--limit", limit, "at most N images per data set (quick test runs)");
  AddEngineFlags(&app, &flags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
#if defined(FACETRAIL_HAVE_VISION)
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return ReportError("eval disclose", IOError("cannot create " + out_dir + ": " + ec.message()));
  auto engine = MakeEngine(flags);
  if (!engine.ok()) return ReportError("eval disclose", engine.status());
  LivenessOptions lo;
  lo.models_dir = ModelsDir(flags);
  auto checker = LivenessChecker::Create(lo);
  if (!checker.ok()) {
    std::fprintf(stderr, "facetrail eval disclose: liveness not evaluated: %s\n",
                 checker.status().ToString().c_str());
  }
  // Fail before the long run if the key is unusable.
  auto key = LoadOrGenerateKey(key_file, out_dir);
  if (!key.ok()) return ReportError("eval disclose", key.status());

  EvalSession session(flags, **engine, "embedding");
  eval::Progress pad_progress("liveness", stderr, eval::Progress::StderrIsTty(), Clock::Real());
  eval::DiscloseOptions opt;
  opt.data_dir = data;
  opt.target_fmr = target_fmr;
  opt.limit = limit;
  opt.embed = session.embed_options();
  const int64_t start = Clock::Real()->MonotonicMicros();
  opt.on_stage = [&](const std::string& stage) {
    session.Finish();
    std::fprintf(stderr, "[%6.1fs] %s\n", (Clock::Real()->MonotonicMicros() - start) / 1e6, stage.c_str());
  };
  opt.pad_progress = [&](size_t done, size_t total) { pad_progress.Update(done, total); };
  auto doc = eval::BuildDisclosure(**engine, checker.ok() ? checker->get() : nullptr, opt);
  pad_progress.Finish();
  if (!doc.ok()) return ReportError("eval disclose", doc.status());
  if (checker.ok()) {
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& id : (*checker)->model_ids()) ids.push_back(id);
    (*doc)["models"]["liveness"] = ids;
  }
  const std::string json_text = eval::Dump(*doc);
  const std::string sha = Sha256Hex(json_text);
  const note::Signer* signers[] = {key->signer.get()};
  auto signed_note = note::Sign(DisclosureNoteText(sha), signers);
  if (!signed_note.ok()) return ReportError("eval disclose", signed_note.status());
  eval::HtmlSigning hs{sha, key->signer->VerifierKeyString(), key->generated};
  for (const auto& [name, bytes] :
       {std::pair<std::string, std::string>{"disclosure.json", json_text},
        {"disclosure.json.sig", *signed_note},
        {"index.html", eval::RenderDisclosureHtml(*doc, hs)}}) {
    Status s = WriteFile(out_dir + "/" + name, bytes);
    if (!s.ok()) return ReportError("eval disclose", s);
  }
  const double secs = (Clock::Real()->MonotonicMicros() - start) / 1e6;
  nlohmann::json summary = {{"out", out_dir},
                            {"disclosure_sha256", sha},
                            {"verifier_key", key->signer->VerifierKeyString()},
                            {"key_generated", key->generated},
                            {"threshold", (*doc)["threshold"]["score"]},
                            {"target_fmr", target_fmr},
                            {"seconds", secs}};
  return EmitJson(summary, "");
#else
  return ReportError("eval disclose", FailedPreconditionError("built without the vision engine"));
#endif
}

}  // namespace facetrail::cli
