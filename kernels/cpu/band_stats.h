// Per-band statistics over a chosen set of clips, and per-band normalisation. Features are
// x [N, D, T] (T = 1 for clip-level vectors). CPU twins of kernels/cuda/band_stats.h, with the
// summation order of kernels/shared/framewise_common.h, so both devices give the same bits.
#pragma once

#include <cstdint>

namespace mgr::kernels::cpu {

// partial[i, d] = sum over t of x[clips[i], d, t] (center == nullptr) or of
// (x[clips[i], d, t] - center[d])^2, in double, in the fixed order. partial is [C, D].
void band_partial_sums(double* partial, const float* x, const int32_t* clips, int64_t C, int64_t D,
                       int64_t T, const double* center);

// out[d] = (sum over i of partial[i, d], in the fixed order over i) / divisor.
void band_reduce_clips(double* out, const double* partial, int64_t C, int64_t D, double divisor);

// x[n, d, t] = (x[n, d, t] - mean[d]) / denom[d], in float, in place.
void normalise_bands(float* x, int64_t N, int64_t D, int64_t T, const float* mean,
                     const float* denom);

}  // namespace mgr::kernels::cpu
