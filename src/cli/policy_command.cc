// `facetrail policy sign|verify|show`: the authority signs use-policy bundles; nodes and
// auditors verify and read them. Exit codes: 0 ok/valid, 1 invalid, 2 usage or I/O error.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "facetrail/note.h"
#include "facetrail/policy.h"

namespace facetrail::cli {
namespace {

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return static_cast<bool>(in) || in.eof();
}

int Fail(int code, const std::string& msg) {
  std::fprintf(stderr, "facetrail policy: %s\n", msg.c_str());
  return code;
}

nlohmann::json Summary(const policy::Policy& p) {
  return nlohmann::json::parse(policy::CanonicalPolicyJson(p));
}

int RunPolicy(int argc, char** argv) {
  CLI::App app{"Sign, verify and show signed use-policy bundles"};
  app.name("facetrail policy");
  app.require_subcommand(1);

  std::string key_file, policy_path, out_path;
  auto* sign = app.add_subcommand("sign", "sign a policy JSON with the authority key; prints the bundle");
  sign->add_option("--key-file", key_file, "authority private key file (0600)")->required();
  sign->add_option("POLICY", policy_path, "policy JSON (schema facetrail-policy/v1)")->required();
  sign->add_option("--out", out_path, "write the bundle here instead of stdout");

  std::string vkey, bundle_path;
  auto* verify = app.add_subcommand("verify", "verify a bundle against the authority key");
  verify->add_option("--key", vkey, "authority verifier key")->required();
  verify->add_option("BUNDLE", bundle_path)->required();

  auto* show = app.add_subcommand("show", "print the policy in a bundle (verified when --key is given)");
  show->add_option("--key", vkey, "authority verifier key");
  show->add_option("BUNDLE", bundle_path)->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }

  if (sign->parsed()) {
    std::string text;
    if (!ReadFile(policy_path, &text)) return Fail(kExitUsage, "cannot read " + policy_path);
    auto p = policy::ParsePolicyJson(text);
    if (!p.ok()) return Fail(kExitInvalid, p.status().ToString());
    auto skey = note::ReadPrivateKeyFile(key_file);
    if (!skey.ok()) return Fail(kExitUsage, skey.status().ToString());
    auto signer = note::Ed25519Signer::FromKey(*skey);
    if (!signer.ok()) return Fail(kExitUsage, signer.status().ToString());
    auto bundle = policy::SignPolicyBundle(*p, **signer);
    if (!bundle.ok()) return Fail(kExitInvalid, bundle.status().ToString());
    if (out_path.empty()) {
      std::fwrite(bundle->data(), 1, bundle->size(), stdout);
    } else {
      std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
      out << *bundle;
      if (!out.flush()) return Fail(kExitUsage, "cannot write " + out_path);
    }
    return kExitOk;
  }

  std::string bundle;
  if (!ReadFile(bundle_path, &bundle)) return Fail(kExitUsage, "cannot read " + bundle_path);
  if (vkey.empty()) {  // show without verification: say so loudly
    auto parsed = note::Parse(bundle);
    if (!parsed.ok()) return Fail(kExitInvalid, parsed.status().ToString());
    size_t nl = parsed->text.find('\n');
    auto p = policy::ParsePolicyJson(std::string_view(parsed->text).substr(nl + 1));
    if (!p.ok()) return Fail(kExitInvalid, p.status().ToString());
    nlohmann::json j = {{"verified", false}, {"policy", Summary(*p)}};
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  auto verifier = note::Ed25519Verifier::FromKey(vkey);
  if (!verifier.ok()) return Fail(kExitUsage, verifier.status().ToString());
  auto p = policy::OpenPolicyBundle(bundle, **verifier);
  if (!p.ok()) {
    std::cout << nlohmann::json{{"valid", false}, {"error", p.status().ToString()}}.dump() << "\n";
    return Fail(kExitInvalid, p.status().ToString());
  }
  nlohmann::json j = {{"valid", true}, {"verified", true}, {"authority", (*verifier)->name()},
                      {"serial", p->serial}, {"agency", p->agency}};
  if (show->parsed()) j["policy"] = Summary(*p);
  std::cout << j.dump(2) << "\n";
  return kExitOk;
}

}  // namespace

FACETRAIL_COMMAND("policy", "sign, verify and show signed use-policy bundles", RunPolicy);

}  // namespace facetrail::cli
