// The STFT extractor: window and FFT plans built once, then a dispatch on the audio's device to
// the CPU twin (kernels/cpu, FFTW) or the CUDA kernels (kernels/cuda, cuFFT). A CUDA tensor
// never falls back to the CPU. Log-power reuses the log-mel stage's per-clip power_to_db.
#include "framework/features/stft.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/cpu/mel.h"
#include "kernels/cpu/stft.h"
#include "kernels/cpu/stft_ext.h"
#include "kernels/shared/stft_frame.h"

#if MGR_WITH_CUDA
#include "framework/features/fft_pass.h"
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/mel.h"
#include "kernels/cuda/stft.h"
#include "kernels/cuda/stft_ext.h"
#endif

namespace mgr::features {

namespace {

constexpr int kMaxNfft = 65536;

}  // namespace

void StftParams::validate() const {
  MGR_CHECK(sample_rate >= 1000 && sample_rate <= 768000,
            "stft: sample_rate = " << sample_rate << " must be in [1000, 768000]");
  MGR_CHECK(n_fft >= 16 && n_fft <= kMaxNfft,
            "stft: n_fft = " << n_fft << " must be in [16, " << kMaxNfft << "]");
  MGR_CHECK(hop_length >= 1 && hop_length <= 1 << 20,
            "stft: hop_length = " << hop_length << " must be in [1, 1048576]");
  MGR_CHECK(win_length >= 0 && win_length <= n_fft,
            "stft: win_length = " << win_length << " must be in [0, n_fft = " << n_fft
                                  << "] (0 means n_fft)");
  MGR_CHECK(window == "hann" || window == "hamming",
            "stft: window = '" << window << "' must be one of hann | hamming");
  MGR_CHECK(pad_mode == "constant" || pad_mode == "reflect",
            "stft: pad_mode = '" << pad_mode << "' must be one of constant | reflect");
}

int StftParams::num_frames(int64_t n) const {
  MGR_CHECK(n >= 1, "stft: a clip needs at least one sample, got " << n);
  if (center && pad_mode == "reflect")
    MGR_CHECK(n >= 2, "stft: pad_mode reflect needs >= 2 samples, got " << n);
  const int64_t frames = kernels::stft_num_frames(n, n_fft, hop_length, center);
  MGR_CHECK(frames > 0, "stft: a clip of " << n << " samples is shorter than n_fft = " << n_fft
                                           << (center ? " after centre padding" : ""));
  MGR_CHECK(frames <= (int64_t(1) << 30), "stft: " << frames << " frames is too many");
  return static_cast<int>(frames);
}

StftParams stft_params_from(const FramingKeys& f, int sample_rate) {
  StftParams p;
  p.sample_rate = sample_rate;
  p.n_fft = f.n_fft;
  p.hop_length = f.hop_length;
  p.win_length = f.win_length;
  p.window = f.window;
  p.center = f.center;
  p.pad_mode = f.pad_mode;
  p.validate();
  return p;
}

LogMelParams StftParams::framing() const {
  LogMelParams p;
  p.sample_rate = sample_rate;
  p.n_fft = n_fft;
  p.hop_length = hop_length;
  p.win_length = win_length;
  p.window = window;
  p.center = center;
  p.pad_mode = pad_mode;
  return p;
}

StftParams StftParams::of_framing(const LogMelParams& m) {
  StftParams p;
  p.sample_rate = m.sample_rate;
  p.n_fft = m.n_fft;
  p.hop_length = m.hop_length;
  p.win_length = m.win_length;
  p.window = m.window;
  p.center = m.center;
  p.pad_mode = m.pad_mode;
  return p;
}

struct StftExtractor::Impl {
  StftParams p;
  Device device;
  std::vector<float> window;
  std::unique_ptr<kernels::cpu::RealFft> fft;  // CPU only
#if MGR_WITH_CUDA
  std::unique_ptr<CudaFramedFft> front;  // framing + cuFFT passes
#endif
};

StftExtractor::StftExtractor(StftParams p, Device d) : impl_(std::make_shared<Impl>()) {
  p.validate();
  Impl& s = *impl_;
  s.p = std::move(p);
  s.device = d;
  s.window = analysis_window(s.p.framing());
  if (d.is_cuda()) {
#if MGR_WITH_CUDA
    MGR_CHECK(d.index < cuda_device_count(),
              "StftExtractor: " << d.str() << " is not a usable CUDA device");
    s.front = std::make_unique<CudaFramedFft>(s.p.n_fft, s.p.hop_length, s.p.center,
                                              s.p.center && s.p.pad_mode == "reflect", s.window, d);
#else
    MGR_FAIL("StftExtractor: " << d.str() << " requested but mgr was built without CUDA");
#endif
  } else {
    s.fft = std::make_unique<kernels::cpu::RealFft>(s.p.n_fft);
  }
}

const StftParams& StftExtractor::params() const { return impl_->p; }
Device StftExtractor::device() const { return impl_->device; }

Tensor StftExtractor::operator()(const Tensor& audio, StftOutput out, double amin, double top_db,
                                 bool ref_max) {
  Impl& s = *impl_;
  MGR_CHECK(
      audio.defined() && audio.dtype() == DType::F32 && audio.ndim() == 2,
      "stft: audio must be f32 [B, N], got " << (audio.defined() ? audio.str() : "undefined"));
  MGR_CHECK(audio.device() == s.device, "stft: audio is on " << audio.device().str()
                                                             << " but the extractor is on "
                                                             << s.device.str());
  const bool log_power = out == StftOutput::LogPower;
  if (log_power) {
    MGR_CHECK(std::isfinite(amin) && amin >= 1e-30 && amin <= 1,
              "stft: amin = " << amin << " must be in [1e-30, 1]");
    MGR_CHECK(std::isfinite(top_db) && top_db <= 1000,
              "stft: top_db = " << top_db << " must be <= 1000 (<= 0 disables the floor)");
  }
  const StftParams& p = s.p;
  const int64_t batch = audio.dim(0);
  const int64_t n = audio.dim(1);
  const int frames = p.num_frames(n);
  const int bins = p.bins();
  const bool reflect = p.center && p.pad_mode == "reflect";
  const float expo = out == StftOutput::Magnitude ? 1.f : 2.f;
  Tensor spec = Tensor::empty({batch, bins, frames}, DType::F32, s.device);
  if (batch == 0) return spec;
  const int64_t per_clip = int64_t(bins) * frames;
  if (s.device.is_cuda()) {
#if MGR_WITH_CUDA
    cuda::DeviceGuard g(s.device.index);
    float* dst = spec.f32();
    s.front->run(audio.f32(), batch, n, frames,
                 [&](int64_t b0, int64_t nb, const float* spectrum, cudaStream_t st) {
                   kernels::cuda::spectrum_to_bins_frames(dst + b0 * per_clip, spectrum, nb, frames,
                                                          bins, expo, st);
                 });
    if (log_power) {
      Tensor clip_max = Tensor::empty({batch}, DType::F32, s.device);
      kernels::cuda::power_to_db(spec.f32(), batch, per_clip, static_cast<float>(amin),
                                 static_cast<float>(top_db), ref_max, clip_max.f32(),
                                 cuda::stream(s.device.index));
    }
#endif
  } else {
    kernels::cpu::stft_spectrogram(spec.f32(), audio.f32(), batch, n, frames, p.hop_length,
                                   s.window.data(), p.center, reflect, expo, *s.fft);
    if (log_power)
      kernels::cpu::power_to_db(spec.f32(), batch, per_clip, static_cast<float>(amin),
                                static_cast<float>(top_db), ref_max);
  }
  return spec;
}

}  // namespace mgr::features
