// power_to_db, written once for both devices (kernels/cpu/mel.cpp power_to_db, and on the GPU
// clip_max_kernel + db_kernel in kernels/cuda/mel.cu): the same dB function, the same reference
// and the same top_db floor, so both give the same bits.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/shared/host_device.h"

namespace mgr::kernels {

MGR_HOST_DEVICE inline uint32_t float_bits(float x) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(x);
#else
  uint32_t b;  // std::bit_cast is not available to nvcc's host pass; memcpy compiles to a move
  std::memcpy(&b, &x, sizeof b);
  return b;
#endif
}

MGR_HOST_DEVICE inline float bits_float(uint32_t b) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(b);
#else
  float x;
  std::memcpy(&x, &b, sizeof x);
  return x;
#endif
}

// 10 log10(x) for a normal float x > 0, in plain arithmetic (glibc's log10f is a call per
// element and made dB the slowest CPU stage; written out it vectorises). x = m 2^e with m in
// [sqrt(1/2), sqrt(2)); ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172, by its series to
// s^9 (truncation < 1e-9). Error ~ 1 float ulp of the result: < 1e-5 dB for |dB| < 100. Every
// step is rounded to nearest on its own (no FMA), so both devices give the same bits.
MGR_HOST_DEVICE inline float db10(float x) {
  const uint32_t bits = float_bits(x);
  const uint32_t mant = bits & 0x7fffffu;
  // m = mantissa in [1, 2), halved (exponent field 126 instead of 127) above sqrt(2), whose
  // mantissa bits are 0x3504f3. Integer selects only, so the loop vectorises.
  const uint32_t big = mant > 0x3504f3u ? 1u : 0u;
  const float m = bits_float(mant | (0x3f800000u - (big << 23)));
  const float e = static_cast<float>(static_cast<int>(bits >> 23) - 127 + static_cast<int>(big));
  const float s = fdiv(fsub(m, 1.f), fadd(m, 1.f));
  const float s2 = fmul(s, s);
  // 2 s (1 + s2 (1/3 + s2 (1/5 + s2 (1/7 + s2 / 9)))), innermost first.
  float poly = fadd(1.f / 7, fmul(s2, 1.f / 9));
  poly = fadd(1.f / 5, fmul(s2, poly));
  poly = fadd(1.f / 3, fmul(s2, poly));
  poly = fadd(1.f, fmul(s2, poly));
  const float ln_m = fmul(fmul(2.f, s), poly);
  constexpr float kDbPerOctave = 3.01029995664f;  // 10 log10(2)
  constexpr float kDbPerNeper = 4.34294481903f;   // 10 / ln(10)
  return fadd(fmul(kDbPerOctave, e), fmul(kDbPerNeper, ln_m));
}

// max(x, amin); a NaN x gives amin (like fmaxf on the device).
MGR_HOST_DEVICE inline float at_least(float x, float amin) { return x > amin ? x : amin; }

// One clip's dB reference and floor, from its largest power (at least amin; the caller's max
// starts at amin or 0 and skips NaN): ref_db = 10 log10(max(amin, ref)) with ref the peak
// (ref_max) or 1; floor_db = peak_db - ref_db - top_db when top_db > 0, else -inf.
struct DbScale {
  float ref_db;
  float floor_db;
};

MGR_HOST_DEVICE inline DbScale db_scale(float peak, float amin, float top_db, bool ref_max) {
  const float peak_db = db10(at_least(peak, amin));
  const float ref_db = ref_max ? peak_db : db10(at_least(1.f, amin));
  return {ref_db, top_db > 0.f ? fsub(fsub(peak_db, ref_db), top_db) : -INFINITY};
}

// The dB value of one power entry x of the clip.
MGR_HOST_DEVICE inline float power_db(float x, float amin, const DbScale& scale) {
  const float v = fsub(db10(at_least(x, amin)), scale.ref_db);
  return v > scale.floor_db ? v : scale.floor_db;
}

}  // namespace mgr::kernels
