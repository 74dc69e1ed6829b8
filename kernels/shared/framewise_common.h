// Arithmetic shared verbatim by the CPU twins and the CUDA kernels of the frame-wise
// descriptors, clip aggregates and band statistics: the fixed summation order (the padding index
// map is kernels/shared/pad_index.h). Because both devices run exactly these operations in exactly
// this order (in double, with no fused multiply-add on the CUDA side), a reduction gives the same
// bits on either device; only transcendental functions (log, exp, pow) can differ in the last ulp.
#pragma once

#include <cstdint>

#include "kernels/shared/host_device.h"
#include "kernels/shared/pad_index.h"

namespace mgr::kernels::cpu {

// Double add and multiply that nvcc may not fuse into an FMA (kernels/shared/host_device.h), so
// that both devices round every step the same way.
using kernels::dadd;
using kernels::ddiv;
using kernels::dmul;
using kernels::dsqrt;
using kernels::to_float;

using kernels::pad_index;
using kernels::PadMode;

// The fixed reduction order: lane l (of kLanes) sums elements l, l + kLanes, l + 2 kLanes, ...
// in increasing order; then the lanes are folded pairwise, half onto half (p[i] += p[i + s] for
// s = kLanes/2, ..., 1). A CUDA block of kLanes threads does the same in shared memory.
constexpr int kLanes = 256;

// Folds kLanes partial sums in place and returns the total.
inline double fold_lanes(double* p) {
  for (int s = kLanes / 2; s > 0; s >>= 1)
    for (int i = 0; i < s; ++i) p[i] = dadd(p[i], p[i + s]);
  return p[0];
}

// Sum of f(k) for k in [0, n) in the fixed order (f returns double).
template <typename F>
double ordered_sum(int64_t n, F f) {
  double p[kLanes] = {};
  for (int64_t base = 0; base < n; base += kLanes) {
    const int64_t m = n - base < kLanes ? n - base : kLanes;
    for (int64_t l = 0; l < m; ++l) p[l] = dadd(p[l], f(base + l));
  }
  return fold_lanes(p);
}

// Zero-crossing rate (librosa.feature.zero_crossing_rate, edge padding): a sample counts as
// negative below -threshold, and a frame's rate is its count of sign changes over frame_length.
MGR_HOST_DEVICE inline bool zcr_negative(float v, float threshold) { return v < -threshold; }
MGR_HOST_DEVICE inline float zcr_value(int count, int frame_length) {
  return to_float(ddiv(double(count), double(frame_length)));
}

// RMS (librosa.feature.rms): the square of padded position `pos` (0 for a constant pad), and the
// frame's value from the ordered sum of squares.
MGR_HOST_DEVICE inline double rms_square(const float* x, int64_t n, int64_t pos, PadMode mode) {
  const int64_t k = pad_index(pos, n, mode);
  const double v = k < 0 ? 0.0 : double(x[k]);
  return dmul(v, v);
}
MGR_HOST_DEVICE inline float rms_value(double sum_of_squares, int frame_length) {
  return to_float(dsqrt(ddiv(sum_of_squares, double(frame_length))));
}

}  // namespace mgr::kernels::cpu
