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
using kernels::dmul;

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

}  // namespace mgr::kernels::cpu
