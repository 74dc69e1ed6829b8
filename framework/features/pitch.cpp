// The pitch histogram: parameter checks, the host tables (filter coefficients, low-pass weight)
// and the device dispatch to kernels/cpu/pitch_histogram (FFTW) or kernels/cuda/pitch_histogram
// (cuFFT). A CUDA tensor never falls back to the CPU.
#include "framework/features/pitch.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>

#include "framework/features/fft_pass.h"
#include "kernels/cpu/pitch_histogram.h"
#include "kernels/cpu/stft.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/pitch_histogram.h"
#include "kernels/cuda/stft.h"
#endif

namespace mgr::features {

namespace pitch = kernels::pitch;

void PitchParams::validate() const {
  MGR_CHECK(sample_rate > 2 * kSplitHz && sample_rate <= 768000,
            "pitch histogram: sample_rate = " << sample_rate << " must be in (" << 2 * kSplitHz
                                              << ", 768000] (the bands split at " << kSplitHz
                                              << " Hz)");
  MGR_CHECK(n_fft >= 16 && n_fft <= 65536,
            "pitch histogram: n_fft = " << n_fft << " must be in [16, 65536]");
  MGR_CHECK(std::isfinite(fmax) && fmax > 0 && fmax <= sample_rate / 2.0,
            "pitch histogram: pitch_fmax = " << fmax << " must be in (0, sample_rate / 2 = "
                                             << sample_rate / 2.0 << "]");
  MGR_CHECK(
      std::isfinite(fmin) && fmin > 0 && fmin < fmax,
      "pitch histogram: pitch_fmin = " << fmin << " must be in (0, pitch_fmax = " << fmax << ")");
  MGR_CHECK(std::isfinite(compression) && compression > 0 && compression <= 2,
            "pitch histogram: pitch_compression = " << compression << " must be in (0, 2]");
  const pitch::Lags l = lags();
  MGR_CHECK(l.lag_max + 1 <= n_fft / 2, "pitch histogram: pitch_fmin = "
                                            << fmin << " Hz is a lag of " << l.lag_max
                                            << " samples; with n_fft = " << n_fft << " lags up to "
                                            << n_fft / 2 - 1 << " fit (raise pitch_fmin or n_fft)");
}

pitch::Lags PitchParams::lags() const {
  return {static_cast<int>(std::floor(sample_rate / fmax)),
          static_cast<int>(std::ceil(sample_rate / fmin))};
}

pitch::Biquad PitchParams::highpass() const {
  // Bilinear transform with pre-warping of the analogue Butterworth s^2 / (s^2 + sqrt2 s + 1).
  const double k = std::tan(std::numbers::pi * kSplitHz / sample_rate);
  const double norm = 1 / (1 + std::numbers::sqrt2 * k + k * k);
  return {norm, -2 * norm, norm, 2 * (k * k - 1) * norm,
          (1 - std::numbers::sqrt2 * k + k * k) * norm};
}

std::vector<float> PitchParams::weight() const {
  std::vector<float> w(static_cast<size_t>(n_fft / 2 + 1));
  for (size_t f = 0; f < w.size(); ++f) {
    const double ratio = double(f) * sample_rate / n_fft / kSplitHz;
    w[f] = static_cast<float>(std::pow(1 + ratio * ratio * ratio * ratio, -compression / 2));
  }
  return w;
}

PitchParams pitch_params_from(const config::FeatureConfig& f, int sample_rate) {
  PitchParams p;
  p.sample_rate = sample_rate;
  p.n_fft = f.n_fft;
  p.fmin = f.pitch_fmin;
  p.fmax = f.pitch_fmax;
  p.compression = f.pitch_compression;
  p.enhance = f.pitch_enhance;
  MGR_CHECK(f.pitch_histogram_output == "summary" || f.pitch_histogram_output == "full",
            "features.pitch_histogram_output = " << f.pitch_histogram_output
                                                 << " must be summary or full");
  p.full = f.pitch_histogram_output == "full";
  p.validate();
  return p;
}

Tensor pitch_highband(const Tensor& audio, const PitchParams& p) {
  MGR_CHECK(audio.defined() && audio.dtype() == DType::F32 && audio.ndim() == 2,
            "pitch_highband: audio must be f32 [B, N], got "
                << (audio.defined() ? audio.str() : "undefined"));
  p.validate();
  const Tensor& x = audio;
  Tensor out = Tensor::empty(x.shape(), DType::F32, x.device());
  if (x.is_cuda()) {
#if MGR_WITH_CUDA
    cuda::DeviceGuard g(x.device().index);
    kernels::cuda::pitch_highband(out.f32(), x.f32(), x.dim(0), x.dim(1), p.highpass(),
                                  cuda::stream(x.device().index));
#else
    MGR_FAIL("pitch_highband: CUDA tensor but mgr was built without CUDA");
#endif
  } else {
    kernels::cpu::pitch_highband(out.f32(), x.f32(), x.dim(0), x.dim(1), p.highpass());
  }
  return out;
}

struct PitchHistogram::Impl {
  PitchParams p;
  Device device;
  std::vector<float> weight;
  std::unique_ptr<kernels::cpu::RealFft> fft;  // CPU only
#if MGR_WITH_CUDA
  Tensor d_weight;                                                    // [bins] on the device
  std::map<int64_t, std::unique_ptr<kernels::cuda::CufftR2C>> plans;  // by transform count

