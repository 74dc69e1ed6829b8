// Pitch histogram reference kernels (Tzanetakis & Cook 2002 after Tolonen & Karjalainen 2000;
// docs/features.md, "Pitch histogram"). Pointers + sizes only; the arithmetic is
// kernels/shared/pitch_histogram.h, which the CUDA twin (kernels/cuda/pitch_histogram.h) calls
// too.
#pragma once

#include <cstdint>

#include "kernels/cpu/stft.h"
#include "kernels/shared/pitch_histogram.h"

namespace mgr::kernels::cpu {

// out[b] = max(0, highpass(audio[b])) for each of `clips` clips of n samples.
void pitch_highband(float* out, const float* audio, int64_t clips, int64_t n, pitch::Biquad q);

// The per-frame SACF peaks from the two bands' power spectrograms p_low, p_high
// [clips, bins, frames] (bins = n_fft / 2 + 1): per frame the summary spectrum
// pitch::sacf_bin(p_low, p_high, weight[f], half_k) evenly extended to n_fft samples,
// transformed by `fft` (length n_fft), then pitch::frame_peaks. notes, heights:
// [clips, frames, kPeaksPerFrame].
void pitch_frame_peaks(int32_t* notes, float* heights, const float* p_low, const float* p_high,
                       int64_t clips, int frames, const float* weight, float half_k,
                       pitch::Lags lags, bool enhance, double sample_rate, const RealFft& fft);

// out [clips, full ? kFull : kSummary] from the peaks (pitch::clip_histogram, clip_features).
void pitch_clip_features(float* out, const int32_t* notes, const float* heights, int64_t clips,
                         int frames, bool full);

}  // namespace mgr::kernels::cpu
