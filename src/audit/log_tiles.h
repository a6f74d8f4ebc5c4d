// C2SP tlog-tiles resource paths (https://c2sp.org/tlog-tiles), parsed strictly so that
// every resource has exactly one name:
//   checkpoint
//   tile/<L>/<N>[.p/<W>]        hash tile: hashes of level 8*L, indices [256N, 256N+W)
//   tile/entries/<N>[.p/<W>]    entry bundle: entries [256N, 256N+W), each u16be len || data
// N is written in 3-digit groups, all but the last prefixed "x" (1234067 ->
// x001/x234/067); W is 1..255 for a partial tile, absent for a full one (256).
//
// Thread-safety: pure functions.
#ifndef FACETRAIL_AUDIT_LOG_TILES_H_
#define FACETRAIL_AUDIT_LOG_TILES_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "facetrail/merkle.h"
#include "facetrail/status.h"

namespace facetrail::logstore {

inline constexpr uint64_t kTileWidth = 256;
inline constexpr int kTileHeight = 8;
inline constexpr int kMaxTileLevel = 7;  // 8 * 7 = 56 < 64 tree levels

struct TilePath {
  enum class Kind { kCheckpoint, kHashTile, kEntryBundle };
  Kind kind = Kind::kCheckpoint;
  int level = 0;        // hash tiles only
  uint64_t index = 0;   // N
  uint64_t width = kTileWidth;  // W, 1..256
};

// Parses a path below the log prefix (no leading "/"). kInvalidArgument if malformed or
// non-canonical (e.g. "x000/001", "0.p/256", leading zeros in L or W).
StatusOr<TilePath> ParseTilePath(std::string_view path);
std::string FormatTilePath(const TilePath& tile);
// "x001/x234/067" for 1234067; "000" for 0.
std::string FormatTileIndex(uint64_t n);

// The hash tile of `level` and `index` as it exists in a tree of `tree_size` leaves (the
// partial width when the tile is the rightmost and incomplete). kOutOfRange if the tile
// holds no hash yet at that size.
StatusOr<TilePath> HashTileAt(int level, uint64_t index, uint64_t tree_size);
// The entry bundle `index` of a tree of `tree_size` leaves (kOutOfRange as above).
StatusOr<TilePath> EntryBundleAt(uint64_t index, uint64_t tree_size);
// Number of tiles of `level` (full or partial) a tree of `tree_size` has; level 0 also
// counts entry bundles.
uint64_t TileCountAt(int level, uint64_t tree_size);

// Bodies of tiles fetched from elsewhere (untrusted), parsed against the width their path
// names. A hash tile is exactly 32 * width bytes; an entry bundle is exactly `width`
// entries of u16be length || data with nothing after them, each at most max_entry_bytes.
// kDataLoss on any mismatch, naming the offset. Views point into `body`.
StatusOr<std::vector<merkle::Hash>> ParseHashTile(std::string_view body, uint64_t width);
StatusOr<std::vector<std::string_view>> ParseEntryBundle(std::string_view body, uint64_t width,
                                                         size_t max_entry_bytes);

}  // namespace facetrail::logstore

#endif  // FACETRAIL_AUDIT_LOG_TILES_H_
