// Onset strength CUDA kernel: the same function as kernels::cpu::onset_strength.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace mgr::kernels::cuda {

// One thread per (clip, output frame): the band loop runs in the CPU twin's order, so the
// result is bit-identical to kernels::cpu::onset_strength.
void onset_strength(float* out, const float* S, int64_t clips, int bands, int frames, int lag,
                    int max_size, int shift, cudaStream_t stream);

}  // namespace mgr::kernels::cuda
