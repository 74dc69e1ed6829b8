// librosa.estimate_tuning on the device: the same function as kernels/cpu/tuning.h.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace mgr::kernels::cuda {

// power [clips, bins, frames] -> out [clips] (histogram bins, kernels::cpu::estimate_tuning_index).
// ref_scratch: device [clips, frames] floats. A thread per (clip, frame) takes piptrack's
// per-frame reference; then a block per clip counts the peaks, selects the median magnitude
// exactly (radix selection on the float bits, 4 passes of 8 bits per order statistic), fills the
// 100-bin deviation histogram (shared-memory atomics: exact integer counts) and takes its first
// maximum. The per-bin arithmetic is kernels/shared/tuning.h; every step is deterministic.
void estimate_tuning_index(int32_t* out, float* ref_scratch, const float* power, int64_t clips,
                           int bins, int frames, int sample_rate, int n_fft, int n_chroma,
                           cudaStream_t stream);

}  // namespace mgr::kernels::cuda
