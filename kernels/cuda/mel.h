// Mel projection and power_to_db CUDA kernels: the same functions as kernels/cpu/mel.h.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/cpu/mel.h"  // SparseMel (plain pointers; here they point to device memory)

namespace mgr::kernels::cuda {

using SparseMel = ::mgr::kernels::cpu::SparseMel;

// Largest n_fft / 2 + 1 whose power spectrum fits in the kernel's shared memory (48 KiB).
constexpr int kMaxMelBins = 12288;

// Fused power + mel: spec holds clips * num_frames rows of fb.bins interleaved complex values
// (the cuFFT output); mel [clips, n_mels, num_frames] = W |spec|^power, per frame.
void mel_from_spectrum(float* mel, const float* spec, int64_t clips, int num_frames, float power,
                       const SparseMel& fb, cudaStream_t stream);

// The same projection from a power spectrum [clips * num_frames, fb.bins] (the unfused stage,
// for testing the projection alone against kernels::cpu::mel_project).
void mel_from_power(float* mel, const float* power, int64_t clips, int num_frames,
                    const SparseMel& fb, cudaStream_t stream);

// In place on [clips, per_clip], same contract as kernels::cpu::power_to_db. clip_max is
// scratch of `clips` floats on the device.
void power_to_db(float* x, int64_t clips, int64_t per_clip, float amin, float top_db, bool ref_max,
                 float* clip_max, cudaStream_t stream);

}  // namespace mgr::kernels::cuda
