// LogMelParams: validation (the single place that states each field's allowed range), frame
// count, the analysis window and the config mapping.
#include <cmath>
#include <numbers>

#include "framework/features/log_mel.h"
#include "framework/features/stft.h"

namespace mgr::features {

namespace {

// Largest n_fft: the CUDA mel kernel keeps one frame's power spectrum in shared memory.
constexpr int kMaxNfft = 16384;

bool one_of(const std::string& v, std::initializer_list<const char*> allowed) {
  for (const char* a : allowed)
    if (v == a) return true;
  return false;
}

}  // namespace

void LogMelParams::validate() const {
  MGR_CHECK(sample_rate >= 1000 && sample_rate <= 768000,
            "features: sample_rate = " << sample_rate << " must be in [1000, 768000]");
  MGR_CHECK(n_fft >= 16 && n_fft <= kMaxNfft,
            "features: n_fft = " << n_fft << " must be in [16, " << kMaxNfft << "]");
  MGR_CHECK(hop_length >= 1 && hop_length <= 1 << 20,
            "features: hop_length = " << hop_length << " must be in [1, 1048576]");
  MGR_CHECK(win_length >= 0 && win_length <= n_fft,
            "features: win_length = " << win_length << " must be in [0, n_fft = " << n_fft
                                      << "] (0 means n_fft)");
  MGR_CHECK(one_of(window, {"hann", "hamming"}),
            "features: window = '" << window << "' must be one of hann | hamming");
  MGR_CHECK(one_of(pad_mode, {"constant", "reflect"}),
            "features: pad_mode = '" << pad_mode << "' must be one of constant | reflect");
  MGR_CHECK(n_mels >= 1 && n_mels <= 1024,
            "features: n_mels = " << n_mels << " must be in [1, 1024]");
  const double nyquist = sample_rate / 2.0;
  MGR_CHECK(std::isfinite(fmin) && fmin >= 0 && fmin < nyquist,
            "features: fmin = " << fmin << " must be in [0, sample_rate / 2 = " << nyquist << ")");
  MGR_CHECK(std::isfinite(fmax) && (fmax == 0 || (fmax > fmin && fmax <= nyquist)),
            "features: fmax = " << fmax << " must be 0 (sample_rate / 2) or in (fmin = " << fmin
                                << ", sample_rate / 2 = " << nyquist << "]");
  MGR_CHECK(one_of(mel_scale, {"slaney", "htk"}),
            "features: mel_scale = '" << mel_scale << "' must be one of slaney | htk");
  MGR_CHECK(one_of(mel_norm, {"slaney", "none"}),
            "features: mel_norm = '" << mel_norm << "' must be one of slaney | none");
  MGR_CHECK(std::isfinite(power) && power > 0 && power <= 4,
            "features: power = " << power << " must be in (0, 4] (2: power, 1: magnitude)");
  MGR_CHECK(std::isfinite(amin) && amin >= 1e-30 && amin <= 1,
            "features: amin = " << amin << " must be in [1e-30, 1]");
  MGR_CHECK(std::isfinite(top_db) && top_db <= 1000,
            "features: top_db = " << top_db << " must be <= 1000 (<= 0 disables the clamp)");
  MGR_CHECK(one_of(ref, {"max", "one"}),
            "features: ref = '" << ref << "' must be one of max | one");
}

int LogMelParams::num_frames(int64_t num_samples) const {
  MGR_CHECK(num_samples >= 1, "log_mel: a clip needs at least one sample, got " << num_samples);
  if (center && pad_mode == "reflect")
    MGR_CHECK(num_samples >= 2,
              "log_mel: pad_mode reflect needs >= 2 samples, got " << num_samples);
  const int64_t padded = num_samples + (center ? 2 * int64_t(n_fft / 2) : 0);
  MGR_CHECK(padded >= n_fft, "log_mel: a clip of "
                                 << num_samples << " samples is shorter than n_fft = " << n_fft
                                 << (center ? " after centre padding" : "") << " (center = false)");
  const int64_t frames = 1 + (padded - n_fft) / hop_length;
  MGR_CHECK(frames <= (int64_t(1) << 30), "log_mel: " << frames << " frames is too many");
  return static_cast<int>(frames);
}

LogMelParams log_mel_params_from(const mgr::config::FeatureConfig& f, int sample_rate) {
  LogMelParams p = stft_params_from(f, sample_rate).framing();
  p.n_mels = f.n_mels;
  p.fmin = f.fmin;
  p.fmax = f.fmax;
  p.mel_scale = f.mel_scale;
  p.mel_norm = f.mel_norm;
  p.power = f.power;
  p.amin = f.amin;
  p.top_db = f.top_db;
  p.ref = f.ref;
  p.validate();
  return p;
}

std::vector<float> analysis_window(const LogMelParams& p) {
  const int m = p.effective_win_length();
  // scipy.signal.get_window(name, m, fftbins=True): the symmetric window of m + 1 points
  // without its last point, computed as a0 + a1 cos(x) with x = linspace(-pi, pi, m + 1).
  const double a0 = p.window == "hamming" ? 0.54 : 0.5;
  const double a1 = 1.0 - a0;
  const double step = 2.0 * std::numbers::pi / m;
  std::vector<float> w(static_cast<size_t>(p.n_fft), 0.f);
  const int lpad = (p.n_fft - m) / 2;  // librosa.util.pad_center
  for (int i = 0; i < m; ++i)
    w[size_t(lpad + i)] = static_cast<float>(a0 + a1 * std::cos(i * step - std::numbers::pi));
  return w;
}

}  // namespace mgr::features
