// Test-only reader for the known-answer vector files in ../shared/vectors (RFC 9162 /
// transparency-dev reference tree, Go sumdb note and tlog vectors, C2SP spec examples).
// The directory comes from $FACETRAIL_VECTORS, else <source>/../shared/vectors; tests
// GTEST_SKIP when it is absent. Header-only so the component glob keeps it out of the
// library. Thread-safety: none needed (tests read files once).
#ifndef FACETRAIL_AUDIT_VECTORS_TESTUTIL_H_
#define FACETRAIL_AUDIT_VECTORS_TESTUTIL_H_

#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace facetrail::testing {

inline std::string VectorsDir() {
  if (const char* env = std::getenv("FACETRAIL_VECTORS"); env != nullptr && *env != '\0') {
    return env;
  }
  return std::string(FACETRAIL_SOURCE_DIR) + "/../shared/vectors";
}

// Whole file, or nullopt if it cannot be read.
inline std::optional<std::string> ReadVectorFile(const std::string& name) {
  std::ifstream in(VectorsDir() + "/" + name, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) out.push_back(line);
  return out;
}

inline std::vector<std::string> Fields(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string f;
  while (ss >> f) out.push_back(f);
  return out;
}

// "NAME<<END" ... "END" block: the lines between, each with its "\n".
inline std::optional<std::string> Block(const std::string& text, const std::string& name) {
  std::vector<std::string> lines = Lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i] != name + "<<END") continue;
    std::string out;
    for (size_t j = i + 1; j < lines.size(); ++j) {
      if (lines[j] == "END") return out;
      out += lines[j] + "\n";
    }
  }
  return std::nullopt;
}

// "KEY  value" line: the value (everything after the key and its spaces).
inline std::optional<std::string> Value(const std::string& text, const std::string& key) {
  for (const std::string& line : Lines(text)) {
    if (line.compare(0, key.size(), key) != 0 || line.size() <= key.size()) continue;
    if (line[key.size()] != ' ') continue;
    size_t v = line.find_first_not_of(' ', key.size());
    if (v == std::string::npos) return std::string();
    return line.substr(v);
  }
  return std::nullopt;
}

// Sections of an INI-like file ("[name]  # comment" then rows), comments dropped; each row
// split on white space. A row "0 " keeps an empty trailing field as "".
inline std::map<std::string, std::vector<std::vector<std::string>>> Sections(
    const std::string& text) {
  std::map<std::string, std::vector<std::vector<std::string>>> out;
  std::string current;
  for (const std::string& line : Lines(text)) {
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '[') {
      current = line.substr(1, line.find(']') - 1);
      continue;
    }
    if (current.empty()) continue;
    out[current].push_back(Fields(line));
  }
  return out;
}

}  // namespace facetrail::testing

#endif  // FACETRAIL_AUDIT_VECTORS_TESTUTIL_H_
