// Tempo / beat CUDA kernels: the same functions as kernels/cpu/beat.h, one block per clip. The
// arithmetic is kernels/shared/tempo_grid.h, the CPU twin's (double, no FMA contraction), so the
// grid and beat frames equal the CPU's exactly; the histogram's weights use the device exp.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/cpu/beat.h"  // TempoRange, LagTable, kLag* constants

namespace mgr::kernels::cuda {

// Autocorrelation lags + histogram bins held in one block's shared memory (doubles).
constexpr int kMaxBeatShared = 5632;  // 44 KiB + ~3 KiB static < 48 KiB

void beat_histogram(float* out, const float* env, int64_t clips, int frames, int hop_length,
                    int sample_rate, int n_bins, double bpm_min, double bpm_max,
                    cudaStream_t stream);

void beat_grid(float* grid, const float* env, int64_t clips, int frames,
               const cpu::TempoRange& range, const cpu::LagTable& g, cudaStream_t stream);

void beat_frames(int32_t* out, const float* grid, int64_t clips, int frames, int max_beats,
                 cudaStream_t stream);

}  // namespace mgr::kernels::cuda
