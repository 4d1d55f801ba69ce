#!/usr/bin/env bash
# Puts the ONNX Runtime shared library (linux-x64) at
# third_party/onnxruntime/libonnxruntime.so for learned routing. The library
# ships inside the onnxruntime-node npm package; we fetch it with the ordinary
# npm client (npm pack) and extract only that one file.
# ONNX Runtime 1.30 serves C API versions up to 30; onnxruntime_go v1.27.0
# asks for API version 24, which it still provides.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="${ONNXRUNTIME_NODE_VERSION:-1.30.0}"
DEST=third_party/onnxruntime
OUT="$DEST/libonnxruntime.so"
if [ -s "$OUT" ] && [ "$(cat "$DEST/VERSION" 2>/dev/null)" = "$VERSION" ]; then exit 0; fi
mkdir -p "$DEST"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && npm pack "onnxruntime-node@$VERSION" --silent >/dev/null)
tar -xzf "$TMP"/onnxruntime-node-*.tgz -C "$TMP" package/bin/napi-v6/linux/x64/libonnxruntime.so.1
# A unique temporary name: test packages may fetch concurrently; each rename is atomic.
cp "$TMP/package/bin/napi-v6/linux/x64/libonnxruntime.so.1" "$OUT.tmp.$$"
mv "$OUT.tmp.$$" "$OUT"
echo "$VERSION" > "$DEST/VERSION"
echo "onnxruntime $VERSION -> $OUT"
