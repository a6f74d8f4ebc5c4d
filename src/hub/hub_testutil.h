// Test fixtures for the hub: a hub on a temp directory behind real loopback HTTP, a node
// log (a real LogStore with its own key) and a tiny HTTP client. Header-only so the
// component glob keeps it out of the library.
#ifndef FACETRAIL_HUB_HUB_TESTUTIL_H_
#define FACETRAIL_HUB_HUB_TESTUTIL_H_

#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "facetrail/clock.h"
#include "facetrail/hub.h"
#include "facetrail/log_store.h"
#include "facetrail/note.h"

namespace facetrail::hub::testing {

using json = nlohmann::json;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/facetrail_hub_XXXXXX";
    const char* p = mkdtemp(tmpl);
    EXPECT_NE(p, nullptr);
    path_ = p != nullptr ? p : "/tmp";
  }
  ~TempDir() {
    if (path_ != "/tmp" && std::system(("rm -rf '" + path_ + "'").c_str()) != 0) ADD_FAILURE() << "rm " << path_;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct Key {
  explicit Key(const std::string& name) {
    auto k = note::GenerateKey(name);
    skey = k->private_key;
    vkey = k->verifier_key;
    signer = std::move(*note::Ed25519Signer::FromKey(skey));
    verifier = std::move(*note::Ed25519Verifier::FromKey(vkey));
  }
  std::string skey, vkey;
  std::unique_ptr<note::Ed25519Signer> signer;
  std::unique_ptr<note::Ed25519Verifier> verifier;
};

struct HttpReply {
  int status = 0;
  std::string body;
  json Json() const { return json::parse(body, nullptr, false); }
};

class HubClient {
 public:
  explicit HubClient(int port) : client_("127.0.0.1", port) { client_.set_read_timeout(10, 0); }
  HttpReply Post(const std::string& path, const std::string& body, const std::string& token = "",
                 const std::string& type = "application/json") {
    httplib::Headers h;
    if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
    return Wrap(client_.Post(path.c_str(), h, body, type.c_str()));
  }
  HttpReply Get(const std::string& path) { return Wrap(client_.Get(path.c_str())); }

 private:
  static HttpReply Wrap(const httplib::Result& r) {
    if (!r) {
      ADD_FAILURE() << "HTTP error " << httplib::to_string(r.error());
      return {};
    }
    return {r->status, r->body};
  }
  httplib::Client client_;
};

// A node's audit log: a real LogStore in its own directory, signed by `key`.
class NodeLog {
 public:
  NodeLog(const std::string& dir, const Key& key, const std::string& tag) : tag_(tag) {
    LogStoreOptions o;
    o.origin = key.signer->name();
    o.signer = key.signer.get();
    o.verifier = key.verifier.get();
    o.create_if_missing = true;
    auto s = LogStore::Open(dir, o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  // Appends entries up to `n` and signs a checkpoint.
  std::string GrowAndSign(uint64_t n) {
    while (store_->Size() < n) EXPECT_TRUE(store_->Append(tag_ + " entry " + std::to_string(store_->Size())).ok());
    auto c = store_->Checkpoint();
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? c->note : "";
  }
  LogStore& store() { return *store_; }

 private:
  std::string tag_;
  std::unique_ptr<LogStore> store_;
};

}  // namespace facetrail::hub::testing

#endif  // FACETRAIL_HUB_HUB_TESTUTIL_H_
