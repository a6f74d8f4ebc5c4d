// `facetrail witness serve`: a C2SP tlog-witness for a set of trusted logs.
//
// The witness's own Ed25519 key lives in a private key file (mode 0600): --key-file, or by
// default "<db>.key" beside the state database; it is created on first start (named
// --name) and its verifier key is printed on every start. Runs until SIGINT or SIGTERM.
// Exit codes: 0 clean shutdown, 2 usage or I/O error.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "facetrail/note.h"
#include "facetrail/witness.h"

namespace facetrail::cli {
namespace {

int Fail(int code, const std::string& msg) {
  std::fprintf(stderr, "facetrail witness: %s\n", msg.c_str());
  return code;
}

// Loads the witness key, creating it on first start.
StatusOr<std::string> LoadOrCreateKey(const std::string& path, const std::string& name,
                                      bool* created) {
  *created = false;
  if (::access(path.c_str(), F_OK) != 0) {
    FT_ASSIGN_OR_RETURN(note::GeneratedKey k, note::GenerateKey(name));
    FT_RETURN_IF_ERROR(note::WritePrivateKeyFile(path, k.private_key));
    *created = true;
  }
  return note::ReadPrivateKeyFile(path);
}

int Serve(const std::string& db, const std::string& listen, const std::vector<std::string>& log_keys,
          std::string key_file, const std::string& name, const std::string& prefix) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return Fail(kExitUsage, "--listen must be HOST:PORT");
  witness::ServerOptions so;
  so.host = listen.substr(0, colon);
  try {
    so.port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    return Fail(kExitUsage, "--listen port is not a number");
  }
  if (so.port < 0 || so.port > 65535) return Fail(kExitUsage, "--listen port out of range");
  so.prefix = prefix;
  if (key_file.empty()) key_file = db + ".key";
  bool created = false;
  auto skey = LoadOrCreateKey(key_file, name, &created);
  if (!skey.ok()) return Fail(kExitUsage, skey.status().ToString());
  auto signer = note::Ed25519Signer::FromKey(*skey);
  if (!signer.ok()) return Fail(kExitUsage, signer.status().ToString());

  witness::WitnessOptions wo;
  wo.db_path = db;
  wo.log_keys = log_keys;
  wo.key = signer->get();
  auto w = witness::Witness::Open(wo);
  if (!w.ok()) return Fail(kExitUsage, w.status().ToString());

  // Block the stop signals before the server threads start so only sigwait sees them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  auto server = witness::WitnessServer::Start(w->get(), so);
  if (!server.ok()) return Fail(kExitUsage, server.status().ToString());
  std::printf("%s\n", (*w)->VerifierKey().c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "facetrail witness: %s key %s; serving http://%s:%d%s/add-checkpoint\n",
               created ? "created" : "loaded", key_file.c_str(), so.host.c_str(),
               (*server)->port(), prefix.c_str());
  int sig = 0;
  sigwait(&stop, &sig);
  (*server)->Stop();
  return kExitOk;
}

int RunWitness(int argc, char** argv) {
  CLI::App app{"C2SP tlog-witness: cosign checkpoints of trusted logs"};
  app.name("facetrail witness");
  app.require_subcommand(1);
  std::string db, listen, key_file, name = "facetrail-witness", prefix;
  std::vector<std::string> log_keys;
  auto* serve = app.add_subcommand("serve", "serve POST <prefix>/add-checkpoint");
  serve->add_option("--db", db, "SQLite state database (created if missing)")->required();
  serve->add_option("--listen", listen, "HOST:PORT, e.g. 127.0.0.1:7380")->required();
  serve->add_option("--log-key", log_keys, "trusted log verifier key; its name is the log origin")
      ->required();
  serve->add_option("--key-file", key_file, "witness private key file (default <db>.key)");
  serve->add_option("--name", name, "witness key name when the key is created");
  serve->add_option("--prefix", prefix, "URL path prefix");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  return Serve(db, listen, log_keys, key_file, name, prefix);
}

}  // namespace

FACETRAIL_COMMAND("witness", "run a C2SP tlog-witness server", RunWitness);

}  // namespace facetrail::cli
