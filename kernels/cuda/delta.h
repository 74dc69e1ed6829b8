// Savitzky-Golay derivative with interp edges on the GPU: the same function as
// kernels::cpu::savgol_interp (double weights, double accumulation, kernels/shared/savgol.h).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace mgr::kernels::cuda {

// weights: device [width, width] doubles (kernels::cpu::savgol_position_weights).
// x, y: [rows, frames], frames >= width.
void savgol_interp(float* y, const float* x, int64_t rows, int64_t frames, int width,
                   const double* weights, cudaStream_t stream);

}  // namespace mgr::kernels::cuda
