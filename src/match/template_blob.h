// Template blob codec: how one template's values are stored in the gallery's `blob`
// column, in clear or encrypted under the agency key (format in docs/gallery.md).
//
//   clear:      "FTT" 0x00 | dim u32le | dim x float32le
//   encrypted:  "FTT" 0x01 | key_id (8 bytes) | nonce (24 bytes) |
//               XChaCha20-Poly1305( dim u32le | dim x float32le ) with a 16-byte tag
//
// The encrypted form authenticates, as associated data, the row it belongs to (gallery id,
// identity id, model id, source image hash), so a blob copied into another row, another
// identity or another gallery fails to decrypt instead of silently matching as someone else.
//
// Thread-safety: pure functions (libsodium is initialised once, thread-safely).
#ifndef FACETRAIL_MATCH_TEMPLATE_BLOB_H_
#define FACETRAIL_MATCH_TEMPLATE_BLOB_H_

#include <string>
#include <string_view>
#include <vector>

#include "facetrail/encoding.h"
#include "facetrail/gallery.h"
#include "facetrail/status.h"

namespace facetrail::match {

// The row a blob belongs to; bound into the ciphertext.
struct BlobContext {
  std::string_view gallery_id;
  std::string_view identity_id;
  std::string_view model_id;
  Sha256Digest source_sha256{};
};

// `key` null: clear form.
std::string EncodeTemplateBlob(const std::vector<float>& values, const GalleryKey* key,
                               const BlobContext& context);

// kDataLoss when the blob is malformed, its dimension is not `expected_dim`, it is
// encrypted under another key, or it fails authentication. kFailedPrecondition when the
// blob is encrypted and no key is given.
StatusOr<std::vector<float>> DecodeTemplateBlob(std::string_view blob, int expected_dim,
                                                const GalleryKey* key,
                                                const BlobContext& context);

// True when the blob is in the encrypted form (regardless of key).
bool IsEncryptedBlob(std::string_view blob);

}  // namespace facetrail::match

#endif  // FACETRAIL_MATCH_TEMPLATE_BLOB_H_
