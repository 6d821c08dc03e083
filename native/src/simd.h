// SSE2 is part of x86-64 itself, so these paths need no CPU check; other CPUs take the scalar
// loops. Vector lanes compute exactly what the scalar loop computes for the same element (the
// same IEEE operations in the same order, no reassociation across elements), so both paths
// give the same bits.
#pragma once

#if defined(__SSE2__)
#include <emmintrin.h>
#define F2I_SSE2 1
#else
#define F2I_SSE2 0
#endif

#include <cstdint>
#include <cstring>

namespace f2i {

// The NaN that JavaScript stores into a Float32Array (quiet, no payload).
inline float quietNaN() {
  const uint32_t bits = 0x7fc00000u;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

}  // namespace f2i
