// Chroma CUDA kernels: the same functions as kernels/cpu/chroma.h.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstdint>

namespace mgr::kernels::cuda {

// out [clips, n_chroma, frames] = fb [n_chroma, bins] x power [clips, bins, frames]: one
// cublasSgemmStridedBatched call (filterbank stride 0). `handle` must be bound to the stream the
// caller uses (mgr::cuda::cublas(dev) is) with CUBLAS_DEFAULT_MATH (no TF32).
void chroma_project(cublasHandle_t handle, float* out, const float* power, const float* fb,
                    int64_t clips, int n_chroma, int bins, int frames);

// The same with a filterbank per clip: clip b uses table + tuning_bins[b] * n_chroma * bins
// (table [100, n_chroma, bins], tuning_bins on the device, each in [0, 100); a bin outside is
// clamped). A small kernel writes the pointer arrays of one cublasSgemmBatched call into
// `pointers` (device scratch of 3 * clips pointers, 8-byte aligned) on `stream`, the stream the
// handle is bound to.
void chroma_project_tuned(cublasHandle_t handle, float* out, const float* power, const float* table,
                          const int32_t* tuning_bins, int64_t clips, int n_chroma, int bins,
                          int frames, void* pointers, cudaStream_t stream);

// Per-frame normalisation along rows, in place (kernels::cpu::normalize_columns).
void normalize_columns(float* x, int64_t clips, int rows, int frames, double norm,
                       cudaStream_t stream);

// Beat-synchronous means from a device tempo grid [clips, 2] (kernels::cpu::beat_sync_mean).
void beat_sync_mean(float* out, const float* x, const float* grid, int64_t clips, int rows,
                    int frames, int n_beats, cudaStream_t stream);

// librosa.util.sync means from device beat frames [clips, max_beats]
// (kernels::cpu::beat_sync_frames_mean): one thread per (clip, output segment).
void beat_sync_frames_mean(float* out, const float* x, const int32_t* beats, int64_t clips,
                           int rows, int frames, int max_beats, int n_beats, cudaStream_t stream);

}  // namespace mgr::kernels::cuda
