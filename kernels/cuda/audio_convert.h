// The device side of the 16-bit audio transport (kernels/cpu/audio_convert.h): the same
// function as kernels::cpu::int16_to_float.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace mgr::kernels::cuda {

void int16_to_float(float* out, const int16_t* in, int64_t n, cudaStream_t stream);

}  // namespace mgr::kernels::cuda
