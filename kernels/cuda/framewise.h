// Frame-wise descriptors from audio and per-row aggregates on the GPU: the same functions as
// kernels/cpu/framewise.h, with device pointers, on `stream`.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/shared/framewise_common.h"

namespace mgr::kernels::cuda {

void zero_crossing_rate(float* out, const float* x, int64_t clips, int64_t n, int64_t frames,
                        int frame_length, int hop, bool center, float threshold,
                        cudaStream_t stream);
void rms(float* out, const float* x, int64_t clips, int64_t n, int64_t frames, int frame_length,
         int hop, bool center, ::mgr::kernels::cpu::PadMode mode, cudaStream_t stream);
void mean_var_rows(float* out, const float* x, int64_t clips, int64_t rows, int64_t cols,
                   cudaStream_t stream);
void low_energy_rows(float* out, const float* x, int64_t rows, int64_t cols, int64_t ref_cols,
                     cudaStream_t stream);

}  // namespace mgr::kernels::cuda
