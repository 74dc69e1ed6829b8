#include "kernels/cpu/band_stats.h"

#include "kernels/shared/framewise_common.h"

namespace mgr::kernels::cpu {

void band_partial_sums(double* partial, const float* x, const int32_t* clips, int64_t C, int64_t D,
                       int64_t T, const double* center) {
#pragma omp parallel for schedule(static) if (C * D * T > (1 << 18))
  for (int64_t r = 0; r < C * D; ++r) {
    const int64_t i = r / D, d = r % D;
    const float* p = x + (int64_t(clips[i]) * D + d) * T;
    if (center == nullptr) {
      partial[r] = ordered_sum(T, [p](int64_t t) { return double(p[t]); });
    } else {
      const double m = center[d];
      partial[r] = ordered_sum(T, [p, m](int64_t t) {
        const double e = double(p[t]) - m;
        return dmul(e, e);
      });
    }
  }
}

void band_reduce_clips(double* out, const double* partial, int64_t C, int64_t D, double divisor) {
  for (int64_t d = 0; d < D; ++d)
    out[d] = ordered_sum(C, [=](int64_t i) { return partial[i * D + d]; }) / divisor;
}

void normalise_bands(float* x, int64_t N, int64_t D, int64_t T, const float* mean,
                     const float* denom) {
#pragma omp parallel for schedule(static) if (N * D * T > (1 << 20))
  for (int64_t r = 0; r < N * D; ++r) {
    const int64_t d = r % D;
    const float m = mean[d], s = denom[d];
    float* p = x + r * T;
    for (int64_t t = 0; t < T; ++t) p[t] = (p[t] - m) / s;
  }
}

}  // namespace mgr::kernels::cpu
