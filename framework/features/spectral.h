// Spectral descriptors per frame (librosa.feature parity), frame-wise descriptors from audio,
// and clip-level aggregates. Each function runs on its input's device (CUDA kernels for a CUDA
// tensor, the CPU twin otherwise) and returns there, with no host round trip on CUDA. The two
// devices share the per-frame arithmetic and summation order (kernels/shared/framewise_common.h),
// so they agree to float rounding or better. docs/features.md ("Spectral descriptors") gives
// the definitions and the parity reached against librosa 0.11.
#pragma once

#include <string>

#include "framework/tensor/tensor.h"

namespace mgr::features {

// librosa-parity descriptors from a magnitude spectrogram mag f32 [B, bins, T] with
// bins == n_fft / 2 + 1 (librosa uses the magnitude for all four). Bin k is at
// k * sample_rate / n_fft Hz. All-zero frames give what librosa gives: centroid 0,
// bandwidth 0, rolloff 0 Hz, flatness 1. On the CPU a negative magnitude is an error (as in
// librosa); the CUDA path does not scan for one.
Tensor spectral_centroid(const Tensor& mag, int sample_rate, int n_fft);  // [B, 1, T]
Tensor spectral_bandwidth(const Tensor& mag, int sample_rate, int n_fft,
                          double p = 2);  // [B, 1, T]
// The lowest bin frequency where the cumulative magnitude reaches roll_percent of the frame's
// total (librosa: cumsum >= roll_percent * total), roll_percent in (0, 1).
Tensor spectral_rolloff(const Tensor& mag, int sample_rate, int n_fft,
                        double roll_percent = 0.85);  // [B, 1, T]
// exp(mean_k log max(amin, S^power)) / mean_k max(amin, S^power).
Tensor spectral_flatness(const Tensor& mag, double amin = 1e-10, double power = 2.0);  // [B, 1, T]
// flux[t] = sqrt(sum_k max(0, mag[k, t] - mag[k, t - 1])^2), flux[0] = 0 (no normalisation of
// the spectra; librosa has no such feature).
Tensor spectral_flux(const Tensor& mag);  // [B, 1, T]

// From audio f32 [B, N], librosa parity. Frames: 1 + (N + 2 (frame_length / 2) - frame_length)
// / hop when centred, 1 + (N - frame_length) / hop otherwise (N >= frame_length required).
// zcr centres with edge padding (librosa's np.pad(mode="edge")); |x| <= 1e-10 counts as zero.
Tensor zero_crossing_rate(const Tensor& audio, int frame_length = 2048, int hop_length = 512,
                          bool center = true);  // [B, 1, T]
// pad_mode: constant (zeros, librosa's default), edge, reflect, symmetric (numpy.pad modes).
Tensor rms(const Tensor& audio, int frame_length = 2048, int hop_length = 512, bool center = true,
           std::string pad_mode = "constant");  // [B, 1, T]

// Clip level: per-row mean and population variance over frames, [B, D, T] -> [B, 2 D]
// (the D means, then the D variances), computed in double (two passes).
Tensor mean_var_over_time(const Tensor& x);
// Paper 000 (section III): the fraction of frames whose RMS is strictly below a reference mean
// RMS: the mean of the clip's first `reference_frames` frames (the paper's "first n windows",
// n = 100), or of the whole clip when reference_frames is 0 or at least T (Tzanetakis & Cook's
// texture window). [B, 1, T] -> [B, 1].
Tensor low_energy_fraction(const Tensor& rms, int64_t reference_frames = 0);

}  // namespace mgr::features
