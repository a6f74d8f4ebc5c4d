// Test fixtures for the witness: a log (key + in-memory tree) that signs checkpoints, a
// witness on a real SQLite file behind a real loopback HTTP server, and a raw poster.
// Header-only so the component glob keeps it out of the library.
#ifndef FACETRAIL_AUDIT_WITNESS_TESTUTIL_H_
#define FACETRAIL_AUDIT_WITNESS_TESTUTIL_H_

#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include <memory>
#include <string>
#include <vector>

#include "facetrail/checkpoint.h"
#include "facetrail/merkle.h"
#include "facetrail/note.h"
#include "facetrail/witness.h"

namespace facetrail::testing {

// A log with its own key and an in-memory tree; `tag` makes histories differ.
class TestLog {
 public:
  TestLog(const std::string& origin, const std::string& tag) : origin_(origin), tag_(tag) {
    auto k = note::GenerateKey(origin);
    vkey_ = k->verifier_key;
    skey_ = k->private_key;
    signer_ = std::move(*note::Ed25519Signer::FromKey(skey_));
  }
  // The same log key over a different history: what an equivocating log would sign.
  std::unique_ptr<TestLog> Fork(const std::string& tag) const {
    auto f = std::make_unique<TestLog>(origin_, tag);
    f->vkey_ = vkey_;
    f->skey_ = skey_;
    f->signer_ = std::move(*note::Ed25519Signer::FromKey(skey_));
    return f;
  }
  void GrowTo(uint64_t n) {
    while (tree_.Size() < n) tree_.Append(tag_ + " entry " + std::to_string(tree_.Size()));
  }
  std::string Body(uint64_t size) {
    GrowTo(size);
    return *checkpoint::Format(checkpoint::Checkpoint{origin_, size, *tree_.RootAt(size), {}});
  }
  std::string Signed(uint64_t size) {
    const note::Signer* s[] = {signer_.get()};
    return *note::Sign(Body(size), s);
  }
  std::vector<merkle::Hash> Proof(uint64_t from, uint64_t to) {
    GrowTo(to);
    return *merkle::ConsistencyProof(from, to, tree_.HashFn());
  }
  std::string Request(uint64_t old_size, uint64_t size) {
    witness::AddCheckpointRequest req;
    req.old_size = old_size;
    if (old_size != 0 && old_size != size) req.proof = Proof(old_size, size);
    req.checkpoint = Signed(size);
    return witness::FormatAddCheckpointRequest(req);
  }
  const std::string& vkey() const { return vkey_; }
  merkle::MemoryTree& tree() { return tree_; }

 private:
  std::string origin_, tag_, vkey_, skey_;
  std::unique_ptr<note::Ed25519Signer> signer_;
  merkle::MemoryTree tree_;
};

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/facetrail_witness_XXXXXX";
    const char* p = mkdtemp(tmpl);
    EXPECT_NE(p, nullptr);
    path_ = p != nullptr ? p : "/tmp";
  }
  ~TempDir() {
    if (path_ != "/tmp" && std::system(("rm -rf '" + path_ + "'").c_str()) != 0) {
      ADD_FAILURE() << "cannot remove " << path_;
    }
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A witness (own key, SQLite state in `db`) served over loopback HTTP.
class RunningWitness {
 public:
  RunningWitness(const std::string& db, std::vector<std::string> log_keys,
                 const note::Ed25519Signer* key, const Clock* clock) {
    witness::WitnessOptions o;
    o.db_path = db;
    o.log_keys = std::move(log_keys);
    o.key = key;
    o.clock = clock;
    auto w = witness::Witness::Open(o);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    witness_ = std::move(*w);
    auto s = witness::WitnessServer::Start(witness_.get(), witness::ServerOptions{});
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
  }
  ~RunningWitness() { server_->Stop(); }
  int port() const { return server_->port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  witness::Witness& witness() { return *witness_; }

  // POSTs a raw body over HTTP; returns status, content type and body.
  witness::Response Post(const std::string& body) {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(10, 0);
    auto res = c.Post("/add-checkpoint", body, "text/plain");
    witness::Response r;
    if (!res) {
      ADD_FAILURE() << "HTTP error " << httplib::to_string(res.error());
      return r;
    }
    r.status = res->status;
    r.content_type = res->get_header_value("Content-Type");
    r.body = res->body;
    return r;
  }

 private:
  std::unique_ptr<witness::Witness> witness_;
  std::unique_ptr<witness::WitnessServer> server_;
};

}  // namespace facetrail::testing

#endif  // FACETRAIL_AUDIT_WITNESS_TESTUTIL_H_
