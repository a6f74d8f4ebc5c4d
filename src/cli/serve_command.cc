// `facetrail serve`: runs a verification node (docs/node.md) until SIGINT/SIGTERM.
// `facetrail users`: the operator's user management on a stopped node.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "facetrail/calibration.h"
#include "facetrail/engine.h"
#include "node/calibration_adapter.h"
#include "node/federation.h"
#include "node/http_api.h"
#include "node/node_config.h"
#include "node/node_service.h"

namespace facetrail::cli {
namespace {

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

int Fail(const char* cmd, int code, const std::string& msg) {
  std::fprintf(stderr, "facetrail %s: %s\n", cmd, msg.c_str());
  return code;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

std::string ModelsDirDefault() {
  const char* env = std::getenv("FACETRAIL_MODELS_DIR");
  return env && *env ? env : FACETRAIL_MODELS_DEFAULT;
}

// Loads DATA/node.json (if present) under --config and flag overrides; saves the result
// back so later starts and `facetrail users` agree on the node's identity.
StatusOr<node::NodeConfig> ResolveConfig(const std::string& data, const std::string& config_file,
                                         const node::NodeConfig& flags, const std::set<std::string>& set,
                                         bool save) {
  node::NodeConfig c;
  c.models_dir = ModelsDirDefault();
  c.web_root = std::string(FACETRAIL_SOURCE_DIR) + "/web";
  const std::string saved = data + "/node.json";
  std::string text;
  if (ReadFile(saved, &text)) {
    FT_ASSIGN_OR_RETURN(c, node::ParseNodeConfig(text, c));
  }
  if (!config_file.empty()) {
    if (!ReadFile(config_file, &text)) return IOError("cannot read " + config_file);
    FT_ASSIGN_OR_RETURN(c, node::ParseNodeConfig(text, c));
  }
  if (set.count("node-id")) c.node_id = flags.node_id;
  if (set.count("agency")) c.agency = flags.agency;
  if (set.count("authority-key")) c.authority_key = flags.authority_key;
  if (set.count("listen")) c.listen = flags.listen;
  if (set.count("models")) c.models_dir = flags.models_dir;
  if (set.count("web")) c.web_root = flags.web_root;
  if (set.count("calibration")) c.calibration = flags.calibration;
  if (set.count("threads")) c.threads = flags.threads;
  if (c.authority_key.empty()) {
    return InvalidArgumentError("the authority's verifier key is required (--authority-key or config)");
  }
  if (save) {
    std::error_code ec;
    std::filesystem::create_directories(data, ec);
    std::ofstream out(saved, std::ios::trunc);
    out << node::NodeConfigJson(c);
    if (!out.flush()) return IOError("cannot write " + saved);
  }
  return c;
}

int RunServe(int argc, char** argv) {
  CLI::App app{"Run a facetrail verification node"};
  app.name("facetrail serve");
  std::string data, config_file, policy_file;
  node::NodeConfig flags;
  bool no_engine = false;
  app.add_option("--data", data, "node data directory (created if missing)")->required();
  app.add_option("--config", config_file, "node config JSON (docs/node.md)");
  app.add_option("--listen", flags.listen, "HOST:PORT (default 127.0.0.1:8080; loopback only unless you say otherwise)");
  app.add_option("--authority-key", flags.authority_key, "authority verifier key for policy bundles");
  app.add_option("--policy", policy_file, "install this signed policy bundle at start");
  app.add_option("--node-id", flags.node_id, "node id");
  app.add_option("--agency", flags.agency, "agency id");
  app.add_option("--models", flags.models_dir, "models directory (manifest.json)");
  app.add_option("--web", flags.web_root, "web pages directory");
  app.add_option("--calibration", flags.calibration, "score calibration JSON for the embedder");
  app.add_option("--threads", flags.threads, "HTTP worker threads");
  app.add_flag("--no-engine", no_engine, "run without a face engine (every face query is refused)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  std::set<std::string> set;
  for (const char* name : {"node-id", "agency", "authority-key", "listen", "models", "web", "calibration", "threads"}) {
    if (app.count(std::string("--") + name) > 0) set.insert(name);
  }
  auto config = ResolveConfig(data, config_file, flags, set, /*save=*/true);
  if (!config.ok()) return Fail("serve", kExitUsage, config.status().ToString());

  Status fed_config = node::ValidateFederationConfig(*config);
  if (!fed_config.ok()) return Fail("serve", kExitUsage, fed_config.ToString());
  std::unique_ptr<Engine> engine;
  std::unique_ptr<node::TableCalibration> calibration;
  std::string cal_path = config->calibration;
  if (!no_engine) {
    EngineOptions eo;
    eo.models_dir = config->models_dir;
    eo.threads = config->engine_threads;
    auto e = Engine::Create(eo);
    if (!e.ok()) return Fail("serve", kExitUsage, "face engine: " + e.status().ToString());
    engine = std::move(*e);
    if (cal_path.empty()) {
      cal_path = std::string(FACETRAIL_SOURCE_DIR) + "/calibration/" + engine->embedder().name + ".json";
    }
    auto table = Calibration::Load(cal_path);
    if (!table.ok()) return Fail("serve", kExitUsage, "calibration: " + table.status().ToString());
    if (table->model_id() != engine->embedder().id) {
      return Fail("serve", kExitUsage, "calibration " + cal_path + " is for model " + table->model_id() +
                                           ", the engine runs " + engine->embedder().id);
    }
    calibration = std::make_unique<node::TableCalibration>(std::move(*table));
  }

  node::NodeOptions no;
  no.data_dir = data;
  no.node_id = config->node_id;
  no.agency = config->agency;
  no.authority_vkey = config->authority_key;
  no.checkpoint_interval_seconds = config->checkpoint_interval_seconds;
  no.max_image_bytes = config->max_image_bytes;
  no.engine = engine.get();
  no.calibration = calibration.get();
  // A federated node gates every query on the hub's release and revocations (docs/hub.md).
  std::unique_ptr<node::Federation> federation;
  if (!config->standalone) {
    auto f = node::OpenFederation(*config, data, cal_path);
    if (!f.ok()) return Fail("serve", kExitUsage, "federation: " + f.status().ToString());
    federation = std::move(*f);
    no.federation = federation.get();
  }
  auto service = node::NodeService::Open(no);
  if (!service.ok()) return Fail("serve", kExitUsage, service.status().ToString());
  if (!policy_file.empty()) {
    std::string bundle;
    if (!ReadFile(policy_file, &bundle)) return Fail("serve", kExitUsage, "cannot read " + policy_file);
    auto installed = (*service)->InstallPolicyAsOperator(bundle);
    if (!installed.ok()) return Fail("serve", kExitInvalid, "policy: " + installed.status().ToString());
  }

  node::HttpOptions ho;
  Status split = node::SplitListen(config->listen, &ho.host, &ho.port);
  if (!split.ok()) return Fail("serve", kExitUsage, split.ToString());
  ho.threads = config->threads;
  ho.max_body_bytes = static_cast<size_t>(config->max_image_bytes) * 4 / 3 + (1 << 20);
  ho.web_root = config->web_root;
  auto http = node::HttpApi::Create(service->get(), ho);
  if (!http.ok()) return Fail("serve", kExitUsage, http.status().ToString());

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  Status started = (*http)->Start();
  if (!started.ok()) return Fail("serve", kExitUsage, started.ToString());
  if (federation) {
    federation->Attach(service->get());
    Status polled = federation->Poll();
    std::printf("federation: hub %s, %s\n", config->hub_url.c_str(),
                polled.ok() ? "release adopted" : ("queries refused until the hub is reached: " + polled.ToString()).c_str());
    federation->Start();
  }
  auto policy = (*service)->CurrentPolicy();
  std::printf("facetrail node listening on http://%s:%d\n", ho.host.c_str(), (*http)->port());
  std::printf("log key: %s\n", (*service)->LogVerifierKey().c_str());
  std::printf("policy: %s\n", policy ? ("serial " + std::to_string(policy->serial)).c_str()
                                     : "none installed: every query is refused until one is");
  std::fflush(stdout);
  while (!g_stop) {
    struct timespec ts{0, 100 * 1000 * 1000};
    nanosleep(&ts, nullptr);
  }
  (*http)->Stop();
  if (federation) federation->Stop();
  // Every acknowledged entry is already durable; sign a last checkpoint so auditors see it.
  auto cp = (*service)->log()->Checkpoint();
  std::fprintf(stderr, "facetrail serve: stopped; audit log size %llu\n",
               static_cast<unsigned long long>(cp.ok() ? cp->size : 0));
  return kExitOk;
}

int RunUsers(int argc, char** argv) {
  CLI::App app{"Manage a node's users (run while the node is stopped)"};
  app.name("facetrail users");
  app.require_subcommand(1);
  std::string data, id, name, role, training_id;
  int days = 365;
  auto* add = app.add_subcommand("add", "add a user; prints their API token (shown once)");
  add->add_option("--data", data)->required();
  add->add_option("--id", id)->required();
  add->add_option("--name", name)->required();
  add->add_option("--role", role, "officer, reviewer, auditor, enroller or admin")->required();
  auto* revoke = app.add_subcommand("revoke", "revoke a user and all their tokens");
  revoke->add_option("--data", data)->required();
  revoke->add_option("--id", id)->required();
  auto* train = app.add_subcommand("train", "record a training attestation");
  train->add_option("--data", data)->required();
  train->add_option("--id", id)->required();
  train->add_option("--training-id", training_id)->required();
  train->add_option("--days", days, "validity in days (default 365)");
  auto* list = app.add_subcommand("list", "list users");
  list->add_option("--data", data)->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  auto config = ResolveConfig(data, "", {}, {}, /*save=*/false);
  if (!config.ok()) {
    return Fail("users", kExitUsage, config.status().ToString() + " (start the node once with `facetrail serve` first)");
  }
  node::NodeOptions no;
  no.data_dir = data;
  no.node_id = config->node_id;
  no.agency = config->agency;
  no.authority_vkey = config->authority_key;
  no.checkpoint_interval_seconds = 0;
  auto service = node::NodeService::Open(no);
  if (!service.ok()) {
    std::string hint = service.status().code() == StatusCode::kUnavailable ? " (is the node running? stop it first)" : "";
    return Fail("users", kExitUsage, service.status().ToString() + hint);
  }
  node::NodeService& s = **service;
  if (add->parsed()) {
    auto r = node::ParseRole(role);
    if (!r.ok()) return Fail("users", kExitUsage, r.status().ToString());
    auto token = s.AddUser(id, name, *r);
    if (!token.ok()) return Fail("users", kExitInvalid, token.status().ToString());
    std::cout << nlohmann::json{{"user", id}, {"role", role}, {"token", *token}}.dump() << "\n";
  } else if (revoke->parsed()) {
    Status st = s.RevokeUser(id);
    if (!st.ok()) return Fail("users", kExitInvalid, st.ToString());
    std::cout << nlohmann::json{{"user", id}, {"revoked", true}}.dump() << "\n";
  } else if (train->parsed()) {
    Status st = s.AttestTraining(id, training_id, days);
    if (!st.ok()) return Fail("users", kExitInvalid, st.ToString());
    std::cout << nlohmann::json{{"user", id}, {"training_id", training_id}, {"valid_days", days}}.dump() << "\n";
  } else if (list->parsed()) {
    auto users = s.ListUsers();
    if (!users.ok()) return Fail("users", kExitUsage, users.status().ToString());
    nlohmann::json a = nlohmann::json::array();
    for (const node::UserInfo& u : *users) {
      nlohmann::json j = {{"user", u.principal.user_id}, {"name", u.principal.display_name},
                          {"role", node::RoleName(u.principal.role)}, {"revoked", u.revoked_at.has_value()}};
      if (u.principal.training) {
        j["training"] = {{"id", u.principal.training->training_id},
                         {"valid_until", u.principal.training->valid_until}};
      }
      a.push_back(j);
    }
    std::cout << a.dump(2) << "\n";
  }
  auto cp = s.log()->Checkpoint();
  if (!cp.ok()) return Fail("users", kExitUsage, cp.status().ToString());
  return kExitOk;
}

}  // namespace

FACETRAIL_COMMAND("serve", "run a verification node (HTTP API + web app)", RunServe);
FACETRAIL_COMMAND("users", "add, revoke and train a node's users", RunUsers);

}  // namespace facetrail::cli
