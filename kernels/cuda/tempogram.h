// Autocorrelation tempogram CUDA kernel: the same function as kernels::cpu::tempogram.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace mgr::kernels::cuda {

// Largest win_length the kernel's shared memory holds (8 frames' lags + window + envelope tile).
constexpr int kMaxTempogramWin = 1024;

// window: device [win_length] (the periodic Hann the CPU twin uses).
void tempogram(float* out, const float* env, int64_t clips, int frames, int win_length,
               const float* window, cudaStream_t stream);

}  // namespace mgr::kernels::cuda
