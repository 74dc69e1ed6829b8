// Training augmentation on the GPU: the functions of kernels/cpu/augment.h with the same
// arithmetic (kernels/shared/augment.h). Parameter arrays (start, width, partner, factor, shift,
// sigma) are device pointers.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace mgr::kernels::cuda {

void augment_mask(float* x, int64_t B, int64_t C, int64_t D, int64_t T, int axis,
                  const int32_t* start, const int32_t* width, int count, float fill,
                  cudaStream_t stream);
void augment_mix(float* y, const float* x, int64_t B, int64_t row, const int32_t* partner,
                 float lambda, float mu, cudaStream_t stream);
void augment_scale(float* x, int64_t B, int64_t S, const float* factor, cudaStream_t stream);
void augment_shift(float* y, const float* x, int64_t B, int64_t S, const int32_t* shift,
                   bool circular, cudaStream_t stream);
void augment_noise(float* x, int64_t B, int64_t S, const float* sigma, uint64_t key,
                   cudaStream_t stream);
// kernels/cpu/augment.h's augment_resample; rate, cutoff and table are device pointers.
void augment_resample(float* y, const float* x, int64_t B, int64_t W, int64_t S, int64_t pad,
                      const float* rate, const float* cutoff, const float* table, int zeros,
                      int per_zero, cudaStream_t stream);

}  // namespace mgr::kernels::cuda
