// Test helpers: where the shared data set and the converted models are, and file reading.
// Tests that need them GTEST_SKIP() with a message when they are absent.
//
// Thread-safety: free functions; safe from any thread.
#ifndef FACETRAIL_VISION_TEST_DATA_H_
#define FACETRAIL_VISION_TEST_DATA_H_

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace facetrail::vision::testing {

// FACETRAIL_DATA, else the compile-time default (../shared/data beside the repo).
inline std::filesystem::path DataDir() {
  const char* env = std::getenv("FACETRAIL_DATA");
  return env != nullptr && *env != '\0' ? env : FACETRAIL_DATA_DEFAULT;
}

// FACETRAIL_MODELS_DIR, else the compile-time default (<repo>/models).
inline std::filesystem::path ModelsDir() {
  const char* env = std::getenv("FACETRAIL_MODELS_DIR");
  return env != nullptr && *env != '\0' ? env : FACETRAIL_MODELS_DEFAULT;
}

inline bool HaveModels() { return std::filesystem::exists(ModelsDir() / "manifest.json"); }

inline std::string ReadFileOrEmpty(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace facetrail::vision::testing

#endif  // FACETRAIL_VISION_TEST_DATA_H_
