// Ed25519 signed-note keys: key IDs, vkey/skey strings, key generation and key files.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include <sodium.h>

#include "audit/utf8.h"
#include "facetrail/encoding.h"
#include "facetrail/note.h"

namespace facetrail::note {
namespace {

constexpr std::string_view kPrivatePrefix = "PRIVATE+KEY+";
constexpr size_t kMaxKeyFileBytes = 4096;

void EnsureSodium() {
  // sodium_init is idempotent and thread-safe; it only fails if no entropy source exists.
  static const int rc = sodium_init();
  (void)rc;
}

std::string Hex8(uint32_t id) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", id);
  return buf;
}

StatusOr<uint32_t> ParseHex8(std::string_view s) {
  if (s.size() != 8) return InvalidArgumentError("note key: key ID must be 8 hex digits");
  FT_ASSIGN_OR_RETURN(std::string raw, HexDecode(s));
  return (uint32_t{static_cast<uint8_t>(raw[0])} << 24) |
         (uint32_t{static_cast<uint8_t>(raw[1])} << 16) |
         (uint32_t{static_cast<uint8_t>(raw[2])} << 8) | uint32_t{static_cast<uint8_t>(raw[3])};
}

std::string TypedKey(const uint8_t* key32) {
  std::string out(1, static_cast<char>(kAlgEd25519));
  out.append(reinterpret_cast<const char*>(key32), 32);
  return out;
}

// Decodes base64(0x01 || 32 bytes) into `out`.
Status DecodeTypedKey(std::string_view b64, std::array<uint8_t, 32>& out) {
  auto raw = Base64Decode(b64);
  if (!raw.ok()) return InvalidArgumentError("note key: malformed base64 key");
  if (raw->empty() || static_cast<uint8_t>((*raw)[0]) != kAlgEd25519) {
    return UnimplementedError("note key: unknown key algorithm");
  }
  if (raw->size() != 33) return InvalidArgumentError("note key: Ed25519 key must be 32 bytes");
  std::memcpy(out.data(), raw->data() + 1, 32);
  sodium_memzero(raw->data(), raw->size());
  return Status::Ok();
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' ||
                        s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

bool IsValidKeyName(std::string_view name) {
  if (name.empty()) return false;
  size_t i = 0;
  while (i < name.size()) {
    int len = 0;
    int32_t cp = internal::DecodeUtf8(name.substr(i), &len);
    if (cp < 0) return false;
    if (cp == '+' || internal::IsUnicodeSpace(cp)) return false;
    i += static_cast<size_t>(len);
  }
  return true;
}

uint32_t KeyId(std::string_view name, std::string_view typed_public_key) {
  std::string msg;
  msg.reserve(name.size() + 1 + typed_public_key.size());
  msg.append(name);
  msg.push_back('\n');
  msg.append(typed_public_key);
  Sha256Digest d = Sha256(msg);
  return (uint32_t{d[0]} << 24) | (uint32_t{d[1]} << 16) | (uint32_t{d[2]} << 8) | d[3];
}

StatusOr<VerifierKey> ParseVerifierKey(std::string_view vkey) {
  size_t p1 = vkey.find('+');
  if (p1 == std::string_view::npos) return InvalidArgumentError("note: malformed verifier key");
  size_t p2 = vkey.find('+', p1 + 1);
  if (p2 == std::string_view::npos) return InvalidArgumentError("note: malformed verifier key");
  VerifierKey key;
  key.name = std::string(vkey.substr(0, p1));
  if (!IsValidKeyName(key.name)) return InvalidArgumentError("note: invalid verifier key name");
  FT_ASSIGN_OR_RETURN(key.key_id, ParseHex8(vkey.substr(p1 + 1, p2 - p1 - 1)));
  FT_RETURN_IF_ERROR(DecodeTypedKey(vkey.substr(p2 + 1), key.public_key));
  if (KeyId(key.name, TypedKey(key.public_key.data())) != key.key_id) {
    return InvalidArgumentError("note: verifier key ID does not match name and key");
  }
  return key;
}

std::string FormatVerifierKey(const VerifierKey& key) {
  return key.name + "+" + Hex8(key.key_id) + "+" + Base64Encode(TypedKey(key.public_key.data()));
}

StatusOr<std::unique_ptr<Ed25519Verifier>> Ed25519Verifier::FromKey(std::string_view vkey) {
  FT_ASSIGN_OR_RETURN(VerifierKey key, ParseVerifierKey(vkey));
  return std::make_unique<Ed25519Verifier>(std::move(key));
}

bool Ed25519Verifier::Verify(std::string_view text, std::string_view signature) const {
  if (signature.size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(text.data()),
                                     text.size(), key_.public_key.data()) == 0;
}

StatusOr<std::unique_ptr<Ed25519Signer>> Ed25519Signer::FromKey(std::string_view skey) {
  EnsureSodium();
  if (skey.substr(0, kPrivatePrefix.size()) != kPrivatePrefix) {
    return InvalidArgumentError("note: private key must start with PRIVATE+KEY+");
  }
  std::string_view rest = skey.substr(kPrivatePrefix.size());
  size_t p1 = rest.find('+');
  if (p1 == std::string_view::npos) return InvalidArgumentError("note: malformed private key");
  size_t p2 = rest.find('+', p1 + 1);
  if (p2 == std::string_view::npos) return InvalidArgumentError("note: malformed private key");
  std::unique_ptr<Ed25519Signer> s(new Ed25519Signer());
  s->name_ = std::string(rest.substr(0, p1));
  if (!IsValidKeyName(s->name_)) return InvalidArgumentError("note: invalid private key name");
  FT_ASSIGN_OR_RETURN(s->key_id_, ParseHex8(rest.substr(p1 + 1, p2 - p1 - 1)));
  std::array<uint8_t, 32> seed{};
  FT_RETURN_IF_ERROR(DecodeTypedKey(rest.substr(p2 + 1), seed));
  crypto_sign_seed_keypair(s->public_key_.data(), s->secret_key_.data(), seed.data());
  sodium_memzero(seed.data(), seed.size());
  if (KeyId(s->name_, TypedKey(s->public_key_.data())) != s->key_id_) {
    return InvalidArgumentError("note: private key ID does not match name and key");
  }
  return s;
}

Ed25519Signer::~Ed25519Signer() { sodium_memzero(secret_key_.data(), secret_key_.size()); }

StatusOr<std::string> Ed25519Signer::Sign(std::string_view text) const {
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                       secret_key_.data());
  return sig;
}

std::string Ed25519Signer::VerifierKeyString() const {
  VerifierKey k{name_, key_id_, public_key_};
  return FormatVerifierKey(k);
}

StatusOr<GeneratedKey> GenerateKey(std::string_view name) {
  EnsureSodium();
  if (!IsValidKeyName(name)) return InvalidArgumentError("note: invalid key name");
  std::array<uint8_t, 32> seed{}, pk{};
  std::array<uint8_t, 64> sk{};
  randombytes_buf(seed.data(), seed.size());
  crypto_sign_seed_keypair(pk.data(), sk.data(), seed.data());
  uint32_t id = KeyId(name, TypedKey(pk.data()));
  GeneratedKey out;
  std::string typed_seed = TypedKey(seed.data());
  out.private_key =
      std::string(kPrivatePrefix) + std::string(name) + "+" + Hex8(id) + "+" + Base64Encode(typed_seed);
  sodium_memzero(typed_seed.data(), typed_seed.size());
  sodium_memzero(seed.data(), seed.size());
  sodium_memzero(sk.data(), sk.size());
  out.verifier_key = FormatVerifierKey(VerifierKey{std::string(name), id, pk});
  return out;
}

// Key files are the one place this component touches the filesystem directly: the mode
// bits are the access control, so they must be set atomically at creation (O_EXCL, 0600)
// rather than through a generic file interface.
Status WritePrivateKeyFile(const std::string& path, std::string_view private_key) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    int e = errno;
    std::string msg = "key file " + path + ": " + std::strerror(e);
    return e == EEXIST ? AlreadyExistsError(msg) : IOError(msg);
  }
  // The umask cannot widen 0600, but make the mode explicit anyway.
  std::string data = std::string(private_key) + "\n";
  bool ok = ::fchmod(fd, 0600) == 0;
  size_t off = 0;
  while (ok && off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    off += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  int e = errno;
  ::close(fd);
  sodium_memzero(data.data(), data.size());
  if (!ok) {
    ::unlink(path.c_str());
    return IOError("key file " + path + ": write failed: " + std::strerror(e));
  }
  return Status::Ok();
}

StatusOr<std::string> ReadPrivateKeyFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return IOError("key file " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return IOError("key file " + path + ": " + std::strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return InvalidArgumentError("key file " + path + ": not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return PermissionDeniedError("key file " + path +
                                 ": readable by group or others; chmod 600 it");
  }
  if (st.st_size > static_cast<off_t>(kMaxKeyFileBytes)) {
    ::close(fd);
    return InvalidArgumentError("key file " + path + ": too large");
  }
  std::string data(kMaxKeyFileBytes, '\0');
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::read(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return IOError("key file " + path + ": " + std::strerror(e));
    }
    if (n == 0) break;
    off += static_cast<size_t>(n);
  }
  ::close(fd);
  std::string key(TrimSpace(std::string_view(data.data(), off)));
  sodium_memzero(data.data(), data.size());
  if (key.substr(0, kPrivatePrefix.size()) != kPrivatePrefix) {
    return InvalidArgumentError("key file " + path + ": no PRIVATE+KEY+ key in it");
  }
  return key;
}

}  // namespace facetrail::note
