// The STFT's per-element arithmetic, written once for both devices: the windowed, centre-padded
// sample that goes into the FFT (kernels/cpu/stft.cpp frame_rows, kernels/cuda/stft.cu
// frame_signal_kernel) and |X|^p of one FFT bin (kernels/cpu/stft.cpp power_spectrum, and on the
// GPU power_kernel, spectrum_transpose_kernel and mel_kernel).
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/shared/host_device.h"
#include "kernels/shared/pad_index.h"

namespace mgr::kernels {

// Frames of an n-sample clip (n >= 1), hop `hop`: with `center`, the clip is padded by n_fft / 2
// (rounded down) on each side, as librosa and torch.stft pad; without, frames that do not fit
// whole are dropped (0 when n < n_fft). The one frame count of mgr: the feature stages and the
// config's cross-checks both use it.
MGR_HOST_DEVICE inline int64_t stft_num_frames(int64_t n, int n_fft, int hop, bool center) {
  const int64_t padded = n + (center ? 2 * int64_t(n_fft / 2) : 0);
  return padded >= n_fft ? 1 + (padded - n_fft) / hop : 0;
}

// Sample `pos` (any integer; start of the frame plus the offset j in it) of a clip of n samples,
// padded by `pad` and multiplied by the window weight w = window[j].
MGR_HOST_DEVICE inline float framed_sample(const float* clip, int64_t n, int64_t pos, float w,
                                           PadMode pad) {
  const int64_t s = pad_index(pos, n, pad);
  return s < 0 ? 0.f : fmul(clip[s], w);
}

// |re + i im|^p in float. re^2 + im^2 is rounded after each product (no FMA on the device), so
// p = 2 gives the same bits on both devices; p = 1 takes the correctly rounded square root on
// both; other p go through powf, which may differ in the last ulp.
MGR_HOST_DEVICE inline float magnitude_pow(float re, float im, float p) {
  const float sq = fadd(fmul(re, re), fmul(im, im));
  return p == 2.f ? sq : (p == 1.f ? fsqrt(sq) : powf(sq, 0.5f * p));
}

}  // namespace mgr::kernels
