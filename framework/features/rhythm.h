// Rhythm features from a dB mel spectrogram: the onset strength envelope (librosa parity), the
// autocorrelation tempogram (librosa parity), a clip-level beat histogram and a deterministic
// tempo-grid beat tracker (paper 000, section III; definitions in docs/features.md "Rhythm").
// Every function has a CPU twin (the reference) and CUDA kernels; results stay on the input's
// device.
#pragma once

#include <cstdint>

#include "framework/tensor/tensor.h"

namespace mgr::features {

struct OnsetParams {
  int sample_rate = 22050;
  int hop_length = 512;
  int n_mels = 128;  // rows expected in the dB mel input
  int lag = 1;       // frames between the compared spectra
  int max_size = 1;  // local max filter over bands for the reference (1: off)
  int n_fft = 2048;  // only for the centring shift n_fft / (2 hop) (librosa's default 2048)
  bool center = true;
  void validate() const;
  // Frames the output is delayed by: lag + (center ? n_fft / (2 hop) : 0).
  int shift() const { return lag + (center ? n_fft / (2 * hop_length) : 0); }
};

// librosa.onset.onset_strength(S=mel_db, lag, max_size, n_fft, hop_length, center,
// aggregate=np.mean): [B, n_mels, T] -> [B, T].
Tensor onset_strength(const Tensor& mel_db, const OnsetParams& p);

// librosa.feature.tempogram(onset_envelope, win_length, center=True, window='hann', norm=inf):
// [B, T] -> [B, win_length, T].
Tensor tempogram(const Tensor& onset_env, int win_length = 384);

// Clip-level beat histogram: the mean-removed, biased autocorrelation of the whole envelope,
// smoothed over lags (Gaussian, sigma 1 frame), read at lag 60 sr / (hop bpm) for n_bins BPM values
// evenly spaced over [bpm_min, bpm_max], negatives set to 0, divided by the clip's maximum.
// [B, T] -> [B, n_bins].
Tensor beat_histogram(const Tensor& onset_env, int hop_length, int sample_rate, int n_bins = 161,
                      double bpm_min = 40, double bpm_max = 200);

// Tempo grid [B, 2] = (beat period, first beat) in frames: the period is the lag in
// [60 sr / (hop bpm_max), 60 sr / (hop bpm_min)] (steps of 1/16 frame) maximising the histogram's
// smoothed autocorrelation; the phase (steps of 1/4 frame, < period) maximises the mean onset
// strength at the beats round(phase + m period). Computed on the device for CUDA input.
Tensor beat_grid(const Tensor& onset_env, int hop_length = 512, int sample_rate = 22050,
                 double bpm_min = 40, double bpm_max = 200);

// Beat frames i32 [B, M] from beat_grid: beat m at round(phase + m period) while < T, then -1;
// M = the most beats the shortest allowed period can fit in T frames.
Tensor beat_frames(const Tensor& onset_env, int hop_length = 512, int sample_rate = 22050,
                   double bpm_min = 40, double bpm_max = 200);

}  // namespace mgr::features
