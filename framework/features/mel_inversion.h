// Audio from mel spectrograms: librosa.feature.inverse.mel_to_audio on either device.
//
//   log-mel dB --db_to_power--> mel power --mel_to_stft--> linear magnitude --griffin_lim--> audio
//
// mel_to_stft: the filterbank's pseudo-inverse (pinv(A) M, an OpenBLAS / cuBLAS product), clipped
// at 0, then refined by non-negative least squares (min ||A X - M||^2, X >= 0, by accelerated
// projected gradient on the sparse filterbank), then X^(1 / power). librosa refines with
// L-BFGS-B, whose stopping rule depends on the spectrogram's scale; a fixed number of steps
// here reaches a smaller residual (docs/features.md, "Audio from mel spectrograms").
// griffin_lim: librosa.griffinlim with momentum (the fast Griffin-Lim of Perraudin et al. 2013):
// istft / stft n_iter times, FFTW r2c / c2r plans on the CPU, cuFFT plans and our kernels on the
// GPU with no host round trip inside the loop. The filterbank, window, centring and padding are
// the log-mel stage's own (LogMelParams), so a spectrogram of `log_mel` inverts with the same
// parameters.
//
// The one-call forms (the DCGAN's `generate`, tools/invert_mel):
//
//   MelInversionParams p;                      // librosa defaults; p.mel = the log-mel stage's
//   p.mel = log_mel_params_from(cfg.features, cfg.data.sample_rate);
//   std::vector<float> wav = mel_to_audio(db, n_mels, frames, p, Device::cpu());
//
// db is one clip's log-mel [n_mels, frames] in dB (row-major, as log_mel returns it); dB 0 is
// p.db_ref in power. The log-mel stage references each clip to its own maximum (ref: max), so
// that scale is lost: db_ref = 1 gives audio whose loudest mel band has power 1. Griffin-Lim and
// the refinement are scale-equivariant: db_ref changes only loudness.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "framework/features/log_mel.h"
#include "framework/tensor/tensor.h"

namespace mgr::features {

struct MelInversionParams {
  // The forward stage's parameters: sample_rate, n_fft, hop_length, win_length, window, center,
  // pad_mode, n_mels, fmin, fmax, mel_scale, mel_norm, power (amin, top_db and ref are not used).
  LogMelParams mel;
  double db_ref = 1.0;  // power of 0 dB in the log-mel input: power = db_ref * 10^(dB / 10)
  int nnls_iter = 100;  // refinement steps after the pseudo-inverse (0: pinv clipped at 0)
  int n_iter = 32;      // Griffin-Lim iterations (librosa's default)
  double momentum = 0.99;
  std::string init = "random";  // random | zeros (librosa's init=None: phase 0)
  // init random: the phases are 2 pi numpy.random.RandomState(seed).random(S.shape) for
  // S [clips, bins, frames], exactly librosa's griffinlim(random_state=seed) (one stream over the
  // whole batch, as librosa draws for a stacked batch).
  uint32_t seed = 0;
  int64_t length = 0;  // output samples per clip; 0: n_fft + hop (frames - 1), less 2 (n_fft / 2)
                       // with centring (librosa's length=None)

  // Throws mgr::Error naming the bad field and its allowed range.
  void validate() const;
  // Samples of the output for a spectrogram of `frames` frames; throws when `length` is set and
  // does not give that many frames.
  int64_t output_length(int frames) const;
};

// Called after each Griffin-Lim iteration (on the GPU: after it has been queued).
using InversionProgress = std::function<void(int iteration, int n_iter)>;

// Caches the filterbank, its pseudo-inverse, the window and the FFT plans per device (copies
// share them). Every tensor stays on the inverter's device; a CUDA inverter never falls back to
// the CPU. Not for concurrent use from several host threads.
class MelInverter {
 public:
  MelInverter(MelInversionParams p, Device d);

  // log-mel dB [B, n_mels, T] -> mel power [B, n_mels, T] (librosa.db_to_power with db_ref).
  Tensor power_from_db(const Tensor& log_mel_db) const;
  // mel power [B, n_mels, T] -> linear magnitude [B, n_fft / 2 + 1, T] (librosa's mel_to_stft).
  Tensor mel_to_stft(const Tensor& mel_power);
  // magnitude [B, n_fft / 2 + 1, T] -> audio [B, output_length(T)] (librosa's griffinlim).
  Tensor griffin_lim(const Tensor& magnitude, const InversionProgress& progress = {});
  // mel power -> audio (librosa's mel_to_audio), without the [B, bins, T] round trip.
  Tensor mel_to_audio(const Tensor& mel_power, const InversionProgress& progress = {});
  // log-mel dB -> audio.
  Tensor log_mel_to_audio(const Tensor& log_mel_db, const InversionProgress& progress = {});

  const MelInversionParams& params() const;
  Device device() const;
  // pinv(A)^T [n_mels, n_fft / 2 + 1] (host), and the largest eigenvalue of A A^T (the
  // refinement's Lipschitz constant), for tests.
  const std::vector<float>& pseudo_inverse_t() const;
  double lipschitz() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// One clip: log-mel dB [n_mels, frames] (host, row-major) -> audio (host), computed on `device`.
std::vector<float> mel_to_audio(const float* log_mel_db, int n_mels, int frames,
                                const MelInversionParams& p, Device device = Device::cpu(),
                                const InversionProgress& progress = {});
// A batch: log-mel dB [batch, n_mels, frames] -> one audio vector per clip, in one pass.
std::vector<std::vector<float>> mel_to_audio_batch(const float* log_mel_db, int batch, int n_mels,
                                                   int frames, const MelInversionParams& p,
                                                   Device device = Device::cpu(),
                                                   const InversionProgress& progress = {});

// Per clip ||target - estimate||_F / ||target||_F for tensors of one shape [B, ...] (either
// device; summed in double on the host). 0 for an all-zero target and estimate.
std::vector<double> relative_distance(const Tensor& estimate, const Tensor& target);
// Spectral convergence per clip: ||S - |STFT(audio)| ||_F / ||S||_F, with the STFT of `framing`
// (n_fft, hop, window, centring, padding). audio [B, N], magnitude S [B, n_fft / 2 + 1, T] on
// one device; the STFT of N samples must have T frames.
std::vector<double> spectral_convergence(const Tensor& audio, const Tensor& magnitude,
                                         const LogMelParams& framing);

}  // namespace mgr::features
