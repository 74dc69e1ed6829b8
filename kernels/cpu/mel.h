// Mel projection and power_to_db reference kernels. Pointers + sizes only.
#pragma once

#include <cstdint>

#include "kernels/cpu/stft.h"

namespace mgr::kernels::cpu {

// A mel filterbank [n_mels, bins] stored by its nonzero range per filter: filter m has weights
// weights[offset[m] + j] on bins begin[m] + j for j < length[m]. A Slaney/HTK triangle covers
// a few bins, so this touches ~2 * bins weights per frame instead of n_mels * bins.
struct SparseMel {
  int n_mels = 0;
  int bins = 0;
  const int* begin = nullptr;
  const int* length = nullptr;
  const int* offset = nullptr;
  const float* weights = nullptr;
};

// mel[m * num_frames + t0 + c] = sum_k W[m, k] * power[c * bins + k] for c < count, i.e. writes
// frames [t0, t0 + count) of one clip's [n_mels, num_frames] mel spectrogram.
void mel_project(float* mel, int64_t num_frames, int64_t t0, int count, const float* power,
                 const SparseMel& fb);

// In place on [clips, per_clip]: x = 10 log10(max(amin, x)) - 10 log10(max(amin, ref)) with
// ref = the clip's max (ref_max) or 1, then x = max(x, clip max - top_db) when top_db > 0.
// amin must be a normal float (>= 1e-30; LogMelParams::validate checks it).
// Every clip (row) is referenced and clamped on its own, never across the batch.
void power_to_db(float* x, int64_t clips, int64_t per_clip, float amin, float top_db, bool ref_max);

// The fused CPU pipeline, frame chunk by chunk so each chunk stays in cache: frame + window,
// FFT, |X|^power, mel projection. audio [batch, num_samples] -> mel [batch, n_mels, num_frames]
// (power, before dB). Parallel over (clip, chunk) with OpenMP.
void mel_spectrogram(float* mel, const float* audio, int64_t batch, int64_t num_samples,
                     int num_frames, int hop, const float* window, bool center, bool reflect,
                     float power, const RealFft& fft, const SparseMel& fb);

}  // namespace mgr::kernels::cpu
