// FITS data (big-endian) to float32: the twin of src/kernels/byte-order.ts.
//
// Integer BITPIX: raw == BLANK gives NaN, else (float)(raw * bscale + bzero) in double. Float
// BITPIX: -32 unscaled copies the bits (NaN payloads kept), -64 unscaled rounds to float,
// scaled ones compute v * bscale + bzero in double. In-place decoding (src = the output's own
// bytes, starting at the first output value) works as in TypeScript: 32- and 64-bit values
// forward, 8- and 16-bit values backward, each value read before its output is written.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels.h"
#include "napi-util.h"
#include "simd.h"

namespace f2i {
namespace {

inline uint32_t load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}

inline uint64_t load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}

inline void storeFloat(uint8_t* dst, size_t i, float f) { std::memcpy(dst + 4 * i, &f, 4); }

inline float bitsToFloat(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

#if F2I_SSE2
// Reverses the bytes of each 32-bit lane with SSE2 only (no SSSE3 byte shuffle assumed).
inline __m128i bswap32x4(__m128i x) {
  x = _mm_shufflehi_epi16(_mm_shufflelo_epi16(x, 0xb1), 0xb1);
  return _mm_or_si128(_mm_slli_epi16(x, 8), _mm_srli_epi16(x, 8));
}
#endif

void f32Bits(const uint8_t* src, size_t count, uint8_t* dst) {
  size_t i = 0;
#if F2I_SSE2
  for (; i + 4 <= count; i += 4) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 4 * i));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 4 * i), bswap32x4(v));
  }
#endif
  for (; i < count; i++) {
    uint32_t v = load32(src + 4 * i);
    std::memcpy(dst + 4 * i, &v, 4);
  }
}

void f32Scaled(const uint8_t* src, size_t count, uint8_t* dst, double bscale, double bzero) {
  size_t i = 0;
#if F2I_SSE2
  const __m128d s = _mm_set1_pd(bscale);
  const __m128d z = _mm_set1_pd(bzero);
  for (; i + 4 <= count; i += 4) {
    __m128 v = _mm_castsi128_ps(bswap32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 4 * i))));
    __m128d lo = _mm_add_pd(_mm_mul_pd(_mm_cvtps_pd(v), s), z);
    __m128d hi = _mm_add_pd(_mm_mul_pd(_mm_cvtps_pd(_mm_movehl_ps(v, v)), s), z);
    __m128 out = _mm_movelh_ps(_mm_cvtpd_ps(lo), _mm_cvtpd_ps(hi));
    _mm_storeu_ps(reinterpret_cast<float*>(dst + 4 * i), out);
  }
#endif
  for (; i < count; i++) {
    double v = bitsToFloat(load32(src + 4 * i));
    storeFloat(dst, i, static_cast<float>(v * bscale + bzero));
  }
}

void f64(const uint8_t* src, size_t count, uint8_t* dst, double bscale, double bzero, bool identity) {
  for (size_t i = 0; i < count; i++) {
    uint64_t bits = load64(src + 8 * i);
    double v;
    std::memcpy(&v, &bits, 8);
    storeFloat(dst, i, static_cast<float>(identity ? v : v * bscale + bzero));
  }
}

void u8(const uint8_t* src, size_t count, uint8_t* dst, double bscale, double bzero, bool hasBlank, int64_t blank) {
  const float nan = quietNaN();
  for (size_t i = count; i-- > 0;) {
    const int64_t raw = src[i];
    storeFloat(dst, i, hasBlank && raw == blank ? nan : static_cast<float>(static_cast<double>(raw) * bscale + bzero));
  }
}

void i16(const uint8_t* src, size_t count, uint8_t* dst, double bscale, double bzero, bool hasBlank, int64_t blank) {
  const float nan = quietNaN();
  for (size_t i = count; i-- > 0;) {
    const int64_t raw = static_cast<int16_t>(static_cast<uint16_t>((src[2 * i] << 8) | src[2 * i + 1]));
    storeFloat(dst, i, hasBlank && raw == blank ? nan : static_cast<float>(static_cast<double>(raw) * bscale + bzero));
  }
}