  kernels::cuda::CufftR2C& plan_for(int64_t count) {
    auto it = plans.find(count);
    if (it != plans.end()) return *it->second;
    if (plans.size() >= 4) plans.clear();  // shapes changed: keep memory bounded
    auto plan = std::make_unique<kernels::cuda::CufftR2C>(p.n_fft, static_cast<int>(count));
    return *plans.emplace(count, std::move(plan)).first->second;
  }
#endif
};

PitchHistogram::PitchHistogram(PitchParams p, Device d) : impl_(std::make_shared<Impl>()) {
  p.validate();
  Impl& s = *impl_;
  s.p = p;
  s.device = d;
  s.weight = p.weight();
  if (d.is_cuda()) {
#if MGR_WITH_CUDA
    MGR_CHECK(d.index < cuda_device_count(),
              "PitchHistogram: " << d.str() << " is not a usable CUDA device");
    cuda::DeviceGuard g(d.index);
    s.d_weight = Tensor::from_vector(s.weight, {int64_t(s.weight.size())}, d);
#else
    MGR_FAIL("PitchHistogram: " << d.str() << " requested but mgr was built without CUDA");
#endif
  } else {
    s.fft = std::make_unique<kernels::cpu::RealFft>(p.n_fft);
  }
}

const PitchParams& PitchHistogram::params() const { return impl_->p; }

Tensor PitchHistogram::operator()(const Tensor& power_low, const Tensor& power_high) {
  Impl& s = *impl_;
  const PitchParams& p = s.p;
  const int bins = p.n_fft / 2 + 1;
  for (const Tensor* t : {&power_low, &power_high})
    MGR_CHECK(t->defined() && t->dtype() == DType::F32 && t->ndim() == 3 && t->dim(1) == bins &&
                  t->device() == s.device,
              "pitch histogram: power spectrograms must be f32 [B, "
                  << bins << ", T] on " << s.device.str() << ", got "
                  << (t->defined() ? t->str() : "none"));
  MGR_CHECK(power_low.shape() == power_high.shape(),
            "pitch histogram: band spectrograms differ: " << power_low.str() << " vs "
                                                          << power_high.str());
  const Tensor &lo = power_low, &hi = power_high;
  const int64_t batch = lo.dim(0);
  const int frames = static_cast<int>(lo.dim(2));
  MGR_CHECK(frames >= 1, "pitch histogram: no frames in " << lo.str());
  Tensor out = Tensor::empty({batch, p.output_size()}, DType::F32, s.device);
  if (batch == 0) return out;
  const int64_t peaks = batch * frames * int64_t(pitch::kPeaksPerFrame);
  Tensor notes = Tensor::empty({peaks}, DType::I32, s.device);
  Tensor heights = Tensor::empty({peaks}, DType::F32, s.device);
  const float half_k = static_cast<float>(p.compression / 2);
  if (s.device.is_cuda()) {
#if MGR_WITH_CUDA
    const int dev = s.device.index;
    cuda::DeviceGuard g(dev);
    cudaStream_t st = cuda::stream(dev);
    // Passes of whole clips sized like the STFT's (fft_pass.h), at most 65535 clips (grid z).
    const int64_t clips_per_pass =
        std::clamp<int64_t>(cuda_pass_frames(p.n_fft) / frames, 1, std::min<int64_t>(batch, 65535));
    const int64_t rows = clips_per_pass * frames;
    Tensor row_buf = Tensor::empty({rows, p.n_fft}, DType::F32, s.device);
    Tensor spec_buf = Tensor::empty({rows, 2 * int64_t(bins)}, DType::F32, s.device);
    const int64_t per_clip = int64_t(bins) * frames;
    for (int64_t b0 = 0; b0 < batch; b0 += clips_per_pass) {
      const int64_t nb = std::min(clips_per_pass, batch - b0);
      kernels::cuda::pitch_sacf_rows(row_buf.f32(), lo.f32() + b0 * per_clip,
                                     hi.f32() + b0 * per_clip, nb, bins, frames, p.n_fft,
                                     s.d_weight.f32(), half_k, st);
      kernels::cuda::CufftR2C& plan = s.plan_for(nb * frames);
      plan.forward(row_buf.f32(), spec_buf.f32(), cuda::workspace(dev, plan.workspace_bytes()), st);
      const int64_t at = b0 * frames * pitch::kPeaksPerFrame;
      kernels::cuda::pitch_frame_peaks(notes.i32() + at, heights.f32() + at, spec_buf.f32(),
                                       nb * frames, p.n_fft, p.lags(), p.enhance, p.sample_rate,
                                       st);
    }
    // Per-clip histograms in doubles (the tensor type has none: two floats per double).
    Tensor hist = Tensor::empty({batch * pitch::kNotes * 2}, DType::F32, s.device);
    kernels::cuda::pitch_clip_features(out.f32(), static_cast<double*>(hist.raw()), notes.i32(),
                                       heights.f32(), batch, frames, p.full, st);
#endif
  } else {
    kernels::cpu::pitch_frame_peaks(notes.i32(), heights.f32(), lo.f32(), hi.f32(), batch, frames,
                                    s.weight.data(), half_k, p.lags(), p.enhance, p.sample_rate,
                                    *s.fft);
    kernels::cpu::pitch_clip_features(out.f32(), notes.i32(), heights.f32(), batch, frames, p.full);
  }
  return out;
}

}  // namespace mgr::features
