// `facetrail note keygen|sign|verify`: C2SP signed notes (checkpoints) with Ed25519 keys
// and tlog-cosignature/v1 witness cosignatures. Exit codes: 0 valid/ok, 1 invalid (a note
// that does not verify), 2 usage or I/O error.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "facetrail/checkpoint.h"
#include "facetrail/encoding.h"
#include "facetrail/note.h"

namespace facetrail::cli {
namespace {

// Notes are small; refuse to slurp anything much larger than the parser accepts.
constexpr size_t kMaxInputBytes = note::kMaxNoteBytes + 1;

bool ReadInput(const std::string& path, std::string* out) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) return false;
    in = &file;
  }
  out->clear();
  char buf[8192];
  while (out->size() <= kMaxInputBytes) {
    in->read(buf, sizeof buf);
    out->append(buf, static_cast<size_t>(in->gcount()));
    if (!*in) break;
  }
  return in->eof() || out->size() > kMaxInputBytes;
}

int Fail(int code, const std::string& msg) {
  std::fprintf(stderr, "facetrail note: %s\n", msg.c_str());
  return code;
}

std::string Hex8(uint32_t id) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", id);
  return buf;
}

int Keygen(const std::string& name, const std::string& out_path) {
  auto key = note::GenerateKey(name);
  if (!key.ok()) return Fail(kExitUsage, key.status().ToString());
  Status st = note::WritePrivateKeyFile(out_path, key->private_key);
  if (!st.ok()) return Fail(kExitUsage, st.ToString());
  std::printf("%s\n", key->verifier_key.c_str());
  return kExitOk;
}

int SignNote(const std::string& key_file, const std::string& path, bool append) {
  std::string input;
  if (!ReadInput(path, &input)) return Fail(kExitUsage, "cannot read " + path);
  auto skey = note::ReadPrivateKeyFile(key_file);
  if (!skey.ok()) return Fail(kExitUsage, skey.status().ToString());
  auto signer = note::Ed25519Signer::FromKey(*skey);
  if (!signer.ok()) return Fail(kExitUsage, signer.status().ToString());
  std::string text = input;
  std::vector<note::Signature> existing;
  if (append) {
    // Existing signature lines are kept as they are (not verified here: `note verify`
    // is the place for that).
    auto parsed = note::Parse(input);
    if (!parsed.ok()) return Fail(kExitInvalid, parsed.status().ToString());
    text = parsed->text;
    existing = parsed->signatures;
  }
  const note::Signer* signers[] = {signer->get()};
  auto msg = note::Sign(text, signers, existing);
  if (!msg.ok()) return Fail(kExitInvalid, msg.status().ToString());
  std::fwrite(msg->data(), 1, msg->size(), stdout);
  return kExitOk;
}

// Adds a tlog-cosignature/v1 line (as a witness would) to a signed checkpoint note.
int CosignNote(const std::string& key_file, const std::string& path) {
  std::string input;
  if (!ReadInput(path, &input)) return Fail(kExitUsage, "cannot read " + path);
  auto skey = note::ReadPrivateKeyFile(key_file);
  if (!skey.ok()) return Fail(kExitUsage, skey.status().ToString());
  auto witness = note::Ed25519Signer::FromKey(*skey);
  if (!witness.ok()) return Fail(kExitUsage, witness.status().ToString());
  auto parsed = note::Parse(input);
  if (!parsed.ok()) return Fail(kExitInvalid, parsed.status().ToString());
  checkpoint::CosignatureSigner cosigner(witness->get(), Clock::Real());
  const note::Signer* signers[] = {&cosigner};
  auto msg = note::Sign(parsed->text, signers, parsed->signatures);
  if (!msg.ok()) return Fail(kExitInvalid, msg.status().ToString());
  std::fwrite(msg->data(), 1, msg->size(), stdout);
  return kExitOk;
}

