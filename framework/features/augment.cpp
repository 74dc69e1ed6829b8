#include "framework/features/augment.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "framework/config/augment_types.h"
#include "framework/tensor/index.h"
#include "kernels/cpu/augment.h"
#include "kernels/error.h"
#include "kernels/shared/dropout_hash.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/augment.h"
#endif

namespace mgr::features {

namespace {

void check_f32(const Tensor& x, int ndim, const char* fn) {
  MGR_CHECK(x.defined() && x.dtype() == DType::F32 && (ndim < 0 || x.ndim() == ndim),
            fn << ": f32 tensor"
               << (ndim == 4   ? " [B, C, D, T]"
                   : ndim == 2 ? " [B, S]"
                               : "")
               << " expected, got " << (x.defined() ? x.str() : std::string("undefined")));
}

// Portable draws from the generator (the <random> distributions are implementation-defined):
// the same seed gives the same augmentation with every standard library.
double uniform01(std::mt19937_64& g) { return double(g() >> 11) * (1.0 / 9007199254740992.0); }
double uniform(std::mt19937_64& g, double lo, double hi) { return lo + (hi - lo) * uniform01(g); }
int64_t uniform_int(std::mt19937_64& g, int64_t lo, int64_t hi) {  // inclusive
  return lo + int64_t(g() % uint64_t(hi - lo + 1));
}
bool bernoulli(std::mt19937_64& g, double p) {
  if (p >= 1) return true;
  if (p <= 0) return false;
  return uniform01(g) < p;
}
double normal(std::mt19937_64& g) {
  const double u1 = 1.0 - uniform01(g), u2 = uniform01(g);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}
// Marsaglia and Tsang (2000); shape < 1 by the boost Gamma(a + 1) U^(1 / a).
double gamma(std::mt19937_64& g, double shape) {
  if (shape < 1) return gamma(g, shape + 1) * std::pow(1.0 - uniform01(g), 1.0 / shape);
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = normal(g);
      v = 1.0 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = 1.0 - uniform01(g);
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
  }
}
double beta(std::mt19937_64& g, double a, double b) {
  const double x = gamma(g, a), y = gamma(g, b);
  return x + y > 0 ? x / (x + y) : 0.5;
}

// speed: the resampling kernel's shape (kernels/shared/augment.h).
constexpr int kZeros = 16;         // zero crossings of the sinc on each side
constexpr int kPerZero = 512;      // table entries per zero crossing
constexpr double kRolloff = 0.95;  // cutoff as a fraction of the lower Nyquist frequency

// g(u) = sinc(u) hann(u / zeros) at u = k / per_zero, k = 0 .. zeros per_zero, and a guard 0.
const std::vector<float>& resample_table() {
  static const std::vector<float> table = [] {
    const double pi = 3.14159265358979323846;
    std::vector<float> t(size_t(kZeros) * kPerZero + 2, 0.f);
    for (size_t k = 0; k + 1 < t.size(); ++k) {
      const double u = double(k) / kPerZero;
      const double sinc = k == 0 ? 1.0 : std::sin(pi * u) / (pi * u);
      t[k] = float(sinc * (0.5 + 0.5 * std::cos(pi * u / kZeros)));
    }
    t[size_t(kZeros) * kPerZero] = 0.f;
    return t;
  }();
  return table;
}

float resample_cutoff(float rate) { return float(kRolloff * std::min(1.0, 1.0 / double(rate))); }

// Input samples a read of S output samples at `rate` spans: (S - 1) rate + 1, rounded up.
int64_t read_samples(int64_t S, float rate) {
  return S <= 0 ? 0 : int64_t(std::ceil(double(S - 1) * double(rate))) + 1;
}

#if MGR_WITH_CUDA
// The parameters on the device (one element at least: an empty tensor has no buffer).
template <typename T>
Tensor on_device(std::vector<T> v, Device device) {
  if (v.empty()) v.push_back(T(0));
  return Tensor::from_vector(v, {int64_t(v.size())}, device);
}
#endif

}  // namespace

bool ClipPlacement::resamples() const {
  return std::any_of(rate.begin(), rate.end(), [](float r) { return r != 1.f; });
}

bool is_placement_transform(const std::string& type) { return type == "crop" || type == "speed"; }

bool is_audio_transform(const std::string& type) {
  const config::AugmentType* t = config::find_augment_type(type);
  return t && t->acts_on == "audio";
}

Augmenter::Augmenter(std::vector<config::AugmentSpec> specs, uint64_t seed, int sample_rate)
    : specs_(std::move(specs)),
      // Its own stream, apart from the trainer's shuffle generator (seeded from the same seed).
      rng_(kernels::splitmix64_mix(seed ^ 0x6175676D656E7400ULL)),
      sample_rate_(sample_rate) {
  for (const config::AugmentSpec& s : specs_)
    MGR_CHECK(config::find_augment_type(s.type), "train.augment: unknown type '" << s.type << "'");
}

