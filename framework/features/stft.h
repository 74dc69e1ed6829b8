// STFT spectrograms, librosa-compatible: |stft(y, n_fft, hop_length, win_length, window, center,
// pad_mode)| as magnitude, power, or power_to_db with a per-clip reference and top_db floor.
// Reuses the log-mel stage's framing and FFT kernels (kernels/{cpu,cuda}/stft.*); the CPU twin
// (FFTW) is the reference, the CUDA path (cuFFT) computes the same function on the GPU.
// docs/features.md ("STFT, octave compression, MFCC and deltas") gives the parity reached.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "framework/features/log_mel.h"
#include "framework/keys/framing_keys.h"
#include "framework/tensor/tensor.h"

namespace mgr::features {

struct StftParams {  // librosa >= 0.10 defaults
  int sample_rate = 22050;
  int n_fft = 2048;
  int hop_length = 512;
  int win_length = 0;           // 0: n_fft
  std::string window = "hann";  // hann | hamming (periodic)
  bool center = true;
  std::string pad_mode = "constant";  // constant (zeros, librosa >= 0.10) | reflect (torch)

  // Throws mgr::Error naming the bad field and its allowed range.
  void validate() const;
  int bins() const { return n_fft / 2 + 1; }
  // 1 + (N + 2 (n_fft / 2) - n_fft) / hop with centring, 1 + (N - n_fft) / hop without. Throws
  // when the clip is too short for the setting.
  int num_frames(int64_t n) const;
  int effective_win_length() const { return win_length > 0 ? win_length : n_fft; }
  // The same framing fields as a LogMelParams (for analysis_window and num_frames).
  LogMelParams framing() const;
  // The STFT that a log-mel stage of `m` computes before its mel projection.
  static StftParams of_framing(const LogMelParams& m);
};

// The STFT of a config's framing keys (features.n_fft, hop_length, win_length, window, center,
// pad_mode) at `sample_rate`, validated: the one place framing keys become STFT parameters.
StftParams stft_params_from(const FramingKeys& f, int sample_rate);

enum class StftOutput {
  Magnitude,  // |X|
  Power,      // |X|^2
  // 10 log10(max(amin, power)) - 10 log10(max(amin, ref)), ref = the clip's max power (ref_max)
  // or 1, then floored at (clip max in dB - top_db) when top_db > 0: librosa.power_to_db per clip.
  LogPower
};

// Caches the window and the FFT plans (FFTW / cuFFT) per device. Copies share the caches. Not
// for concurrent use from several host threads.
class StftExtractor {
 public:
  StftExtractor(StftParams p, Device d);
  // audio f32 [B, N] on the extractor's device -> f32 [B, n_fft / 2 + 1, frames] on that device.
  // amin in [1e-30, 1]; top_db <= 0 disables the floor. ref/top_db are taken per clip.
  Tensor operator()(const Tensor& audio, StftOutput out = StftOutput::Power, double amin = 1e-10,
                    double top_db = 80, bool ref_max = true);
  const StftParams& params() const;
  Device device() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace mgr::features
