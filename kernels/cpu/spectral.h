// Spectral descriptors per frame from a magnitude spectrogram mag [clips, bins, frames]
// (row-major, frames contiguous), written to out [clips, frames]. Every frame is reduced over
// its bins sequentially in double (bin 0 first), the order the CUDA kernels use too.
// Bin k has frequency k * bin_hz (bin_hz = 1 / (n_fft * (1 / sr)), numpy's rfftfreq).
#pragma once

#include <cstdint>

#include "kernels/shared/spectral_frame.h"  // kTinyF32

namespace mgr::kernels::cpu {

// Frequency of bin 1 as numpy.fft.rfftfreq computes it.
inline double rfft_bin_hz(int n_fft, double sample_rate) {
  return 1.0 / (double(n_fft) * (1.0 / sample_rate));
}

void spectral_centroid(float* out, const float* mag, int64_t clips, int bins, int64_t frames,
                       double bin_hz);
void spectral_bandwidth(float* out, const float* mag, int64_t clips, int bins, int64_t frames,
                        double bin_hz, double p);
void spectral_rolloff(float* out, const float* mag, int64_t clips, int bins, int64_t frames,
                      double bin_hz, double roll_percent);
void spectral_flatness(float* out, const float* mag, int64_t clips, int bins, int64_t frames,
                       double amin, double power);
// sqrt(sum_k max(0, mag[k, t] - mag[k, t-1])^2); 0 for t = 0.
void spectral_flux(float* out, const float* mag, int64_t clips, int bins, int64_t frames);

// Index of the first negative entry, or -1 (librosa rejects negative magnitudes).
int64_t first_negative(const float* x, int64_t n);

}  // namespace mgr::kernels::cpu