bool Augmenter::has_audio() const {
  return std::any_of(specs_.begin(), specs_.end(),
                     [](const config::AugmentSpec& s) { return is_audio_transform(s.type); });
}

bool Augmenter::has_placement() const {
  return std::any_of(specs_.begin(), specs_.end(),
                     [](const config::AugmentSpec& s) { return is_placement_transform(s.type); });
}

ClipPlacement Augmenter::place(const std::vector<int64_t>& track_samples,
                               const std::vector<int64_t>& offset, int64_t clip_samples) {
  MGR_CHECK(track_samples.size() == offset.size(), "augment place: " << track_samples.size()
                                                                     << " tracks for "
                                                                     << offset.size() << " clips");
  const size_t B = offset.size();
  ClipPlacement pl;
  pl.offset = offset;
  pl.rate.assign(B, 1.f);
  for (const config::AugmentSpec& s : specs_)
    if (s.type == "speed")
      for (float& r : pl.rate)
        if (bernoulli(rng_, s.p))
          r = float(uniform(rng_, s.number("min_rate"), s.number("max_rate")));
  const bool crop = std::any_of(specs_.begin(), specs_.end(),
                                [](const config::AugmentSpec& s) { return s.type == "crop"; });
  for (size_t b = 0; b < B; ++b) {
    const int64_t room =
        std::max<int64_t>(0, track_samples[b] - read_samples(clip_samples, pl.rate[b]));
    pl.offset[b] = std::min(pl.offset[b], room);
  }
  if (crop)
    for (const config::AugmentSpec& s : specs_) {
      if (s.type != "crop") continue;
      for (size_t b = 0; b < B; ++b)
        if (bernoulli(rng_, s.p)) {
          const int64_t room =
              std::max<int64_t>(0, track_samples[b] - read_samples(clip_samples, pl.rate[b]));
          pl.offset[b] = uniform_int(rng_, 0, room);
        }
    }
  return pl;
}

bool Augmenter::has_features() const {
  return std::any_of(specs_.begin(), specs_.end(),
                     [](const config::AugmentSpec& s) { return !is_audio_transform(s.type); });
}

void Augmenter::audio_(Tensor& audio) {
  check_f32(audio, 2, "augment (audio)");
  const int64_t B = audio.dim(0), S = audio.dim(1);
  for (const config::AugmentSpec& s : specs_) {
    if (!is_audio_transform(s.type) || is_placement_transform(s.type)) continue;
    if (s.type == "gain" || s.type == "polarity") {
      std::vector<float> factor(size_t(B), 1.f);
      for (float& f : factor) {
        if (!bernoulli(rng_, s.p)) continue;
        f = s.type == "polarity"
                ? -1.f
                : float(std::pow(10.0, uniform(rng_, s.number("min_db"), s.number("max_db")) / 20));
      }
      scale_rows_(audio, factor);
    } else if (s.type == "time_shift") {
      const int64_t max =
          std::min<int64_t>(S, std::llround(s.number("max_seconds") * double(sample_rate_)));
      std::vector<int32_t> shift(size_t(B), 0);
      for (int32_t& v : shift)
        if (bernoulli(rng_, s.p)) v = int32_t(uniform_int(rng_, -max, max));
      shift_rows_(audio, shift, s.text("mode") != "zero");
    } else if (s.type == "noise") {
      std::vector<float> snr(size_t(B), std::numeric_limits<float>::quiet_NaN());
      for (float& v : snr)
        if (bernoulli(rng_, s.p))
          v = float(uniform(rng_, s.number("min_snr_db"), s.number("max_snr_db")));
      add_noise_(audio, snr, rng_());
    } else {
      MGR_FAIL("train.augment: no audio transform '" << s.type << "'");
    }
  }
}