int VerifyNote(const std::vector<std::string>& keys, const std::vector<std::string>& cosigners,
               size_t min_cosigners, const std::string& path) {
  if (keys.empty() && cosigners.empty()) {
    return Fail(kExitUsage, "give at least one --key or --cosigner");
  }
  // The same key given twice would make note::Open report an ambiguous key; it is one key.
  std::vector<std::string> keys_unique, cosigners_unique;
  for (const std::string& k : keys) {
    if (std::find(keys_unique.begin(), keys_unique.end(), k) == keys_unique.end()) keys_unique.push_back(k);
  }
  for (const std::string& k : cosigners) {
    if (std::find(cosigners_unique.begin(), cosigners_unique.end(), k) == cosigners_unique.end()) {
      cosigners_unique.push_back(k);
    }
  }
  std::vector<std::unique_ptr<note::Verifier>> owned;
  std::vector<const note::Verifier*> verifiers;
  std::vector<bool> is_cosigner;
  for (const std::string& k : keys_unique) {
    auto v = note::Ed25519Verifier::FromKey(k);
    if (!v.ok()) return Fail(kExitUsage, "--key " + k + ": " + v.status().ToString());
    verifiers.push_back(v->get());
    owned.push_back(std::move(*v));
    is_cosigner.push_back(false);
  }
  for (const std::string& k : cosigners_unique) {
    auto v = checkpoint::CosignatureVerifier::FromKey(k);
    if (!v.ok()) return Fail(kExitUsage, "--cosigner " + k + ": " + v.status().ToString());
    verifiers.push_back(v->get());
    owned.push_back(std::move(*v));
    is_cosigner.push_back(true);
  }
  std::string input;
  if (!ReadInput(path, &input)) return Fail(kExitUsage, "cannot read " + path);

  nlohmann::json out;
  auto invalid = [&](const std::string& why) {
    out["valid"] = false;
    out["error"] = why;
    std::printf("%s\n", out.dump(2).c_str());
    return Fail(kExitInvalid, why);
  };
  auto opened = note::Open(input, verifiers);
  if (!opened.ok()) return invalid(opened.status().ToString());

  size_t log_keys_ok = 0, cosigs_ok = 0;
  nlohmann::json verified = nlohmann::json::array();
  for (const note::Signature& sig : opened->verified) {
    nlohmann::json j = {{"name", sig.name}, {"key_id", Hex8(sig.key_id)}};
    bool cosig = false;
    for (size_t i = 0; i < verifiers.size(); ++i) {
      if (verifiers[i]->name() == sig.name && verifiers[i]->key_id() == sig.key_id) {
        cosig = is_cosigner[i];
      }
    }
    if (cosig) {
      ++cosigs_ok;
      j["type"] = "cosignature/v1";
      auto t = checkpoint::CosignatureTimestamp(sig.signature);
      if (t.ok()) {
        j["timestamp"] = *t;
        j["time"] = FormatRfc3339(static_cast<int64_t>(*t));
      }
    } else {
      ++log_keys_ok;
      j["type"] = "ed25519";
    }
    verified.push_back(j);
  }
  nlohmann::json ignored = nlohmann::json::array();
  for (const note::Signature& sig : opened->unverified) {
    ignored.push_back({{"name", sig.name}, {"key_id", Hex8(sig.key_id)}});
  }
  out["verified"] = verified;
  out["ignored"] = ignored;
  out["text_sha256"] = Sha256Hex(opened->text);
  if (auto c = checkpoint::Parse(opened->text); c.ok()) {
    out["checkpoint"] = {{"origin", c->origin},
                         {"size", c->size},
                         {"root", Base64Encode(AsStringView(c->root))}};
  }
  // With --key given, the note must be signed by one of those keys: a cosignature alone
  // does not make a checkpoint the log's own statement.
  if (!keys.empty() && log_keys_ok == 0) return invalid("no --key signature verified");
  if (cosigs_ok < min_cosigners) {
    return invalid("only " + std::to_string(cosigs_ok) + " cosignatures verified, need " +
                   std::to_string(min_cosigners));
  }
  out["valid"] = true;
  std::printf("%s\n", out.dump(2).c_str());
  return kExitOk;
}

int RunNote(int argc, char** argv) {
  CLI::App app{"Create keys, sign and verify C2SP signed notes and checkpoint cosignatures"};
  app.name("facetrail note");
  app.require_subcommand(1);

  std::string name, out_path;
  auto* keygen = app.add_subcommand("keygen", "new Ed25519 note key; prints the verifier key");
  keygen->add_option("--name", name, "key name (e.g. the log origin)")->required();
  keygen->add_option("--out", out_path, "private key file to create (mode 0600)")->required();

  std::string key_file, path = "-";
  bool append = false;
  auto* sign = app.add_subcommand("sign", "sign a note text (or add a signature); prints the note");
  sign->add_option("--key-file", key_file, "private key file (0600)")->required();
  sign->add_flag("--append", append, "FILE is already a signed note: keep its signatures");
  sign->add_option("FILE", path, "note text, '-' for stdin")->required();

  std::string cosign_key_file;
  auto* cosign = app.add_subcommand("cosign", "add a witness cosignature/v1 line to a signed checkpoint");
  cosign->add_option("--key-file", cosign_key_file, "witness private key file (0600)")->required();
  cosign->add_option("FILE", path, "signed checkpoint, '-' for stdin")->required();

  std::vector<std::string> keys, cosigners;
  size_t min_cosigners = 0;
  auto* verify = app.add_subcommand("verify", "verify a signed note; prints JSON");
  verify->add_option("--key", keys, "Ed25519 note verifier key (repeatable)");
  verify->add_option("--cosigner", cosigners, "witness verifier key for cosignature/v1 lines (repeatable)");
  verify->add_option("--min-cosigners", min_cosigners, "require this many verified cosignatures");
  verify->add_option("FILE", path, "signed note, '-' for stdin")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  try {
    if (keygen->parsed()) return Keygen(name, out_path);
    if (sign->parsed()) return SignNote(key_file, path, append);
    if (cosign->parsed()) return CosignNote(cosign_key_file, path);
    return VerifyNote(keys, cosigners, min_cosigners, path);
  } catch (const std::exception& e) {  // nlohmann/iostreams: never let one escape main
    return Fail(kExitUsage, e.what());
  }
}

}  // namespace

FACETRAIL_COMMAND("note", "create keys, sign and verify signed notes and cosignatures", RunNote);

}  // namespace facetrail::cli
