// A window of a [depth][height][width] cube copied into a compact [depth][h][w] buffer (the
// fast mode's strips): one memcpy per row, so values keep their bits (NaN payloads included).
#include <cstddef>
#include <cstring>

#include "kernels.h"
#include "napi-util.h"

namespace f2i {

// gatherWindow(cube: Float32Array, depth, height, width, x, y, w, h, out: Float32Array).
napi_value GatherWindow(napi_env env, napi_callback_info info) {
  Call call(env, info);
  size_t cubeLength, outLength;
  const float* cube = call.array<float>(0, napi_float32_array, &cubeLength);
  const size_t depth = call.index(1);
  const size_t height = call.index(2);
  const size_t width = call.index(3);
  const size_t x = call.index(4);
  const size_t y = call.index(5);
  const size_t w = call.index(6);
  const size_t h = call.index(7);
  float* out = call.array<float>(8, napi_float32_array, &outLength);
  if (call.failed()) return nullptr;
  if (x > width || w > width - x || y > height || h > height - y) {
    call.fail("the window is outside the plane");
    return nullptr;
  }
  const size_t plane = height * width;
  if ((width != 0 && height > cubeLength / width) || (plane != 0 && depth > cubeLength / plane) ||
      (w * h != 0 && depth > outLength / (w * h))) {
    call.fail("range outside the array");
    return nullptr;
  }
  float* o = out;
  for (size_t z = 0; z < depth; z++) {
    for (size_t r = y; r < y + h; r++) {
      std::memcpy(o, cube + (z * height + r) * width + x, w * 4);
      o += w;
    }
  }
  return nullptr;
}

}  // namespace f2i
