// Per-band statistics and normalisation on the GPU: the same functions as
// kernels/cpu/band_stats.h (device pointers; `clips`, `center`, `mean`, `denom` on the device).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace mgr::kernels::cuda {

void band_partial_sums(double* partial, const float* x, const int32_t* clips, int64_t C, int64_t D,
                       int64_t T, const double* center, cudaStream_t stream);
void band_reduce_clips(double* out, const double* partial, int64_t C, int64_t D, double divisor,
                       cudaStream_t stream);
void normalise_bands(float* x, int64_t N, int64_t D, int64_t T, const float* mean,
                     const float* denom, cudaStream_t stream);

}  // namespace mgr::kernels::cuda
