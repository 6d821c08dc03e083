#!/usr/bin/env bash
# Pack what the benchmarks need on a machine without Node.js or network (the `device` machine
# lent to some sessions): this machine's node binary, the production node_modules, into
# node_modules/.cache/device/ (ignored by git; carry it with dist and native/build).
# Usage: bash bench/device/bundle.sh   (after npm ci / npm run build)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=node_modules/.cache/device
mkdir -p "$out"
if [ ! -f "$out/node.xz" ] || [ "$(readlink -f "$(command -v node)")" -nt "$out/node.xz" ]; then
  xz -T0 -6 -c "$(readlink -f "$(command -v node)")" > "$out/node.xz"
fi
# The production dependencies alone, installed from the lock file into a scratch folder.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp package.json package-lock.json "$scratch/"
(cd "$scratch" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null)
tar -C "$scratch" -cJf "$out/node_modules.tar.xz" node_modules
du -sh "$out"/*
