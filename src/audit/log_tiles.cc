#include "audit/log_tiles.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

namespace facetrail::logstore {
namespace {

// A decimal without sign or leading zeros, at most max.
bool ParseSmallDecimal(std::string_view s, uint64_t max, uint64_t* out) {
  if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0')) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > max) return false;
  *out = v;
  return true;
}

bool ParseTileIndex(std::string_view s, uint64_t* out) {
  std::vector<std::string_view> groups;
  size_t start = 0;
  while (true) {
    size_t slash = s.find('/', start);
    groups.push_back(s.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  // u64 has at most 20 digits: 7 groups.
  if (groups.size() > 7) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < groups.size(); ++i) {
    std::string_view g = groups[i];
    bool last = i + 1 == groups.size();
    if (!last) {
      if (g.size() != 4 || g[0] != 'x') return false;
      g.remove_prefix(1);
    }
    if (g.size() != 3) return false;
    uint64_t d = 0;
    for (char c : g) {
      if (c < '0' || c > '9') return false;
      d = d * 10 + static_cast<uint64_t>(c - '0');
    }
    if (i == 0 && groups.size() > 1 && d == 0) return false;  // non-canonical leading group
    if (v > (UINT64_MAX - d) / 1000) return false;
    v = v * 1000 + d;
  }
  *out = v;
  return true;
}

}  // namespace

std::string FormatTileIndex(uint64_t n) {
  std::vector<uint64_t> groups;
  do {
    groups.push_back(n % 1000);
    n /= 1000;
  } while (n > 0);
  std::string out;
  for (size_t i = groups.size(); i-- > 0;) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), "%s%03u", i == 0 ? "" : "x",
                  static_cast<unsigned>(groups[i]));
    out += buf;
    if (i != 0) out += '/';
  }
  return out;
}

std::string FormatTilePath(const TilePath& t) {
  if (t.kind == TilePath::Kind::kCheckpoint) return "checkpoint";
  std::string out = "tile/";
  out += t.kind == TilePath::Kind::kEntryBundle ? "entries" : std::to_string(t.level);
  out += '/';
  out += FormatTileIndex(t.index);
  if (t.width < kTileWidth) out += ".p/" + std::to_string(t.width);
  return out;
}

StatusOr<TilePath> ParseTilePath(std::string_view path) {
  auto bad = [&]() { return InvalidArgumentError("not a tlog-tiles path: '" +
                                                 std::string(path.substr(0, 200)) + "'"); };
  if (path.size() > 128) return bad();
  TilePath t;
  if (path == "checkpoint") return t;
  if (path.substr(0, 5) != "tile/") return bad();
  std::string_view rest = path.substr(5);
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return bad();
  std::string_view level = rest.substr(0, slash);
  rest.remove_prefix(slash + 1);
  if (level == "entries") {
    t.kind = TilePath::Kind::kEntryBundle;
  } else {
    uint64_t l;
    if (!ParseSmallDecimal(level, kMaxTileLevel, &l)) return bad();
    t.kind = TilePath::Kind::kHashTile;
    t.level = static_cast<int>(l);
  }
  size_t p = rest.find(".p/");
  std::string_view index = rest.substr(0, p);
  if (p != std::string_view::npos) {
    uint64_t w;
    if (!ParseSmallDecimal(rest.substr(p + 3), kTileWidth - 1, &w) || w == 0) return bad();
    t.width = w;
  }
  if (!ParseTileIndex(index, &t.index)) return bad();
  // The first leaf (or node) of the tile must be addressable in u64.
  if (t.index > (UINT64_MAX / kTileWidth)) return bad();
  return t;
}

uint64_t TileCountAt(int level, uint64_t tree_size) {
  if (level < 0 || level > kMaxTileLevel) return 0;
  const uint64_t hashes = tree_size >> (level * kTileHeight);
  return hashes / kTileWidth + (hashes % kTileWidth != 0 ? 1 : 0);
}

StatusOr<TilePath> HashTileAt(int level, uint64_t index, uint64_t tree_size) {
  if (level < 0 || level > kMaxTileLevel || index >= TileCountAt(level, tree_size)) {
    return OutOfRangeError("no hash tile " + std::to_string(level) + "/" + std::to_string(index) +
                           " in a tree of size " + std::to_string(tree_size));
  }
  const uint64_t hashes = tree_size >> (level * kTileHeight);
  TilePath t;
  t.kind = TilePath::Kind::kHashTile;
  t.level = level;
  t.index = index;
  t.width = std::min<uint64_t>(kTileWidth, hashes - index * kTileWidth);
  return t;
}

StatusOr<TilePath> EntryBundleAt(uint64_t index, uint64_t tree_size) {
  FT_ASSIGN_OR_RETURN(TilePath t, HashTileAt(0, index, tree_size));
  t.kind = TilePath::Kind::kEntryBundle;
  return t;
}

StatusOr<std::vector<merkle::Hash>> ParseHashTile(std::string_view body, uint64_t width) {
  if (width == 0 || width > kTileWidth || body.size() != width * merkle::Hash().size()) {
    return DataLossError("hash tile of width " + std::to_string(width) + " has " +
                         std::to_string(body.size()) + " bytes, want " +
                         std::to_string(width * merkle::Hash().size()));
  }
  std::vector<merkle::Hash> out(width);
  for (uint64_t i = 0; i < width; ++i) {
    std::memcpy(out[i].data(), body.data() + i * out[i].size(), out[i].size());
  }
  return out;
}

StatusOr<std::vector<std::string_view>> ParseEntryBundle(std::string_view body, uint64_t width,
                                                         size_t max_entry_bytes) {
  if (width == 0 || width > kTileWidth) return DataLossError("entry bundle width out of range");
  std::vector<std::string_view> out;
  out.reserve(width);
  size_t off = 0;
  for (uint64_t i = 0; i < width; ++i) {
    if (body.size() - off < 2) {
      return DataLossError("entry bundle ends after " + std::to_string(i) + " of " +
                           std::to_string(width) + " entries (offset " + std::to_string(off) + ")");
    }
    const size_t len = (static_cast<size_t>(static_cast<uint8_t>(body[off])) << 8) |
                       static_cast<uint8_t>(body[off + 1]);
    off += 2;
    if (len > max_entry_bytes) {
      return DataLossError("entry bundle entry " + std::to_string(i) + " is " + std::to_string(len) +
                           " bytes, over the limit of " + std::to_string(max_entry_bytes));
    }
    if (body.size() - off < len) {
      return DataLossError("entry bundle entry " + std::to_string(i) + " is cut off (offset " +
                           std::to_string(off) + ")");
    }
    out.push_back(body.substr(off, len));
    off += len;
  }
  if (off != body.size()) {
    return DataLossError("entry bundle has " + std::to_string(body.size() - off) +
                         " bytes after its " + std::to_string(width) + " entries");
  }
  return out;
}

}  // namespace facetrail::logstore
