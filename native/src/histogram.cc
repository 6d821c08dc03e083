// Histogram counts of a run of float32 values: the twin of src/kernels/histogram.ts.
//
// Bin of v (lo <= v <= hi): min(n - 1, floor(n * (v - lo) / (hi - lo))) in float64, in that
// order (a division, no reciprocal). The bin arithmetic runs two values per SSE2 vector (the
// same operations per lane); the counts go to four interleaved integer histograms, so runs of
// values in one bin do not wait on each other's increments, and are then added to the float64
// bins: integer counts add exactly, so the result equals counting one by one.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "kernels.h"
#include "napi-util.h"
#include "simd.h"

namespace f2i {
namespace {

// floor(x) for the bin: x = n * (v - lo) / range lies in [0, n] (rounding is monotonic and
// v - lo <= range), and may be -0; truncation equals floor on it.
inline int64_t binOf(double v, double lo, double range, double n, int64_t last) {
  const int64_t b = static_cast<int64_t>((n * (v - lo)) / range);
  return b < last ? b : last;
}

// Values counted into `counts` (4 interleaved copies of nBins uint32), at most 2^32 - 1 per call.
void countRun(const float* data, size_t length, double lo, double hi, double range, size_t nBins, uint32_t* counts) {
  const double n = static_cast<double>(nBins);
  const int64_t last = static_cast<int64_t>(nBins) - 1;
  size_t i = 0;
#if F2I_SSE2
  const __m128d vlo = _mm_set1_pd(lo);
  const __m128d vhi = _mm_set1_pd(hi);
  const __m128d vn = _mm_set1_pd(n);
  const __m128d vrange = _mm_set1_pd(range);
  for (; i + 4 <= length; i += 4) {
    const __m128 v = _mm_loadu_ps(data + i);
    const __m128d a = _mm_cvtps_pd(v);
    const __m128d b = _mm_cvtps_pd(_mm_movehl_ps(v, v));
    // With finite lo/hi the comparisons also reject NaN and ±Inf.
    const int maskA = _mm_movemask_pd(_mm_and_pd(_mm_cmpge_pd(a, vlo), _mm_cmple_pd(a, vhi)));
    const int maskB = _mm_movemask_pd(_mm_and_pd(_mm_cmpge_pd(b, vlo), _mm_cmple_pd(b, vhi)));
    if ((maskA | maskB) == 0) continue;
    // Lanes outside [lo, hi] compute garbage that is never used.
    const __m128i binsA = _mm_cvttpd_epi32(_mm_div_pd(_mm_mul_pd(vn, _mm_sub_pd(a, vlo)), vrange));
    const __m128i binsB = _mm_cvttpd_epi32(_mm_div_pd(_mm_mul_pd(vn, _mm_sub_pd(b, vlo)), vrange));
    alignas(16) int32_t idx[8];
    _mm_store_si128(reinterpret_cast<__m128i*>(idx), binsA);
    _mm_store_si128(reinterpret_cast<__m128i*>(idx + 4), binsB);
    if (maskA & 1) counts[(idx[0] < last ? idx[0] : last) * 4 + 0]++;
    if (maskA & 2) counts[(idx[1] < last ? idx[1] : last) * 4 + 1]++;
    if (maskB & 1) counts[(idx[4] < last ? idx[4] : last) * 4 + 2]++;
    if (maskB & 2) counts[(idx[5] < last ? idx[5] : last) * 4 + 3]++;
  }
#endif
  for (; i < length; i++) {
    const double v = data[i];
    if (v >= lo && v <= hi) counts[binOf(v, lo, range, n, last) * 4 + (i & 3)]++;
  }
}

void histogram(const float* data, size_t length, double lo, double hi, double* bins, size_t nBins) {
  const double range = hi - lo;
  // False for NaN or infinite bounds (Inf - x is Inf or NaN), and for an empty range.
  if (!(range > 0 && range < __builtin_inf()) || nBins == 0) return;
  // The bin of a value is at most n (see binOf), which must fit the vector's int32 lanes.
  if (nBins > (1u << 30)) {
    const int64_t last = static_cast<int64_t>(nBins) - 1;
    for (size_t i = 0; i < length; i++) {
      const double v = data[i];
      if (v >= lo && v <= hi) bins[binOf(v, lo, range, static_cast<double>(nBins), last)] += 1;
    }
    return;
  }
  uint32_t* counts = static_cast<uint32_t*>(std::calloc(nBins * 4, sizeof(uint32_t)));
  if (counts == nullptr) {
    const int64_t last = static_cast<int64_t>(nBins) - 1;
    for (size_t i = 0; i < length; i++) {
      const double v = data[i];
      if (v >= lo && v <= hi) bins[binOf(v, lo, range, static_cast<double>(nBins), last)] += 1;
    }
    return;
  }
  // Runs short enough that no uint32 count can overflow.
  const size_t run = size_t{1} << 31;
  for (size_t start = 0; start < length; start += run) {
    const size_t n = length - start < run ? length - start : run;
    countRun(data + start, n, lo, hi, range, nBins, counts);
    for (size_t b = 0; b < nBins; b++) {
      const uint32_t* c = counts + 4 * b;
      const uint64_t total = uint64_t{c[0]} + c[1] + c[2] + c[3];
      if (total != 0) bins[b] += static_cast<double>(total);
    }
    if (start + n < length) for (size_t k = 0; k < nBins * 4; k++) counts[k] = 0;
  }
  std::free(counts);
}

}  // namespace

// histogram(data: Float32Array, offset, length, lo, hi, bins: Float64Array): lo and hi are the
// float32 statistics (the wrapper rounds them); counts are added to bins.
napi_value Histogram(napi_env env, napi_callback_info info) {
  Call call(env, info);
  size_t dataLength, nBins;
  const float* data = call.array<float>(0, napi_float32_array, &dataLength);
  const size_t offset = call.index(1);
  const size_t length = call.index(2);
  const double lo = call.number(3);
  const double hi = call.number(4);
  double* bins = call.array<double>(5, napi_float64_array, &nBins);
  if (!call.within(dataLength, offset, length)) return nullptr;
  histogram(data + offset, length, lo, hi, bins, nBins);
  return nullptr;
}

}  // namespace f2i
