// Rhythm features: argument checks and device dispatch to kernels/cpu/{onset,tempogram,beat}
// and kernels/cuda/{onset,tempogram,beat}. A CUDA tensor never falls back to the CPU.
#include "framework/features/rhythm.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "kernels/cpu/beat.h"
#include "kernels/cpu/onset.h"
#include "kernels/cpu/tempogram.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/beat.h"
#include "kernels/cuda/onset.h"
#include "kernels/cuda/tempogram.h"
#endif

namespace mgr::features {

namespace {

constexpr int kMaxTempogramWin = 1024;  // = kernels::cuda::kMaxTempogramWin (shared memory)
constexpr int kMaxBins = 1536;          // + lags <= kernels::cuda::kMaxBeatShared doubles
constexpr int kMaxLag = 4095;  // autocorrelation lags + bins must fit one block's shared memory

void check_env(const Tensor& env, const char* what) {
  MGR_CHECK(env.defined() && env.dtype() == DType::F32 && env.ndim() == 2 && env.dim(1) >= 1,
            what << ": onset envelope must be f32 [B, T] with T >= 1, got "
                 << (env.defined() ? env.str() : "undefined"));
  MGR_CHECK(env.dim(1) <= (int64_t(1) << 30), what << ": too many frames: " << env.str());
}

kernels::cpu::TempoRange checked_range(const char* what, int hop_length, int sample_rate,
                                       double bpm_min, double bpm_max) {
  MGR_CHECK(sample_rate >= 1000 && sample_rate <= 768000,
            what << ": sample_rate = " << sample_rate << " must be in [1000, 768000]");
  MGR_CHECK(hop_length >= 1 && hop_length <= (1 << 20),
            what << ": hop_length = " << hop_length << " must be in [1, 1048576]");
  MGR_CHECK(std::isfinite(bpm_min) && std::isfinite(bpm_max) && bpm_min > 0 && bpm_max > bpm_min,
            what << ": need 0 < bpm_min < bpm_max, got bpm_min = " << bpm_min
                 << ", bpm_max = " << bpm_max);
  const kernels::cpu::TempoRange r =
      kernels::cpu::tempo_range(hop_length, sample_rate, bpm_min, bpm_max);
  MGR_CHECK(r.lag_min >= 1, what << ": bpm_max = " << bpm_max << " is a beat period of "
                                 << r.lag_min << " frames at hop_length " << hop_length
                                 << "; it must be at least 1 frame");
  MGR_CHECK(r.max_lag <= kMaxLag, what << ": bpm_min = " << bpm_min << " is a beat period of "
                                       << r.lag_max << " frames; at most "
                                       << kMaxLag - kernels::cpu::kLagRadius - 1
                                       << " frames are supported");
  return r;
}

}  // namespace

void OnsetParams::validate() const {
  MGR_CHECK(sample_rate >= 1000 && sample_rate <= 768000,
            "onset: sample_rate = " << sample_rate << " must be in [1000, 768000]");
  MGR_CHECK(hop_length >= 1 && hop_length <= (1 << 20),
            "onset: hop_length = " << hop_length << " must be in [1, 1048576]");
  MGR_CHECK(n_mels >= 1 && n_mels <= 1024, "onset: n_mels = " << n_mels << " must be in [1, 1024]");
  MGR_CHECK(lag >= 1 && lag <= 1024, "onset: lag = " << lag << " must be in [1, 1024]");
  MGR_CHECK(max_size >= 1 && max_size <= n_mels,
            "onset: max_size = " << max_size << " must be in [1, n_mels = " << n_mels << "]");
  MGR_CHECK(n_fft >= 1 && n_fft <= 65536, "onset: n_fft = " << n_fft << " must be in [1, 65536]");
}

Tensor onset_strength(const Tensor& mel_db, const OnsetParams& p) {
  p.validate();
  MGR_CHECK(mel_db.defined() && mel_db.dtype() == DType::F32 && mel_db.ndim() == 3,
            "onset_strength: mel_db must be f32 [B, n_mels, T], got "
                << (mel_db.defined() ? mel_db.str() : "undefined"));
  MGR_CHECK(mel_db.dim(1) == p.n_mels,
            "onset_strength: mel_db has " << mel_db.dim(1) << " bands but n_mels = " << p.n_mels);
  const int64_t batch = mel_db.dim(0);
  const int frames = static_cast<int>(mel_db.dim(2));
  Tensor out = Tensor::empty({batch, frames}, DType::F32, mel_db.device());
  if (out.numel() == 0) return out;
  if (mel_db.is_cuda()) {
#if MGR_WITH_CUDA
    const int dev = mel_db.device().index;
    cuda::DeviceGuard g(dev);
    kernels::cuda::onset_strength(out.f32(), mel_db.f32(), batch, p.n_mels, frames, p.lag,
                                  p.max_size, p.shift(), cuda::stream(dev));
#endif
  } else {
    kernels::cpu::onset_strength(out.f32(), mel_db.f32(), batch, p.n_mels, frames, p.lag,
                                 p.max_size, p.shift());
  }
  return out;
}

Tensor tempogram(const Tensor& onset_env, int win_length) {
  check_env(onset_env, "tempogram");
  MGR_CHECK(
      win_length >= 2 && win_length <= kMaxTempogramWin,
      "tempogram: win_length = " << win_length << " must be in [2, " << kMaxTempogramWin << "]");
  const int64_t batch = onset_env.dim(0);
  const int frames = static_cast<int>(onset_env.dim(1));
  // Periodic Hann (scipy get_window('hann', win_length, fftbins=True)), computed in double.
  std::vector<float> window(static_cast<size_t>(win_length));
  for (int j = 0; j < win_length; ++j)
    window[j] = static_cast<float>(0.5 - 0.5 * std::cos(2 * std::numbers::pi * j / win_length));
  Tensor out = Tensor::empty({batch, win_length, frames}, DType::F32, onset_env.device());
  if (out.numel() == 0) return out;
  if (onset_env.is_cuda()) {
#if MGR_WITH_CUDA
    const int dev = onset_env.device().index;
    cuda::DeviceGuard g(dev);
    Tensor d_window = Tensor::from_vector(window, {win_length}, onset_env.device());
    for (int64_t b0 = 0; b0 < batch; b0 += 65535) {
      const int64_t nb = std::min<int64_t>(65535, batch - b0);
      kernels::cuda::tempogram(out.f32() + b0 * int64_t(win_length) * frames,
                               onset_env.f32() + b0 * frames, nb, frames, win_length,
                               d_window.f32(), cuda::stream(dev));
    }
#endif
  } else {
    kernels::cpu::tempogram(out.f32(), onset_env.f32(), batch, frames, win_length, window.data());
  }
  return out;
}

Tensor beat_histogram(const Tensor& onset_env, int hop_length, int sample_rate, int n_bins,
                      double bpm_min, double bpm_max) {
  check_env(onset_env, "beat_histogram");
  MGR_CHECK(n_bins >= 1 && n_bins <= kMaxBins,
            "beat_histogram: n_bins = " << n_bins << " must be in [1, " << kMaxBins << "]");
  checked_range("beat_histogram", hop_length, sample_rate, bpm_min, bpm_max);
  const int64_t batch = onset_env.dim(0);
  const int frames = static_cast<int>(onset_env.dim(1));
  Tensor out = Tensor::empty({batch, n_bins}, DType::F32, onset_env.device());
  if (out.numel() == 0) return out;
  if (onset_env.is_cuda()) {
#if MGR_WITH_CUDA
    const int dev = onset_env.device().index;
    cuda::DeviceGuard g(dev);
    kernels::cuda::beat_histogram(out.f32(), onset_env.f32(), batch, frames, hop_length,
                                  sample_rate, n_bins, bpm_min, bpm_max, cuda::stream(dev));
#endif
  } else {
    kernels::cpu::beat_histogram(out.f32(), onset_env.f32(), batch, frames, hop_length, sample_rate,
                                 n_bins, bpm_min, bpm_max);
  }
  return out;
}

Tensor beat_grid(const Tensor& onset_env, int hop_length, int sample_rate, double bpm_min,
                 double bpm_max) {
  check_env(onset_env, "beat_grid");
  const kernels::cpu::TempoRange range =
      checked_range("beat_grid", hop_length, sample_rate, bpm_min, bpm_max);
  const kernels::cpu::LagTable table = kernels::cpu::lag_table();
  const int64_t batch = onset_env.dim(0);
  const int frames = static_cast<int>(onset_env.dim(1));
  Tensor grid = Tensor::empty({batch, 2}, DType::F32, onset_env.device());
  if (batch == 0) return grid;
  if (onset_env.is_cuda()) {
#if MGR_WITH_CUDA
    const int dev = onset_env.device().index;
    cuda::DeviceGuard g(dev);
    kernels::cuda::beat_grid(grid.f32(), onset_env.f32(), batch, frames, range, table,
                             cuda::stream(dev));
#endif
  } else {
    kernels::cpu::beat_grid(grid.f32(), onset_env.f32(), batch, frames, range, table);
  }
  return grid;
}

Tensor beat_frames(const Tensor& onset_env, int hop_length, int sample_rate, double bpm_min,
                   double bpm_max) {
  Tensor grid = beat_grid(onset_env, hop_length, sample_rate, bpm_min, bpm_max);
  const kernels::cpu::TempoRange range =
      kernels::cpu::tempo_range(hop_length, sample_rate, bpm_min, bpm_max);
  const int64_t batch = onset_env.dim(0);
  const int frames = static_cast<int>(onset_env.dim(1));
  // The shortest period fits at most this many beats (phase >= 0) in [0, frames).
  const double shortest = double(range.first_step) / kernels::cpu::kLagSteps;
  const int max_beats = static_cast<int>((frames - 0.5) / shortest) + 1;
  Tensor out = Tensor::empty({batch, max_beats}, DType::I32, onset_env.device());
  if (out.numel() == 0) return out;
  if (onset_env.is_cuda()) {
#if MGR_WITH_CUDA
    const int dev = onset_env.device().index;
    cuda::DeviceGuard g(dev);
    kernels::cuda::beat_frames(out.i32(), grid.f32(), batch, frames, max_beats, cuda::stream(dev));
#endif
  } else {
    kernels::cpu::beat_frames(out.i32(), grid.f32(), batch, frames, max_beats);
  }
  return out;
}

}  // namespace mgr::features
