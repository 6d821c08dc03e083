// The rotation [depth][height][width] -> [width][height][depth] (z fastest): the twin of
// src/kernels/swizzle.ts. Values are moved as 32-bit words (NaN payloads kept).
//
// For each row y it is a transpose of the depth × width matrix (source rows P = height*width
// apart, destination rows S = height*depth apart), done in tiles of XB columns × ZB channels
// from 4×4 SSE2 transposes. Both strides are often multiples of 4 KiB (powers of two), which
// map every row of a tile to the same cache set; a tile small enough for the cache's
// associativity keeps its lines until they are filled (sizes measured with bench/kernels.mjs).
#include <cstddef>
#include <cstdint>

#include "kernels.h"
#include "napi-util.h"
#include "simd.h"

namespace f2i {
namespace {

struct Dims {
  size_t depth, height, width;
};

#if F2I_SSE2
// dst[(x0 + i) * S + z0 + j] = src[(z0 + j) * P + x0 + i] for i, j < 4.
inline void transpose4(const uint32_t* s, size_t P, uint32_t* d, size_t S) {
  const __m128i r0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
  const __m128i r1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + P));
  const __m128i r2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + 2 * P));
  const __m128i r3 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + 3 * P));
  const __m128i t0 = _mm_unpacklo_epi32(r0, r1);  // a0 b0 a1 b1
  const __m128i t1 = _mm_unpacklo_epi32(r2, r3);  // c0 d0 c1 d1
  const __m128i t2 = _mm_unpackhi_epi32(r0, r1);  // a2 b2 a3 b3
  const __m128i t3 = _mm_unpackhi_epi32(r2, r3);  // c2 d2 c3 d3
  _mm_storeu_si128(reinterpret_cast<__m128i*>(d), _mm_unpacklo_epi64(t0, t1));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(d + S), _mm_unpackhi_epi64(t0, t1));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(d + 2 * S), _mm_unpacklo_epi64(t2, t3));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(d + 3 * S), _mm_unpackhi_epi64(t2, t3));
}
#endif

// One tile: columns [x0, x1) by channels [z0, z1) of row y (sy, dy: the row's first element).
inline void tile(const uint32_t* sy, uint32_t* dy, size_t P, size_t S, size_t x0, size_t x1, size_t z0, size_t z1) {
  size_t x = x0;
#if F2I_SSE2
  const size_t z4 = z0 + ((z1 - z0) & ~size_t{3});
  for (; x + 4 <= x1; x += 4) {
    for (size_t z = z0; z < z4; z += 4) transpose4(sy + z * P + x, P, dy + x * S + z, S);
    for (size_t z = z4; z < z1; z++) {
      for (size_t i = 0; i < 4; i++) dy[(x + i) * S + z] = sy[z * P + x + i];
    }
  }
#endif
  for (; x < x1; x++) {
    for (size_t z = z0; z < z1; z++) dy[x * S + z] = sy[z * P + x];
  }
}

template <size_t XB, size_t ZB>
void swizzleTiles(const uint32_t* s, const Dims& d, uint32_t* dst) {
  const size_t P = d.height * d.width;
  const size_t S = d.height * d.depth;
  for (size_t y = 0; y < d.height; y++) {
    const uint32_t* sy = s + y * d.width;
    uint32_t* dy = dst + y * d.depth;
    for (size_t x0 = 0; x0 < d.width; x0 += XB) {
      const size_t x1 = x0 + XB < d.width ? x0 + XB : d.width;
      for (size_t z0 = 0; z0 < d.depth; z0 += ZB) tile(sy, dy, P, S, x0, x1, z0, z0 + ZB < d.depth ? z0 + ZB : d.depth);
    }
  }
}

}  // namespace

// swizzle(src: Float32Array, srcOffset, depth, height, width, dst: Float32Array, dstOffset,
//         variant): src and dst must not overlap; variant 0 is the measured default, 1-5 and 7
// are tile shapes (7 is the deep default), kept for bench/kernels.mjs.
napi_value Swizzle(napi_env env, napi_callback_info info) {
  Call call(env, info);
  size_t srcLength, dstLength;
  const float* src = call.array<float>(0, napi_float32_array, &srcLength);
  const size_t srcOffset = call.index(1);
  const Dims d{call.index(2), call.index(3), call.index(4)};
  float* dst = call.array<float>(5, napi_float32_array, &dstLength);
  const size_t dstOffset = call.index(6);
  size_t variant = call.index(7);
  if (call.failed()) return nullptr;
  const size_t plane = d.height * d.width;
  if ((d.width != 0 && d.height > srcLength / d.width) || (plane != 0 && d.depth > srcLength / plane)) {
    call.fail("range outside the array");
    return nullptr;
  }
  const size_t n = d.depth * plane;
  if (!call.within(srcLength, srcOffset, n) || !call.within(dstLength, dstOffset, n) || n == 0) return nullptr;
  const uint32_t* s = reinterpret_cast<const uint32_t*>(src + srcOffset);
  uint32_t* t = reinterpret_cast<uint32_t*>(dst + dstOffset);
  // Tiles of 8 columns by 32 channels: the fastest or within 15 % of it on every deep shape
  // measured (64x1024x1024, 256x512x512, and the 1 GiB cube's windows 256x1024x32 and
  // 256x85x512); 4 by 16 for fewer than 8 channels (3x512x512, 5x512x512: 1.4-2x faster).
  if (variant == 0) variant = d.depth < 8 ? 1 : 7;
  switch (variant) {
    case 1: swizzleTiles<4, 16>(s, d, t); break;
    case 2: swizzleTiles<8, 8>(s, d, t); break;
    case 3: swizzleTiles<16, 16>(s, d, t); break;
    case 4: swizzleTiles<16, 4>(s, d, t); break;
    case 5: swizzleTiles<8, 16>(s, d, t); break;
    default: swizzleTiles<8, 32>(s, d, t); break;
  }
  return nullptr;
}

}  // namespace f2i
