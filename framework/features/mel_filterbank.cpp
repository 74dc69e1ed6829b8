// librosa.filters.mel, replicated operation by operation (float64 maths, float32 weights, the
// Slaney normalisation applied to the float32 weights in float64 as numpy does in place), so
// the result matches librosa to the last bit in most entries.
#include <algorithm>
#include <cmath>

#include "framework/features/log_mel.h"

namespace mgr::features {

namespace {

constexpr double kFsp = 200.0 / 3;  // Slaney: linear below 1 kHz, 3 mels per 200 Hz
constexpr double kMinLogHz = 1000.0;
constexpr double kMinLogMel = kMinLogHz / kFsp;

double logstep() { return std::log(6.4) / 27.0; }

double hz_to_mel(double f, bool htk) {
  if (htk) return 2595.0 * std::log10(1.0 + f / 700.0);
  if (f >= kMinLogHz) return kMinLogMel + std::log(f / kMinLogHz) / logstep();
  return (f - 0.0) / kFsp;
}

double mel_to_hz(double m, bool htk) {
  if (htk) return 700.0 * (std::pow(10.0, m / 2595.0) - 1.0);
  if (m >= kMinLogMel) return kMinLogHz * std::exp(logstep() * (m - kMinLogMel));
  return 0.0 + kFsp * m;
}

}  // namespace

std::vector<float> mel_filterbank(const LogMelParams& p) {
  p.validate();
  const bool htk = p.mel_scale == "htk";
  const int n_mels = p.n_mels;
  const int bins = p.bins();

  // np.fft.rfftfreq(n_fft, d = 1 / sr)
  const double val = 1.0 / (p.n_fft * (1.0 / p.sample_rate));
  std::vector<double> fftfreqs(static_cast<size_t>(bins));
  for (int k = 0; k < bins; ++k) fftfreqs[size_t(k)] = k * val;

  // mel_frequencies(n_mels + 2, fmin, fmax): np.linspace in mel, then back to Hz
  const int n = n_mels + 2;
  const double min_mel = hz_to_mel(p.fmin, htk);
  const double max_mel = hz_to_mel(p.effective_fmax(), htk);
  const double step = (max_mel - min_mel) / (n - 1);
  std::vector<double> mel_f(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const double m = i == n - 1 ? max_mel : i * step + min_mel;
    mel_f[size_t(i)] = mel_to_hz(m, htk);
  }

  std::vector<float> w(size_t(n_mels) * bins);
  for (int i = 0; i < n_mels; ++i) {
    const double fdiff_lo = mel_f[size_t(i) + 1] - mel_f[size_t(i)];
    const double fdiff_hi = mel_f[size_t(i) + 2] - mel_f[size_t(i) + 1];
    const double enorm = 2.0 / (mel_f[size_t(i) + 2] - mel_f[size_t(i)]);
    for (int k = 0; k < bins; ++k) {
      const double lower = -(mel_f[size_t(i)] - fftfreqs[size_t(k)]) / fdiff_lo;
      const double upper = (mel_f[size_t(i) + 2] - fftfreqs[size_t(k)]) / fdiff_hi;
      float v = static_cast<float>(std::max(0.0, std::min(lower, upper)));
      if (p.mel_norm == "slaney") v = static_cast<float>(double(v) * enorm);
      w[size_t(i) * bins + k] = v;
    }
  }
  return w;
}

}  // namespace mgr::features
