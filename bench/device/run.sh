#!/usr/bin/env bash
# On the device machine (16 cores, no Node.js): unpack the bundle of bench/device/bundle.sh and
# run the scaling benchmarks, writing their tables under $OUT.
# Usage there: bash bench/device/run.sh [all|slow]   (carry: dist, native/build, node_modules/.cache/device)
set -euo pipefail
cd "$(dirname "$0")/../.."
bundle=node_modules/.cache/device
mkdir -p /tmp/node/bin
xz -dc "$bundle/node.xz" > /tmp/node/bin/node
chmod +x /tmp/node/bin/node
export PATH=/tmp/node/bin:$PATH
tar -C . -xJf "$bundle/node_modules.tar.xz"
out=${OUT:-/tmp/out}
mkdir -p "$out"
{ nproc; free -g | head -2; node --version; cat /proc/cpuinfo | grep "model name" | head -1; } | tee "$out/machine.txt"
node -e 'import("./dist/kernels/native-addon.js").then((m) => { const s = m.nativeAddon(); console.log("native addon:", s.loaded ? "loaded" : s.reason); })' || true
case "${1:-all}" in
  all)
    # Whole conversions of the 1 GiB cube against the I/O floor, by threads (js and native kernels).
    # Native kernels: every mode with all threads, then fast and slow with 1 and 4 threads;
    # JavaScript kernels: every mode with all threads.
    FITS2IDIA_KERNELS=native node bench/speed.mjs --size medium --threads "${THREADS:-1,4}" 2>&1 | tee "$out/speed-native.log"
    cp bench/results/speed.md "$out/speed-native.md"
    FITS2IDIA_KERNELS=js node bench/speed.mjs --size medium 2>&1 | tee "$out/speed-js.log"
    cp bench/results/speed.md "$out/speed-js.md"
    # Many files: batch side by side against a loop of single conversions.
    node bench/batch.mjs --size medium 2>&1 | tee "$out/batch.log"
    cp bench/results/batch.md "$out/batch.md"
    ;;
  slow)
    # Slow mode's scaling with threads, and where its time goes with all of them.
    node bench/speed.mjs --size medium --modes auto,slow --threads "${THREADS:-1,4}" 2>&1 | tee "$out/speed-slow.log"
    cp bench/results/speed.md "$out/speed-slow.md"
    for t in 4 16; do
      node bench/profile-stages.mjs /tmp/fits2idia-bench/speed-1024x1024x256.fits /tmp/fits2idia-bench/profile.hdf5 "{\"mode\":\"slow\",\"threads\":$t}" | tee -a "$out/profile-slow.log"
    done
    ;;
esac
