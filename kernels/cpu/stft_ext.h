// STFT spectrogram reference kernel: frames -> FFT -> |X|^p, written bins-major ([B, bins, T],
// the feature layout). Extends kernels/cpu/stft.h; pointers + sizes only.
#pragma once

#include <cstdint>

#include "kernels/cpu/stft.h"

namespace mgr::kernels::cpu {

// out [batch, bins, num_frames] = |FFT(frame_t(audio_b) * window)|^power, bins = fft.bins().
// Chunked by 32 frames per (clip, chunk) work item so each chunk stays in cache; OpenMP over
// items. Framing follows frame_rows (centre padding with zeros or reflection).
void stft_spectrogram(float* out, const float* audio, int64_t batch, int64_t num_samples,
                      int num_frames, int hop, const float* window, bool center, bool reflect,
                      float power, const RealFft& fft);

}  // namespace mgr::kernels::cpu
