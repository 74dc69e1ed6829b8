// Onset strength CUDA kernel: the same function as kernels::cpu::onset_strength.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace mgr::kernels::cuda {

// Most bands the median kernel holds in shared memory (one warp's row).
constexpr int kMaxMedianBands = 1024;

// Mean: one thread per (clip, output frame), the band loop in the CPU twin's order, so the result
// is bit-identical to kernels::cpu::onset_strength. Median (bands <= kMaxMedianBands): one warp
// per (clip, output frame) puts the band differences in shared memory and each lane ranks its
// bands (ties by band index) to find the middle one or two; the same values as the CPU's
// nth_element, combined in the same float32 operations: bit-identical as well.
void onset_strength(float* out, const float* S, int64_t clips, int bands, int frames, int lag,
                    int max_size, int shift, bool median, cudaStream_t stream);

}  // namespace mgr::kernels::cuda