void i32(const uint8_t* src, size_t count, uint8_t* dst, double bscale, double bzero, bool hasBlank, int64_t blank) {
  const float nan = quietNaN();
  for (size_t i = 0; i < count; i++) {
    const int64_t raw = static_cast<int32_t>(load32(src + 4 * i));
    storeFloat(dst, i, hasBlank && raw == blank ? nan : static_cast<float>(static_cast<double>(raw) * bscale + bzero));
  }
}

void i64(const uint8_t* src, size_t count, uint8_t* dst, double bscale, double bzero, bool hasBlank, int32_t blankHi,
         uint32_t blankLo) {
  const float nan = quietNaN();
  for (size_t i = 0; i < count; i++) {
    const uint64_t bits = load64(src + 8 * i);
    const int32_t hi = static_cast<int32_t>(bits >> 32);
    const uint32_t lo = static_cast<uint32_t>(bits);
    // hi * 2^32 is exact, so the sum rounds once: as TypeScript's hi * TWO32 + lo.
    const double raw = static_cast<double>(hi) * 4294967296.0 + static_cast<double>(lo);
    storeFloat(dst, i, hasBlank && hi == blankHi && lo == blankLo ? nan : static_cast<float>(raw * bscale + bzero));
  }
}

}  // namespace

// decode(src: Uint8Array, bitpix, count, dst: Float32Array, dstOffset, bscale, bzero,
//        hasBlank, blankHi, blankLo): for 8-, 16- and 32-bit BLANK is blankLo; for 64-bit
//        the high (signed) and low (unsigned) words. The wrapper has checked the arguments.
napi_value Decode(napi_env env, napi_callback_info info) {
  Call call(env, info);
  size_t srcLength, dstLength;
  const uint8_t* src = call.array<uint8_t>(0, napi_uint8_array, &srcLength);
  const double bitpixValue = call.number(1);
  const size_t count = call.index(2);
  float* dst = call.array<float>(3, napi_float32_array, &dstLength);
  const size_t dstOffset = call.index(4);
  const double bscale = call.number(5);
  const double bzero = call.number(6);
  const bool hasBlank = call.boolean(7);
  const double blankHi = call.number(8);
  const double blankLo = call.number(9);
  const int bitpix = static_cast<int>(bitpixValue);
  size_t bytes = 0;
  switch (bitpix) {
    case 8: bytes = 1; break;
    case 16: bytes = 2; break;
    case 32: case -32: bytes = 4; break;
    case 64: case -64: bytes = 8; break;
    default: call.fail("unsupported BITPIX");
  }
  if (!call.within(dstLength, dstOffset, count)) return nullptr;
  if (count > srcLength / bytes) call.fail("the source is too short");
  if (call.failed() || count == 0) return nullptr;
  uint8_t* out = reinterpret_cast<uint8_t*>(dst + dstOffset);
  const bool identity = bscale == 1 && bzero == 0;
  switch (bitpix) {
    case -32:
      if (identity) f32Bits(src, count, out);
      else f32Scaled(src, count, out, bscale, bzero);
      break;
    case -64: f64(src, count, out, bscale, bzero, identity); break;
    case 8: u8(src, count, out, bscale, bzero, hasBlank, static_cast<int64_t>(blankLo)); break;
    case 16: i16(src, count, out, bscale, bzero, hasBlank, static_cast<int64_t>(blankLo)); break;
    case 32: i32(src, count, out, bscale, bzero, hasBlank, static_cast<int64_t>(blankLo)); break;
    case 64:
      i64(src, count, out, bscale, bzero, hasBlank, static_cast<int32_t>(blankHi), static_cast<uint32_t>(blankLo));
      break;
  }
  return nullptr;
}

}  // namespace f2i
