#include "match/template_blob.h"

#include <sodium.h>

#include <bit>
#include <cstring>
#include <fstream>
#include <sstream>

namespace facetrail::match {
namespace {

static_assert(std::endian::native == std::endian::little,
              "template blobs are little-endian float32; add byte swapping for this host");

constexpr char kMagic[3] = {'F', 'T', 'T'};
constexpr uint8_t kFormatClear = 0;
constexpr uint8_t kFormatXChaCha = 1;
constexpr size_t kKeyIdBytes = 8;
constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;

void EnsureSodium() {
  // sodium_init is idempotent and thread-safe; it only fails when no entropy source exists,
  // in which case randombytes would abort anyway.
  static const int init = sodium_init();
  (void)init;
}

std::string Payload(const std::vector<float>& values) {
  std::string out(4 + values.size() * sizeof(float), '\0');
  uint32_t dim = static_cast<uint32_t>(values.size());
  std::memcpy(out.data(), &dim, 4);
  std::memcpy(out.data() + 4, values.data(), values.size() * sizeof(float));
  return out;
}

StatusOr<std::vector<float>> ParsePayload(std::string_view payload, int expected_dim) {
  if (payload.size() < 4) return DataLossError("template blob truncated");
  uint32_t dim;
  std::memcpy(&dim, payload.data(), 4);
  if (static_cast<int64_t>(dim) != expected_dim) {
    return DataLossError("template blob dimension " + std::to_string(dim) +
                         " differs from the row's " + std::to_string(expected_dim));
  }
  if (payload.size() != 4 + size_t{dim} * sizeof(float)) {
    return DataLossError("template blob length does not match its dimension");
  }
  std::vector<float> values(dim);
  std::memcpy(values.data(), payload.data() + 4, size_t{dim} * sizeof(float));
  return values;
}

std::string AssociatedData(const BlobContext& c) {
  // Length-prefixed fields so no two different contexts serialise alike.
  std::string ad = "facetrail template v1";
  for (std::string_view field : {c.gallery_id, c.identity_id, c.model_id}) {
    uint32_t n = static_cast<uint32_t>(field.size());
    ad.append(reinterpret_cast<const char*>(&n), 4);
    ad.append(field);
  }
  ad.append(AsStringView(c.source_sha256));
  return ad;
}

std::string RawKeyId(const GalleryKey& key) {
  Sha256Digest d = Sha256("facetrail gallery key id\n" + key.bytes);
  return std::string(AsStringView(d).substr(0, kKeyIdBytes));
}

}  // namespace

std::string EncodeTemplateBlob(const std::vector<float>& values, const GalleryKey* key,
                               const BlobContext& context) {
  std::string payload = Payload(values);
  std::string out(kMagic, 3);
  if (key == nullptr) {
    out.push_back(static_cast<char>(kFormatClear));
    out += payload;
    return out;
  }
  EnsureSodium();
  out.push_back(static_cast<char>(kFormatXChaCha));
  out += RawKeyId(*key);
  unsigned char nonce[kNonceBytes];
  randombytes_buf(nonce, sizeof nonce);
  out.append(reinterpret_cast<const char*>(nonce), sizeof nonce);
  std::string ad = AssociatedData(context);
  size_t header = out.size();
  out.resize(header + payload.size() + kTagBytes);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      reinterpret_cast<unsigned char*>(out.data() + header), &clen,
      reinterpret_cast<const unsigned char*>(payload.data()), payload.size(),
      reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr, nonce,
      reinterpret_cast<const unsigned char*>(key->bytes.data()));
  out.resize(header + clen);
  sodium_memzero(payload.data(), payload.size());
  return out;
}

bool IsEncryptedBlob(std::string_view blob) {
  return blob.size() >= 4 && std::memcmp(blob.data(), kMagic, 3) == 0 &&
         static_cast<uint8_t>(blob[3]) == kFormatXChaCha;
}

StatusOr<std::vector<float>> DecodeTemplateBlob(std::string_view blob, int expected_dim,
                                                const GalleryKey* key,
                                                const BlobContext& context) {
  if (blob.size() < 4 || std::memcmp(blob.data(), kMagic, 3) != 0) {
    return DataLossError("not a facetrail template blob");
  }
  uint8_t format = static_cast<uint8_t>(blob[3]);
  if (format == kFormatClear) return ParsePayload(blob.substr(4), expected_dim);
  if (format != kFormatXChaCha) {
    return DataLossError("unknown template blob format " + std::to_string(format));
  }
  if (key == nullptr) {
    return FailedPreconditionError("template is encrypted and no gallery key was given");
  }
  EnsureSodium();
  size_t header = 4 + kKeyIdBytes + kNonceBytes;
  if (blob.size() < header + kTagBytes) return DataLossError("encrypted template truncated");
  if (blob.substr(4, kKeyIdBytes) != RawKeyId(*key)) {
    return DataLossError("template is encrypted under a different key");
  }
  std::string ad = AssociatedData(context);
  std::string plain(blob.size() - header - kTagBytes, '\0');
  unsigned long long plen = 0;
  const auto* nonce = reinterpret_cast<const unsigned char*>(blob.data() + 4 + kKeyIdBytes);
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plain.data()), &plen, nullptr,
          reinterpret_cast<const unsigned char*>(blob.data() + header), blob.size() - header,
          reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nonce,
          reinterpret_cast<const unsigned char*>(key->bytes.data())) != 0) {
    return DataLossError("template failed authentication (tampered, moved to another row, "
                         "or wrong key)");
  }
  plain.resize(plen);
  auto values = ParsePayload(plain, expected_dim);
  sodium_memzero(plain.data(), plain.size());
  return values;
}

}  // namespace facetrail::match

namespace facetrail {

std::string GalleryKey::KeyId() const { return HexEncode(match::RawKeyId(*this)); }

StatusOr<GalleryKey> ParseGalleryKey(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  if (text.size() != 64) {
    return InvalidArgumentError("gallery key file must hold 64 hex digits (32 bytes)");
  }
  auto raw = HexDecode(text);
  if (!raw.ok()) return InvalidArgumentError("gallery key file is not hex");
  return GalleryKey{std::move(raw).value()};
}

StatusOr<GalleryKey> ReadGalleryKeyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IOError("cannot read gallery key file " + path);
  std::string text(200, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  auto key = ParseGalleryKey(text);
  sodium_memzero(text.data(), text.size());
  if (!key.ok()) return key.status().WithContext(path);
  return key;
}

std::string GenerateGalleryKeyFile() {
  match::EnsureSodium();
  std::string raw(32, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string hex = HexEncode(raw) + "\n";
  sodium_memzero(raw.data(), raw.size());
  return hex;
}

}  // namespace facetrail
