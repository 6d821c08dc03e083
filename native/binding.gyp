# The optional kernels addon (see README.md). Built by scripts/build-native.mjs during `npm ci`.
#
# Flags: results must equal the TypeScript kernels bit for bit, so no -ffast-math and no
# contraction of a*b+c into a fused multiply-add (which rounds once instead of twice); no
# -march=native either: the build must run on every x86-64 CPU of the cluster (SSE2 is the
# x86-64 baseline; nothing beyond it is assumed).
{
  "targets": [
    {
      "target_name": "fits2idia_kernels",
      "sources": [
        "src/addon.cc",
        "src/byte-order.cc",
        "src/gather.cc",
        "src/histogram.cc",
        "src/mipmap.cc",
        "src/plane-stats.cc",
        "src/swizzle.cc",
        "src/z-stats.cc"
      ],
      "cflags": ["-O3", "-ffp-contract=off", "-fno-fast-math", "-fno-strict-aliasing"],
      "cflags_cc": ["-std=c++17"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-O3", "-ffp-contract=off", "-fno-fast-math"],
        "OTHER_CPLUSPLUSFLAGS": ["-std=c++17", "-ffp-contract=off", "-fno-fast-math"]
      },
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
