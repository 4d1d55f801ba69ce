#!/usr/bin/env bash
# Vendors Chart.js from npm into this directory. Run it to upgrade; its
# output is committed so `go build` needs neither npm nor a network.
set -euo pipefail
cd "$(dirname "$0")"
VERSION="${CHARTJS_VERSION:-4.6.1}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "chart.js@$VERSION" >/dev/null && tar xzf chart.js-*.tgz)
cp "$tmp/package/dist/chart.umd.min.js" chart.umd.min.js
cp "$tmp/package/LICENSE.md" chart.js-LICENSE.md
echo "vendored chart.js $VERSION"
