// Log-mel spectrogram, librosa-compatible: frame + window (+ centre padding), FFT, |X|^power,
// mel projection, power_to_db with a per-clip reference and top_db clamp. One function computed
// twice: CUDA kernels + cuFFT on a CUDA tensor, FFTW + loops on a CPU tensor (the reference).
// docs/features.md gives the parity reached against librosa per stage.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "framework/config/experiment_config.h"
#include "framework/tensor/tensor.h"

namespace mgr::features {

struct LogMelParams {  // librosa >= 0.10 defaults
  int sample_rate = 22050;
  int n_fft = 2048;
  int hop_length = 512;
  int win_length = 0;           // 0: n_fft
  std::string window = "hann";  // hann | hamming (periodic, scipy get_window(fftbins=True))
  bool center = true;
  std::string pad_mode = "constant";  // constant (zeros, librosa >= 0.10) | reflect (torch)
  int n_mels = 128;
  double fmin = 0;
  double fmax = 0;                   // 0: sample_rate / 2
  std::string mel_scale = "slaney";  // slaney | htk
  std::string mel_norm = "slaney";   // slaney (area norm) | none
  double power = 2.0;
  double amin = 1e-10;
  double top_db = 80;       // <= 0: off
  std::string ref = "max";  // max (per clip) | one

  // Throws mgr::Error naming the bad field and its allowed range.
  void validate() const;
  // Frames for a clip of num_samples: 1 + n / hop with centring (even n_fft), otherwise
  // 1 + (n - n_fft) / hop. Throws when the clip is too short for the setting.
  int num_frames(int64_t num_samples) const;
  int bins() const { return n_fft / 2 + 1; }
  int effective_win_length() const { return win_length > 0 ? win_length : n_fft; }
  double effective_fmax() const { return fmax > 0 ? fmax : sample_rate / 2.0; }
};

LogMelParams log_mel_params_from(const mgr::config::FeatureConfig& f, int sample_rate);

// The analysis window [n_fft]: periodic Hann or Hamming of win_length, zero-padded to n_fft
// and centred (librosa's pad_center), computed in double and rounded to float.
std::vector<float> analysis_window(const LogMelParams& p);

// Mel filterbank [n_mels, n_fft/2+1], identical to librosa.filters.mel (float32) for both
// scales and norms.
std::vector<float> mel_filterbank(const LogMelParams& p);

// audio: f32 [B, N] on CPU or CUDA. Returns f32 [B, n_mels, frames] on the same device.
// power_to_db's ref (max) and top_db clamp are applied PER CLIP (per row b), never per batch.
Tensor log_mel(const Tensor& audio, const LogMelParams& p);

// A reusable extractor that caches plans (FFTW / cuFFT), the window and the mel filterbank per
// device. Copies share the caches. Not for concurrent use from several host threads.
class LogMelExtractor {
 public:
  LogMelExtractor(LogMelParams p, Device d);
  // audio f32 [B, N] on the extractor's device -> log-mel dB [B, n_mels, frames].
  Tensor operator()(const Tensor& audio);
  // The mel power spectrogram before power_to_db, [B, n_mels, frames].
  Tensor mel_spectrogram(const Tensor& audio);
  const LogMelParams& params() const;
  Device device() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// power_to_db in place on a mel power tensor [B, ...] (either device), per clip b.
void power_to_db_(Tensor& mel, const LogMelParams& p);

}  // namespace mgr::features
