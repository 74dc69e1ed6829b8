// Arithmetic shared verbatim by the CPU twins and the CUDA kernels of the frame-wise
// descriptors, clip aggregates and band statistics: the centre-padding index map and the fixed
// summation order. Because both devices run exactly these operations in exactly this order (in
// double, with no fused multiply-add on the CUDA side), a reduction gives the same bits on
// either device; only transcendental functions (log, exp, pow) can differ in the last ulp.
#pragma once

#include <cstdint>

#include "kernels/host_device.h"

#ifdef __CUDACC__
#define MGR_HD __host__ __device__ __forceinline__
#else
#define MGR_HD inline
#endif

namespace mgr::kernels::cpu {

// Double add and multiply that nvcc may not fuse into an FMA (kernels/host_device.h), so that
// both devices round every step the same way.
using kernels::dadd;
using kernels::dmul;

// numpy.pad modes used by librosa's centring (zcr: edge; rms: constant by default).
enum class PadMode : int { Constant = 0, Edge = 1, Reflect = 2, Symmetric = 3 };

// Index into x[0, n) of position i (any integer) of the signal padded by `mode`, or -1 for a
// constant (zero) sample. Reflect and symmetric extend periodically, which is what np.pad does
// when the pad is longer than the signal (it reflects again and again).
MGR_HD int64_t pad_index(int64_t i, int64_t n, PadMode mode) {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case PadMode::Constant:
      return -1;
    case PadMode::Edge:
      return i < 0 ? 0 : n - 1;
    case PadMode::Reflect: {
      if (n == 1) return 0;
      const int64_t period = 2 * (n - 1);
      int64_t m = i % period;
      if (m < 0) m += period;
      return m < n ? m : period - m;
    }
    case PadMode::Symmetric: {
      const int64_t period = 2 * n;
      int64_t m = i % period;
      if (m < 0) m += period;
      return m < n ? m : period - 1 - m;
    }
  }
  return -1;
}

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

}  // namespace mgr::kernels::cpu
