// Pitch histogram CUDA kernels: the same functions as kernels/cpu/pitch_histogram.h, split where
// the CPU twin runs its FFT (the caller runs cuFFT between pitch_sacf_rows and
// pitch_frame_peaks). The arithmetic is kernels/shared/pitch_histogram.h.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/shared/pitch_histogram.h"

namespace mgr::kernels::cuda {

// out[b] = max(0, highpass(audio[b])): one thread per clip.
void pitch_highband(float* out, const float* audio, int64_t clips, int64_t n, pitch::Biquad q,
                    cudaStream_t stream);

// rows [clips * frames, n_fft]: each frame's summary spectrum (pitch::sacf_bin of p_low, p_high
// [clips, bins, frames]) evenly extended, the input of a batched R2C transform of length n_fft.
// clips <= 65535. weight: device [bins].
void pitch_sacf_rows(float* rows, const float* p_low, const float* p_high, int64_t clips, int bins,
                     int frames, int n_fft, const float* weight, float half_k, cudaStream_t stream);

// pitch::frame_peaks of each of `rows` transformed rows (spectrum [rows, n_fft / 2 + 1]
// interleaved complex); notes, heights [rows, kPeaksPerFrame].
void pitch_frame_peaks(int32_t* notes, float* heights, const float* spectrum, int64_t rows,
                       int n_fft, pitch::Lags lags, bool enhance, double sample_rate,
                       cudaStream_t stream);

// out [clips, full ? kFull : kSummary]; hist: device scratch of clips * kNotes doubles.
void pitch_clip_features(float* out, double* hist, const int32_t* notes, const float* heights,
                         int64_t clips, int frames, bool full, cudaStream_t stream);

}  // namespace mgr::kernels::cuda
