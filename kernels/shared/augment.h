// Training augmentation (framework/features/augment.h): the arithmetic of one element, written
// once for the CPU twins (kernels/cpu/augment.cpp) and the CUDA kernels (kernels/cuda/augment.cu).
// Every random parameter is drawn on the host; the only randomness here is the noise, a pure
// function of (key, row, sample).
#pragma once

#include <cstdint>

#include "kernels/shared/beat_dp.h"
#include "kernels/shared/dropout_hash.h"
#include "kernels/shared/host_device.h"

namespace mgr::kernels {

// Whether position `pos` of a row lies in one of its `count` masks [start[k], start[k] + width[k]).
MGR_HOST_DEVICE inline bool augment_masked(int64_t pos, const int32_t* start, const int32_t* width,
                                           int count) {
  for (int k = 0; k < count; ++k)
    if (pos >= start[k] && pos < int64_t(start[k]) + width[k]) return true;
  return false;
}

// lambda a + mu b with mu = 1 - lambda, rounded at each step on both devices (no FMA).
MGR_HOST_DEVICE inline float augment_mix(float a, float b, float lambda, float mu) {
  return fadd(fmul(lambda, a), fmul(mu, b));
}

// The sample of a row of S samples that lands at `i` after a shift by `shift` (positive: later):
// -1 when none does (zero fill).
MGR_HOST_DEVICE inline int64_t augment_shift_source(int64_t i, int64_t shift, int64_t S,
                                                    bool circular) {
  int64_t j = i - shift;
  if (circular) {
    j %= S;
    return j < 0 ? j + S : j;
  }
  return j >= 0 && j < S ? j : -1;
}

// A standard normal value as a pure function of (key, index): Marsaglia's polar method on pairs
// of 53-bit uniforms in [-1, 1) from splitmix64 (attempt j of element i hashes 2 (i 2^8 + j) and
// the next), v1 sqrt(-2 ln s / s) in double with det_log and correctly rounded + - * / sqrt, then
// rounded to float: the same bits on both devices. 64 rejected attempts in a row (probability
// 0.2146^64) give 0.
MGR_HOST_DEVICE inline float augment_normal(uint64_t key, uint64_t index) {
  constexpr double kScale = 1.0 / 4503599627370496.0;  // 2^-52: 53 bits onto [0, 2)
  for (uint64_t j = 0; j < 64; ++j) {
    const uint64_t c = 2 * ((index << 8) + j);
    const uint64_t a = splitmix64_mix(key + (c + 1) * 0x9E3779B97F4A7C15ULL);
    const uint64_t b = splitmix64_mix(key + (c + 2) * 0x9E3779B97F4A7C15ULL);
    const double v1 = dsub(dmul(double(a >> 11), kScale), 1.0);
    const double v2 = dsub(dmul(double(b >> 11), kScale), 1.0);
    const double s = dadd(dmul(v1, v1), dmul(v2, v2));
    if (s > 0.0 && s < 1.0)
      return to_float(dmul(v1, dsqrt(ddiv(dmul(-2.0, beat_dp::det_log(s)), s))));
  }
  return 0.f;
}

// The noise key of row `row` of a batch whose key is `key`.
MGR_HOST_DEVICE inline uint64_t augment_row_key(uint64_t key, uint64_t row) {
  return splitmix64_mix(key ^ (row * 0xD1B54A32D192ED03ULL + 0x8CB92BA72F3D8DD7ULL));
}

// x + sigma g, rounded at each step.
MGR_HOST_DEVICE inline float augment_noisy(float x, float sigma, float g) {
  return fadd(x, fmul(sigma, g));
}

// ---- speed (resampling): windowed-sinc interpolation driven by a table, so that both devices
// compute the same bits without a transcendental function on the device.
//
// The table holds the prototype g(u) = sinc(u) hann(u / zeros) at u = k / per_zero for
// k = 0 .. zeros * per_zero (g(zeros) = 0), one guard entry after it. A row read at rate r with
// cutoff c (a fraction of the input's Nyquist frequency: below 1 / r when r > 1, so that the
// sped-up row does not alias) has the kernel h(t) = c g(c t), reaching zeros / c input samples to
// each side; between table entries g is interpolated linearly.

// The output sample at position `pos` (in input samples) of a row `in` of W samples: the sum of
// in[j] h(pos - j) over the j within reach, in increasing j, rounded at each step; samples
// outside [0, W) count as 0.
MGR_HOST_DEVICE inline float augment_resample_at(const float* in, int64_t W, double pos,
                                                 float cutoff, const float* table, int zeros,
                                                 int per_zero) {
  const double reach = ddiv(double(zeros), double(cutoff));
  int64_t j0 = int64_t(ceil(dsub(pos, reach))), j1 = int64_t(floor(dadd(pos, reach)));
  if (j0 < 0) j0 = 0;
  if (j1 > W - 1) j1 = W - 1;
  // u = cutoff |pos - j| per_zero, the table position of tap j; past the last entry (which is 0)
  // the index is clamped there, so such a tap weighs 0 without a branch in the loop.
  const double step = dmul(double(cutoff), double(per_zero));
  const int64_t last = int64_t(zeros) * per_zero;
  float acc = 0.f;
  for (int64_t j = j0; j <= j1; ++j) {
    double d = dsub(pos, double(j));
    d = d < 0 ? -d : d;
    const double u = dmul(d, step);
    int64_t k = int64_t(u);
    const float f = to_float(dsub(u, double(k)));
    k = k < last ? k : last;
    const float w = fadd(table[k], fmul(f, fsub(table[k + 1], table[k])));
    acc = fadd(acc, fmul(w, in[j]));
  }
  return fmul(acc, cutoff);
}

// Where output sample i of a row read at `rate` lies in its window: pad + i rate.
MGR_HOST_DEVICE inline double augment_resample_pos(int64_t i, int64_t pad, float rate) {
  return dadd(double(pad), dmul(double(i), double(rate)));
}

}  // namespace mgr::kernels