Tensor Augmenter::features(Tensor x, MixInfo& mix) {
  mix = MixInfo{};
  for (const config::AugmentSpec& s : specs_) {
    if (is_audio_transform(s.type)) continue;
    if (s.type == "freq_mask" || s.type == "time_mask") {
      const int axis = s.type == "freq_mask" ? 2 : 3;
      MGR_CHECK(x.ndim() == 4, "train.augment "
                                   << s.type << ": needs time-frequency features [B, C, D, T], the "
                                   << "batch is " << x.str()
                                   << " (clip-level vectors have no bands or frames to mask)");
      const int64_t B = x.dim(0), L = x.dim(axis);
      const int count = int(s.number("count"));
      const int64_t widest = std::min<int64_t>(L, int64_t(s.number("max_width")));
      std::vector<int32_t> start(size_t(B * count), 0), width(size_t(B * count), 0);
      for (int64_t b = 0; b < B; ++b) {
        if (!bernoulli(rng_, s.p)) continue;
        for (int k = 0; k < count; ++k) {
          const int64_t w = uniform_int(rng_, 0, widest);
          width[size_t(b * count + k)] = int32_t(w);
          start[size_t(b * count + k)] = int32_t(uniform_int(rng_, 0, L - w));
        }
      }
      mask_(x, axis, start, width, count, float(s.number("fill")));
    } else if (s.type == "mixup") {
      MGR_CHECK(!mix.on, "train.augment: one mixup per list");
      if (!bernoulli(rng_, s.p)) continue;
      const double alpha = s.number("alpha");
      mix.on = true;
      mix.lambda = float(beta(rng_, alpha, alpha));
      const int64_t B = x.dim(0);
      mix.partner.resize(size_t(B));
      for (int64_t b = 0; b < B; ++b) mix.partner[size_t(b)] = int32_t(b);
      for (int64_t i = B - 1; i > 0; --i)
        std::swap(mix.partner[size_t(i)], mix.partner[size_t(uniform_int(rng_, 0, i))]);
      x = mix_rows(x, mix.partner, mix.lambda);
    } else {
      MGR_FAIL("train.augment: no feature transform '" << s.type << "'");
    }
  }
  return x;
}

std::string Augmenter::state() const {
  std::ostringstream out;
  out << rng_;
  return out.str();
}

void Augmenter::restore(const std::string& text) {
  std::istringstream in(text);
  in >> rng_;
  MGR_CHECK(!in.fail(), "train.augment: the saved generator state does not read back");
}

// ---- the transforms with given parameters

void mask_(Tensor& x, int axis, const std::vector<int32_t>& start,
           const std::vector<int32_t>& width, int count, float fill) {
  check_f32(x, 4, "mask_");
  MGR_CHECK(axis == 2 || axis == 3, "mask_: axis 2 (bands) or 3 (frames), got " << axis);
  const int64_t B = x.dim(0), C = x.dim(1), D = x.dim(2), T = x.dim(3);
  MGR_CHECK(count >= 0 && int64_t(start.size()) == B * count && width.size() == start.size(),
            "mask_: " << count << " masks per row of " << B << " rows need " << B * count
                      << " starts and widths, got " << start.size() << " and " << width.size());
  if (count == 0) return;
  if (x.is_cuda()) {
#if MGR_WITH_CUDA
    const Device dev = x.device();
    cuda::DeviceGuard g(dev.index);
    const Tensor s = on_device(start, dev), w = on_device(width, dev);
    kernels::cuda::augment_mask(x.f32(), B, C, D, T, axis, s.i32(), w.i32(), count, fill,
                                cuda::stream(dev.index));
#endif
  } else {
    kernels::cpu::augment_mask(x.f32(), B, C, D, T, axis, start.data(), width.data(), count, fill);
  }
}

int64_t resample_pad(float max_rate) {
  return int64_t(std::ceil(double(kZeros) / double(resample_cutoff(std::max(max_rate, 1.f))))) + 1;
}

int64_t resample_window(int64_t S, float max_rate) {
  return 2 * resample_pad(max_rate) + read_samples(S, std::max(max_rate, 1.f));
}

Tensor resample_rows(const Tensor& windows, int64_t pad, const std::vector<float>& rate,
                     int64_t S) {
  check_f32(windows, 2, "resample_rows");
  const int64_t B = windows.dim(0), W = windows.dim(1);
  MGR_CHECK(int64_t(rate.size()) == B,
            "resample_rows: " << rate.size() << " rates for " << B << " rows");
  MGR_CHECK(S >= 0 && pad >= 0 && pad + S <= W,
            "resample_rows: " << S << " samples from " << pad << " on need more than " << W);
  std::vector<float> cutoff(static_cast<size_t>(B), 1.f);
  for (int64_t b = 0; b < B; ++b) {
    const float r = rate[size_t(b)];
    MGR_CHECK(r > 0 && std::isfinite(r), "resample_rows: rate " << r);
    // The kernel reaches zeros / cutoff samples to each side of the last read position; beyond
    // the window it reads zeros, so a window too short is a caller's error.
    MGR_CHECK(r == 1.f || read_samples(S, r) + pad <= W,
              "resample_rows: row " << b << " at rate " << r << " reads past its window of " << W);
    cutoff[size_t(b)] = resample_cutoff(r);
  }
  Tensor y = Tensor::empty({B, S}, DType::F32, windows.device());
  const std::vector<float>& table = resample_table();
  if (windows.is_cuda()) {
#if MGR_WITH_CUDA
    const Device dev = windows.device();
    cuda::DeviceGuard g(dev.index);
    const Tensor r = on_device(rate, dev), c = on_device(cutoff, dev), t = on_device(table, dev);
    kernels::cuda::augment_resample(y.f32(), windows.f32(), B, W, S, pad, r.f32(), c.f32(), t.f32(),
                                    kZeros, kPerZero, cuda::stream(dev.index));
#endif
  } else {
    kernels::cpu::augment_resample(y.f32(), windows.f32(), B, W, S, pad, rate.data(), cutoff.data(),
                                   table.data(), kZeros, kPerZero);
  }
  return y;
}

