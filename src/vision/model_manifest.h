// The model manifest (models/manifest.json, written by tools/convert): which ONNX files
// exist, their role, version, SHA-256, input tensor and preprocessing. The only place the
// vision engine parses JSON. Format: docs/models.md.
//
// Thread-safety: plain values; ParseModelManifest is a free function, safe from any thread.
#ifndef FACETRAIL_VISION_MODEL_MANIFEST_H_
#define FACETRAIL_VISION_MODEL_MANIFEST_H_

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "facetrail/status.h"

namespace facetrail::vision {

struct Preprocess {
  bool rgb = true;                  // channel order fed to the network
  int width = 0, height = 0;        // network input size
  std::array<float, 3> mean{};      // input = (pixel - mean) * scale, per channel
  std::array<float, 3> scale{1, 1, 1};
};

struct ModelEntry {
  std::string name;      // "blazeface-back", "mobilefacenet", ...
  std::string role;      // "detector", "detector-front", "embedder", "liveness"
  std::string version;
  std::string file;      // relative to the models directory
  std::string sha256;    // lower-case hex of the file
  std::string input_name;
  std::vector<int> input_shape;
  std::vector<std::string> output_names;  // as listed in "outputs"; may be empty
  int output_dim = 0;
  Preprocess preprocess;

  // "<name>@<version>#<first 12 hex of sha256>": what templates are tagged with.
  std::string Id() const { return name + "@" + version + "#" + sha256.substr(0, 12); }
};

struct ModelManifest {
  std::vector<ModelEntry> models;

  // nullptr when absent.
  const ModelEntry* FindByName(std::string_view name) const;
  const ModelEntry* FindByRole(std::string_view role) const;  // first with that role
};

// kInvalidArgument when the text is not a format-1 manifest or an entry lacks a required
// field (name, role, version, file, sha256 of 64 hex digits, preprocess size).
StatusOr<ModelManifest> ParseModelManifest(std::string_view json_text);

}  // namespace facetrail::vision

#endif  // FACETRAIL_VISION_MODEL_MANIFEST_H_
