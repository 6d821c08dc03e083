// Mipmap sums and means of one plane: the twin of MipmapAccumulator in src/kernels/mipmap.ts.
//
// Level k (factor 2^(k+1)) sums, per block, its finite values in raster order in float64: row
// by row top to bottom, each row left to right, every level from the full-resolution row
// (never from a coarser level, which would change the rounding). A row is first copied into
// float64 with non-finite values as +0 (adding +0 to a sum that starts at +0 changes nothing)
// plus finite flags; level 0 counts the flags, and the coarser levels' counts, which are exact
// integers, are added up from the level below. Blocks of a row are independent, so several
// are summed at once; each block's own additions stay in order.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "kernels.h"
#include "napi-util.h"
#include "simd.h"

namespace f2i {
namespace {

struct Level {
  size_t width, height, offset;  // offset into the concatenated sums and counts
};

// Level sizes ceil(width / factor) × ceil(height / factor), as mipmapLevels() makes them.
size_t levelsOf(size_t width, size_t height, size_t nLevels, Level* levels) {
  size_t offset = 0;
  for (size_t k = 0; k < nLevels; k++) {
    const size_t f = size_t{1} << (k + 1);
    levels[k] = {(width + f - 1) / f, (height + f - 1) / f, offset};
    offset += levels[k].width * levels[k].height;
  }
  return offset;
}

void prepareRow(const float* row, size_t width, double* vals, int32_t* fin) {
  for (size_t x = 0; x < width; x++) {
    const float v = row[x];
    const bool finite = v - v == 0.0f;
    vals[x] = finite ? static_cast<double>(v) : 0.0;
    fin[x] = finite ? 1 : 0;
  }
}

// Level 0 (2×2 blocks): sums[m] = (sums[m] + v[2m]) + v[2m+1], in that order, and counts.
void addRowFactor2(const double* vals, const int32_t* fin, size_t width, double* sums, int32_t* counts) {
  size_t m = 0;
  size_t x = 0;
#if F2I_SSE2
  for (; x + 4 <= width; x += 4, m += 2) {
    const __m128d a = _mm_loadu_pd(vals + x);      // v0 v1
    const __m128d b = _mm_loadu_pd(vals + x + 2);  // v2 v3
    __m128d s = _mm_loadu_pd(sums + m);
    s = _mm_add_pd(s, _mm_unpacklo_pd(a, b));  // + v0, + v2
    s = _mm_add_pd(s, _mm_unpackhi_pd(a, b));  // + v1, + v3
    _mm_storeu_pd(sums + m, s);
    counts[m] += fin[x] + fin[x + 1];
    counts[m + 1] += fin[x + 2] + fin[x + 3];
  }
#endif
  for (; x + 2 <= width; x += 2, m++) {
    sums[m] = sums[m] + vals[x] + vals[x + 1];
    counts[m] += fin[x] + fin[x + 1];
  }
  if (x < width) {
    sums[m] += vals[x];
    counts[m] += fin[x];
  }
}

// Levels >= 1: each block's sum continues through its values of this row, left to right.
template <size_t F>
void addRowSumsFixed(const double* vals, size_t width, double* sums) {
  size_t m = 0;
  size_t x = 0;
  // Four blocks at a time: independent addition chains.
  for (; x + 4 * F <= width; x += 4 * F, m += 4) {
    double s0 = sums[m], s1 = sums[m + 1], s2 = sums[m + 2], s3 = sums[m + 3];
    for (size_t j = 0; j < F; j++) {
      s0 += vals[x + j];
      s1 += vals[x + F + j];
      s2 += vals[x + 2 * F + j];
      s3 += vals[x + 3 * F + j];
    }
    sums[m] = s0;
    sums[m + 1] = s1;
    sums[m + 2] = s2;
    sums[m + 3] = s3;
  }
  for (; x < width; m++) {
    double s = sums[m];
    const size_t end = x + F < width ? x + F : width;
    for (; x < end; x++) s += vals[x];
    sums[m] = s;
  }
}

void addRowSums(const double* vals, size_t width, size_t factor, double* sums) {
  switch (factor) {
    case 4: return addRowSumsFixed<4>(vals, width, sums);
    case 8: return addRowSumsFixed<8>(vals, width, sums);
    case 16: return addRowSumsFixed<16>(vals, width, sums);
    case 32: return addRowSumsFixed<32>(vals, width, sums);
  }
  size_t m = 0;
  for (size_t x = 0; x < width; m++) {
    double s = sums[m];
    const size_t end = x + factor < width ? x + factor : width;
    for (; x < end; x++) s += vals[x];
    sums[m] = s;
  }
}

// Counts of level k = sums of the (up to) 2×2 counts of level k-1 below each block.
void deriveCounts(const Level* levels, size_t nLevels, int32_t* counts) {
  for (size_t k = 1; k < nLevels; k++) {
    const Level& f = levels[k - 1];
    const Level& c = levels[k];
    const int32_t* fine = counts + f.offset;
    int32_t* coarse = counts + c.offset;
    for (size_t cy = 0; cy < c.height; cy++) {
      const size_t y0 = 2 * cy;
      const bool hasY1 = y0 + 1 < f.height;
      for (size_t cx = 0; cx < c.width; cx++) {
        const size_t x0 = 2 * cx;
        const bool hasX1 = x0 + 1 < f.width;
        const size_t i = y0 * f.width + x0;
        int32_t n = fine[i];
        if (hasX1) n += fine[i + 1];
        if (hasY1) {
          n += fine[i + f.width];
          if (hasX1) n += fine[i + f.width + 1];
        }
        coarse[cy * c.width + cx] = n;
      }
    }
  }
}

}  // namespace

// mipmapSums(plane: Float32Array, offset, width, height, nLevels, sums: Float64Array,
//            counts: Int32Array, rowValues: Float64Array(width), rowFinite: Int32Array(width)):
// every level's sums and counts, concatenated level after level (level k is
// ceil(width/2^(k+1)) × ceil(height/2^(k+1))), computed afresh from the plane.
napi_value MipmapSums(napi_env env, napi_callback_info info) {
  Call call(env, info);
  size_t planeLength, sumsLength, countsLength, valsLength, finLength;
  const float* plane = call.array<float>(0, napi_float32_array, &planeLength);
  const size_t offset = call.index(1);
  const size_t width = call.index(2);
  const size_t height = call.index(3);
  const size_t nLevels = call.index(4);
  double* sums = call.array<double>(5, napi_float64_array, &sumsLength);
  int32_t* counts = call.array<int32_t>(6, napi_int32_array, &countsLength);
  double* vals = call.array<double>(7, napi_float64_array, &valsLength);
  int32_t* fin = call.array<int32_t>(8, napi_int32_array, &finLength);
  if (call.failed()) return nullptr;
  if (nLevels > 30 || width > (size_t{1} << 31) || height > (size_t{1} << 31)) {
    call.fail("bad mipmap size");
    return nullptr;
  }
  Level levels[30];
  const size_t total = levelsOf(width, height, nLevels, levels);
  if (!call.within(planeLength, offset, width * height) || !call.within(sumsLength, 0, total) ||
      !call.within(countsLength, 0, total) || !call.within(valsLength, 0, width) || !call.within(finLength, 0, width)) {
    return nullptr;
  }
  for (size_t i = 0; i < total; i++) {
    sums[i] = 0;
    counts[i] = 0;
  }
  if (nLevels == 0) return nullptr;
  for (size_t y = 0; y < height; y++) {
    prepareRow(plane + offset + y * width, width, vals, fin);
    const size_t row0 = levels[0].offset + (y >> 1) * levels[0].width;
    addRowFactor2(vals, fin, width, sums + row0, counts + row0);
    for (size_t k = 1; k < nLevels; k++) {
      const size_t shift = k + 1;
      addRowSums(vals, width, size_t{1} << shift, sums + levels[k].offset + (y >> shift) * levels[k].width);
    }
  }
  deriveCounts(levels, nLevels, counts);
  return nullptr;
}

// mipmapMeans(sums: Float64Array, counts: Int32Array, from, n, out: Float32Array, outOffset):
// out[outOffset + i] = counts[from + i] > 0 ? sums[from + i] / counts[from + i] : NaN (float32).
napi_value MipmapMeans(napi_env env, napi_callback_info info) {
  Call call(env, info);
  size_t sumsLength, countsLength, outLength;
  const double* sums = call.array<double>(0, napi_float64_array, &sumsLength);
  const int32_t* counts = call.array<int32_t>(1, napi_int32_array, &countsLength);
  const size_t from = call.index(2);
  const size_t n = call.index(3);
  float* out = call.array<float>(4, napi_float32_array, &outLength);
  const size_t outOffset = call.index(5);
  if (!call.within(sumsLength, from, n) || !call.within(countsLength, from, n) || !call.within(outLength, outOffset, n)) {
    return nullptr;
  }
  const float nan = quietNaN();
  size_t i = 0;
#if F2I_SSE2
  // Two divisions per vector; lanes without a finite value take NaN afterwards.
  const __m128 nans = _mm_set1_ps(nan);
  for (; i + 2 <= n; i += 2) {
    const __m128i c = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(counts + from + i));
    const __m128 mean = _mm_cvtpd_ps(_mm_div_pd(_mm_loadu_pd(sums + from + i), _mm_cvtepi32_pd(c)));
    const __m128 empty = _mm_castsi128_ps(_mm_cmpgt_epi32(_mm_set1_epi32(1), c));  // c < 1
    const __m128 out2 = _mm_or_ps(_mm_and_ps(empty, nans), _mm_andnot_ps(empty, mean));
    _mm_storel_pi(reinterpret_cast<__m64*>(out + outOffset + i), out2);
  }
#endif
  for (; i < n; i++) {
    const int32_t c = counts[from + i];
    out[outOffset + i] = c > 0 ? static_cast<float>(sums[from + i] / static_cast<double>(c)) : nan;
  }
  return nullptr;
}

}  // namespace f2i
