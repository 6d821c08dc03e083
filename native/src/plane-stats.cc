// Statistics of a run of float32 values: the twin of src/kernels/plane-stats.ts.
//
// The sums are one float64 chain each, in order (as TypeScript adds them), so this loop is
// bound by the latency of the additions and cannot be split into lanes. Min and max use
// strict comparisons in order, so on ties the first occurrence is kept (-0 versus +0), as in
// TypeScript. Non-finite values add +0.0 instead of being skipped: a sum starting at +0 can
// never become -0 under round-to-nearest, so adding +0 leaves it unchanged, bit for bit.
#include <cstddef>
#include <cstdint>
#include <limits>

#include "kernels.h"
#include "napi-util.h"

namespace f2i {
namespace {

void planeStats(const float* data, size_t length, double* state) {
  float mn = std::numeric_limits<float>::infinity();
  float mx = -std::numeric_limits<float>::infinity();
  double sum = 0;
  double sumSq = 0;
  size_t nan = 0;
  for (size_t i = 0; i < length; i++) {
    const float v = data[i];
    // v - v is 0 for finite v and NaN for NaN and ±Inf.
    const bool finite = v - v == 0.0f;
    if (finite && v < mn) mn = v;
    if (finite && v > mx) mx = v;
    // The float32 product v * v is TypeScript's Math.fround(v * v): the float64 product of two
    // float32 values is exact, so rounding it to float32 rounds once, as float32 multiply does.
    const float sq = v * v;
    sum += finite ? static_cast<double>(v) : 0.0;
    sumSq += finite ? static_cast<double>(sq) : 0.0;
    nan += finite ? 0 : 1;
  }
  state[0] = mn;
  state[1] = mx;
  state[2] = sum;
  state[3] = sumSq;
  state[4] = static_cast<double>(nan);
}

}  // namespace

// planeStats(data: Float32Array, offset, length, state: Float64Array(5)): min, max, sum, sumSq
// and the count of non-finite values into state (min +Inf and max -Inf when none is finite).
napi_value PlaneStats(napi_env env, napi_callback_info info) {
  Call call(env, info);
  size_t dataLength, stateLength;
  const float* data = call.array<float>(0, napi_float32_array, &dataLength);
  const size_t offset = call.index(1);
  const size_t length = call.index(2);
  double* state = call.array<double>(3, napi_float64_array, &stateLength);
  if (!call.within(dataLength, offset, length) || !call.within(stateLength, 0, 5)) return nullptr;
  planeStats(data + offset, length, state);
  return nullptr;
}

}  // namespace f2i
