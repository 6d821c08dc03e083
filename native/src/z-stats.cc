// Per-pixel statistics over channels (the schema's Z statistics): the twin of zStatsOfTile in
// src/kernels/z-stats.ts, plus their conversion to the stored types.
//
// Each pixel sees its channels in order, so pixels are independent: four at a time in SSE2
// lanes, each lane doing exactly the scalar loop's operations. Min/max start as NaN and take
// v when !(v >= min) (or !(v <= max)), so ties keep the first channel. Non-finite values add
// +0.0 to the sums instead of being skipped, which changes nothing: the sums start at +0 and a
// sum starting at +0 never becomes -0 under round-to-nearest.
#include <cstddef>
#include <cstdint>

#include "kernels.h"
#include "napi-util.h"
#include "simd.h"

namespace f2i {
namespace {

// Pixels per chunk: the chunk's statistics (32 bytes a pixel) stay in cache while the channels
// stream through, as in TypeScript (results do not depend on it).
constexpr size_t kChunk = 2048;

struct ZOut {
  float* min;
  float* max;
  double* sum;
  double* sumSq;
  double* nan;
};

inline void addScalar(float v, size_t o, const ZOut& z) {
  if (v - v == 0.0f) {
    if (!(v >= z.min[o])) z.min[o] = v;
    if (!(v <= z.max[o])) z.max[o] = v;
    z.sum[o] += v;
    z.sumSq[o] += static_cast<double>(v * v);
  } else {
    z.nan[o] += 1;
  }
}

// Adds one channel's values plane[0 .. n) to pixels o0 .. o0 + n.
void addPlane(const float* plane, size_t n, size_t o0, const ZOut& z) {
  size_t i = 0;
#if F2I_SSE2
  const __m128 zero = _mm_setzero_ps();
  const __m128d one = _mm_set1_pd(1.0);
  for (; i + 4 <= n; i += 4) {
    const size_t o = o0 + i;
    const __m128 v = _mm_loadu_ps(plane + i);
    const __m128 fin = _mm_cmpeq_ps(_mm_sub_ps(v, v), zero);
    __m128 mn = _mm_loadu_ps(z.min + o);
    __m128 mx = _mm_loadu_ps(z.max + o);
    const __m128 takeMin = _mm_and_ps(fin, _mm_cmpnge_ps(v, mn));
    const __m128 takeMax = _mm_and_ps(fin, _mm_cmpnle_ps(v, mx));
    mn = _mm_or_ps(_mm_and_ps(takeMin, v), _mm_andnot_ps(takeMin, mn));
    mx = _mm_or_ps(_mm_and_ps(takeMax, v), _mm_andnot_ps(takeMax, mx));
    _mm_storeu_ps(z.min + o, mn);
    _mm_storeu_ps(z.max + o, mx);
    // Lanes 0-1 and 2-3 in float64, with the finite mask widened to 64 bits.
    const __m128d finLo = _mm_castps_pd(_mm_unpacklo_ps(fin, fin));
    const __m128d finHi = _mm_castps_pd(_mm_unpackhi_ps(fin, fin));
    const __m128 sq = _mm_mul_ps(v, v);
    const __m128d vLo = _mm_and_pd(finLo, _mm_cvtps_pd(v));
    const __m128d vHi = _mm_and_pd(finHi, _mm_cvtps_pd(_mm_movehl_ps(v, v)));
    const __m128d sqLo = _mm_and_pd(finLo, _mm_cvtps_pd(sq));
    const __m128d sqHi = _mm_and_pd(finHi, _mm_cvtps_pd(_mm_movehl_ps(sq, sq)));
    _mm_storeu_pd(z.sum + o, _mm_add_pd(_mm_loadu_pd(z.sum + o), vLo));
    _mm_storeu_pd(z.sum + o + 2, _mm_add_pd(_mm_loadu_pd(z.sum + o + 2), vHi));
    _mm_storeu_pd(z.sumSq + o, _mm_add_pd(_mm_loadu_pd(z.sumSq + o), sqLo));
    _mm_storeu_pd(z.sumSq + o + 2, _mm_add_pd(_mm_loadu_pd(z.sumSq + o + 2), sqHi));
    _mm_storeu_pd(z.nan + o, _mm_add_pd(_mm_loadu_pd(z.nan + o), _mm_andnot_pd(finLo, one)));
    _mm_storeu_pd(z.nan + o + 2, _mm_add_pd(_mm_loadu_pd(z.nan + o + 2), _mm_andnot_pd(finHi, one)));
  }
#endif
  for (; i < n; i++) addScalar(plane[i], o0 + i, z);
}

void zStatsOfTile(const float* src, size_t depth, size_t pixels, const ZOut& z) {
  const float nan = quietNaN();
  for (size_t o = 0; o < pixels; o++) {
    z.min[o] = nan;
    z.max[o] = nan;
    z.sum[o] = 0;
    z.sumSq[o] = 0;
    z.nan[o] = 0;
  }
  for (size_t p0 = 0; p0 < pixels; p0 += kChunk) {
    const size_t n = p0 + kChunk < pixels ? kChunk : pixels - p0;
    for (size_t c = 0; c < depth; c++) addPlane(src + c * pixels + p0, n, p0, z);
  }
}

}  // namespace

// zStatsOfTile(src: Float32Array, srcOffset, depth, pixelCount, min: Float32Array,
//              max: Float32Array, sum: Float64Array, sumSq: Float64Array, nanCount: Float64Array,
//              outOffset): overwrites the outputs' [outOffset, outOffset + pixelCount).
napi_value ZStatsOfTile(napi_env env, napi_callback_info info) {
  Call call(env, info);
  size_t srcLength, minLength, maxLength, sumLength, sumSqLength, nanLength;
  const float* src = call.array<float>(0, napi_float32_array, &srcLength);
  const size_t srcOffset = call.index(1);
  const size_t depth = call.index(2);
  const size_t pixels = call.index(3);
  float* mn = call.array<float>(4, napi_float32_array, &minLength);
  float* mx = call.array<float>(5, napi_float32_array, &maxLength);
  double* sum = call.array<double>(6, napi_float64_array, &sumLength);
  double* sumSq = call.array<double>(7, napi_float64_array, &sumSqLength);
  double* nan = call.array<double>(8, napi_float64_array, &nanLength);
  const size_t outOffset = call.index(9);
  if (call.failed()) return nullptr;
  if (depth != 0 && pixels > srcLength / depth) {
    call.fail("range outside the array");
    return nullptr;
  }
  if (!call.within(srcLength, srcOffset, depth * pixels) || !call.within(minLength, outOffset, pixels) ||
      !call.within(maxLength, outOffset, pixels) || !call.within(sumLength, outOffset, pixels) ||
      !call.within(sumSqLength, outOffset, pixels) || !call.within(nanLength, outOffset, pixels)) {
    return nullptr;
  }
  const ZOut z{mn + outOffset, mx + outOffset, sum + outOffset, sumSq + outOffset, nan + outOffset};
  zStatsOfTile(src + srcOffset, depth, pixels, z);
  return nullptr;
}

// storeZStats(min, max: Float32Array, sum, sumSq, nanCount: Float64Array, pixels,
//             outMin, outMax, outSum, outSumSq: Float32Array, outNanCount: BigInt64Array): the
// statistics as stored: min/max bit for bit, sums rounded to float32 (as a Float32Array store
// rounds), counts as int64.
napi_value StoreZStats(napi_env env, napi_callback_info info) {
  Call call(env, info);
  size_t len[10];
  const float* mn = call.array<float>(0, napi_float32_array, &len[0]);
  const float* mx = call.array<float>(1, napi_float32_array, &len[1]);
  const double* sum = call.array<double>(2, napi_float64_array, &len[2]);
  const double* sumSq = call.array<double>(3, napi_float64_array, &len[3]);
  const double* nan = call.array<double>(4, napi_float64_array, &len[4]);
  const size_t pixels = call.index(5);
  float* outMin = call.array<float>(6, napi_float32_array, &len[5]);
  float* outMax = call.array<float>(7, napi_float32_array, &len[6]);
  float* outSum = call.array<float>(8, napi_float32_array, &len[7]);
  float* outSumSq = call.array<float>(9, napi_float32_array, &len[8]);
  int64_t* outNan = call.array<int64_t>(10, napi_bigint64_array, &len[9]);
  for (size_t k = 0; k < 10; k++) {
    if (!call.within(len[k], 0, pixels)) return nullptr;
  }
  for (size_t i = 0; i < pixels; i++) {
    outMin[i] = mn[i];
    outMax[i] = mx[i];
    outSum[i] = static_cast<float>(sum[i]);
    outSumSq[i] = static_cast<float>(sumSq[i]);
    outNan[i] = static_cast<int64_t>(nan[i]);
  }
  return nullptr;
}

}  // namespace f2i