Tensor mix_rows(const Tensor& x, const std::vector<int32_t>& partner, float lambda) {
  check_f32(x, -1, "mix_rows");
  MGR_CHECK(x.ndim() >= 1 && int64_t(partner.size()) == x.dim(0),
            "mix_rows: " << partner.size() << " partners for " << x.str());
  const int64_t B = x.dim(0), row = B ? x.numel() / B : 0;
  for (int32_t p : partner)
    MGR_CHECK(p >= 0 && p < B, "mix_rows: partner " << p << " out of range");
  const float mu = 1.f - lambda;
  Tensor y = Tensor::empty_like(x);
  if (x.is_cuda()) {
#if MGR_WITH_CUDA
    const Device dev = x.device();
    cuda::DeviceGuard g(dev.index);
    const Tensor p = on_device(partner, dev);
    kernels::cuda::augment_mix(y.f32(), x.f32(), B, row, p.i32(), lambda, mu,
                               cuda::stream(dev.index));
#endif
  } else {
    kernels::cpu::augment_mix(y.f32(), x.f32(), B, row, partner.data(), lambda, mu);
  }
  return y;
}

void scale_rows_(Tensor& audio, const std::vector<float>& factor) {
  check_f32(audio, 2, "scale_rows_");
  const int64_t B = audio.dim(0), S = audio.dim(1);
  MGR_CHECK(int64_t(factor.size()) == B,
            "scale_rows_: " << factor.size() << " factors for " << B << " rows");
  if (audio.is_cuda()) {
#if MGR_WITH_CUDA
    const Device dev = audio.device();
    cuda::DeviceGuard g(dev.index);
    const Tensor f = on_device(factor, dev);
    kernels::cuda::augment_scale(audio.f32(), B, S, f.f32(), cuda::stream(dev.index));
#endif
  } else {
    kernels::cpu::augment_scale(audio.f32(), B, S, factor.data());
  }
}

void shift_rows_(Tensor& audio, const std::vector<int32_t>& shift, bool circular) {
  check_f32(audio, 2, "shift_rows_");
  const int64_t B = audio.dim(0), S = audio.dim(1);
  MGR_CHECK(int64_t(shift.size()) == B,
            "shift_rows_: " << shift.size() << " shifts for " << B << " rows");
  if (std::all_of(shift.begin(), shift.end(), [](int32_t v) { return v == 0; })) return;
  const Tensor src = audio.clone();
  if (audio.is_cuda()) {
#if MGR_WITH_CUDA
    const Device dev = audio.device();
    cuda::DeviceGuard g(dev.index);
    const Tensor s = on_device(shift, dev);
    kernels::cuda::augment_shift(audio.f32(), src.f32(), B, S, s.i32(), circular,
                                 cuda::stream(dev.index));
#endif
  } else {
    kernels::cpu::augment_shift(audio.f32(), src.f32(), B, S, shift.data(), circular);
  }
}

void add_noise_(Tensor& audio, const std::vector<float>& snr_db, uint64_t key) {
  check_f32(audio, 2, "add_noise_");
  const int64_t B = audio.dim(0), S = audio.dim(1);
  MGR_CHECK(int64_t(snr_db.size()) == B,
            "add_noise_: " << snr_db.size() << " SNRs for " << B << " rows");
  if (std::all_of(snr_db.begin(), snr_db.end(), [](float v) { return std::isnan(v); })) return;
  // The rows' RMS from the same double sums on both devices (row_moments), the noise level on
  // the host.
  std::vector<double> sum, sumsq;
  row_moments(audio, sum, sumsq);
  std::vector<float> sigma(size_t(B), 0.f);
  for (int64_t b = 0; b < B; ++b)
    if (!std::isnan(snr_db[size_t(b)]) && S > 0)
      sigma[size_t(b)] = float(std::sqrt(sumsq[size_t(b)] / double(S)) *
                               std::pow(10.0, -double(snr_db[size_t(b)]) / 20.0));
  if (audio.is_cuda()) {
#if MGR_WITH_CUDA
    const Device dev = audio.device();
    cuda::DeviceGuard g(dev.index);
    const Tensor s = on_device(sigma, dev);
    kernels::cuda::augment_noise(audio.f32(), B, S, s.f32(), key, cuda::stream(dev.index));
#endif
  } else {
    kernels::cpu::augment_noise(audio.f32(), B, S, sigma.data(), key);
  }
}

}  // namespace mgr::features
