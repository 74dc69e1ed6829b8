// Pitch content features (paper 000, section III; Tzanetakis & Cook 2002, section IV-C): a
// simplified Tolonen & Karjalainen (2000) multipitch analysis per frame, its three dominant
// periodicities per frame accumulated into unfolded (MIDI note) and folded (circle of fifths)
// pitch histograms, and the clip vector [FA0, UP0, FP0, IPO1, SU0] (+ both normalised
// histograms with output "full"). docs/features.md ("Pitch histogram") defines every step.
//
// Per frame (the STFT framing of features.n_fft, hop_length, window, center, pad_mode):
//  1. bands: low = the audio; high = max(0, 2nd-order Butterworth high-pass at 1 kHz of the
//     audio) (bilinear transform, applied in time, zero initial state): T&K's half-wave
//     rectified envelope of the band above 1 kHz.
//  2. power spectra P_low, P_high of the band's frame; both bands' low-pass at 1 kHz is the
//     zero-phase weight |H(f)|^2 = 1 / (1 + (f / 1 kHz)^4) (2nd-order Butterworth magnitude),
//     applied in the frequency domain: an autocorrelation only sees the power spectrum.
//  3. generalised autocorrelation (T&K's |X|^k, k = features.pitch_compression, 0.67; 2 is the
//     plain autocorrelation): SACF = IDFT(|H|^k (P_low^(k/2) + P_high^(k/2))), the sum of both
//     bands' autocorrelations (linearity), circular over the n_fft-sample frame, divided by its
//     lag-0 value (level independent; a silent frame gives no peaks).
//  4. enhanced (features.pitch_enhance): clip to >= 0, subtract itself stretched by 2, clip.
//  5. the 3 largest local maxima with lags in [floor(sr / pitch_fmax), ceil(sr / pitch_fmin)],
//     period refined by a parabola through the peak and its neighbours, note
//     n = round(12 log2(sr / (period 440)) + 69); the peak's height is added to bin n.
// Per clip: U = the note histogram / frames, F[(7 (n mod 12)) mod 12] += U[n].
#pragma once

#include <memory>
#include <vector>

#include "framework/config/experiment_config.h"
#include "framework/tensor/tensor.h"
#include "kernels/shared/pitch_histogram.h"

namespace mgr::features {

struct PitchParams {
  int sample_rate = 22050;
  int n_fft = 2048;
  double fmin = 40;                         // lowest pitch searched (Hz)
  double fmax = 1000;                       // highest pitch searched (Hz)
  double compression = 0.67;                // k of |X|^k (Tolonen & Karjalainen's generalised ACF)
  bool enhance = true;                      // T&K's enhanced SACF (subtract the 2x-stretched SACF)
  bool full = false;                        // append the normalised folded and unfolded histograms
  static constexpr double kSplitHz = 1000;  // band split, high-pass and low-pass cut-off

  // Throws mgr::Error naming the bad field and its allowed range.
  void validate() const;
  kernels::pitch::Lags lags() const;
  int output_size() const { return full ? kernels::pitch::kFull : kernels::pitch::kSummary; }
  // The high-pass at kSplitHz: scipy.signal.butter(2, kSplitHz, "highpass", fs=sample_rate).
  kernels::pitch::Biquad highpass() const;
  // |H_lp(f)|^k at bin f = 0 .. n_fft / 2, rounded to float.
  std::vector<float> weight() const;
};

// features.n_fft, pitch_fmin, pitch_fmax, pitch_compression, pitch_enhance,
// pitch_histogram_output (validated).
PitchParams pitch_params_from(const config::FeatureConfig& f, int sample_rate);

// Step 1's high band: audio f32 [B, N] -> max(0, highpass(audio)) [B, N] on the same device.
Tensor pitch_highband(const Tensor& audio, const PitchParams& p);

// Steps 2-5 and the clip vector from the two bands' power spectrograms (|STFT|^2, [B, n_fft / 2
// + 1, T], same device) -> [B, output_size()]. Keeps the FFT plans and the weight table; not for
// concurrent use from several host threads.
class PitchHistogram {
 public:
  PitchHistogram(PitchParams p, Device d);
  Tensor operator()(const Tensor& power_low, const Tensor& power_high);
  const PitchParams& params() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace mgr::features
