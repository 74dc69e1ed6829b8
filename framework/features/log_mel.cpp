// The log-mel extractor: builds the window and the sparse filterbank once, then dispatches on
// the audio's device to the CPU twin (kernels/cpu, FFTW) or the CUDA kernels (kernels/cuda,
// cuFFT). A CUDA tensor never falls back to the CPU.
#include "framework/features/log_mel.h"

#include <algorithm>

#include "framework/features/fft_pass.h"
#include "framework/features/sparse_mel.h"
#include "kernels/cpu/mel.h"
#include "kernels/cpu/stft.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/mel.h"
#include "kernels/cuda/stft.h"
#endif

namespace mgr::features {

struct LogMelExtractor::Impl {
  LogMelParams p;
  Device device;
  std::vector<float> window;
  SparseMelHost fb;
  std::unique_ptr<kernels::cpu::RealFft> fft;  // CPU only
#if MGR_WITH_CUDA
  std::unique_ptr<CudaFramedFft> front;  // framing + cuFFT passes
  Tensor d_weights, d_begin, d_length, d_offset;

  kernels::cuda::SparseMel device_fb() const {
    return {fb.n_mels, fb.bins, d_begin.i32(), d_length.i32(), d_offset.i32(), d_weights.f32()};
  }
#endif
};

namespace {

void check_audio(const Tensor& audio, Device d) {
  MGR_CHECK(
      audio.defined() && audio.dtype() == DType::F32 && audio.ndim() == 2,
      "log_mel: audio must be f32 [B, N], got " << (audio.defined() ? audio.str() : "undefined"));
  MGR_CHECK(audio.device() == d, "log_mel: audio is on " << audio.device().str()
                                                         << " but the extractor is on " << d.str());
}

}  // namespace

LogMelExtractor::LogMelExtractor(LogMelParams p, Device d) : impl_(std::make_shared<Impl>()) {
  p.validate();
  Impl& s = *impl_;
  s.p = std::move(p);
  s.device = d;
  s.window = analysis_window(s.p);
  s.fb = SparseMelHost::from_dense(mel_filterbank(s.p), s.p.n_mels, s.p.bins());
  if (d.is_cuda()) {
#if MGR_WITH_CUDA
    MGR_CHECK(d.index < cuda_device_count(),
              "LogMelExtractor: " << d.str() << " is not a usable CUDA device");
    s.front = std::make_unique<CudaFramedFft>(s.p.n_fft, s.p.hop_length, s.p.center,
                                              s.p.center && s.p.pad_mode == "reflect", s.window, d);
    s.d_weights = Tensor::from_vector(s.fb.weights, {int64_t(s.fb.weights.size())}, d);
    s.d_begin = Tensor::from_vector(s.fb.begin, {s.p.n_mels}, d);
    s.d_length = Tensor::from_vector(s.fb.length, {s.p.n_mels}, d);
    s.d_offset = Tensor::from_vector(s.fb.offset, {s.p.n_mels}, d);
#else
    MGR_FAIL("LogMelExtractor: " << d.str() << " requested but mgr was built without CUDA");
#endif
  } else {
    s.fft = std::make_unique<kernels::cpu::RealFft>(s.p.n_fft);
  }
}

const LogMelParams& LogMelExtractor::params() const { return impl_->p; }
Device LogMelExtractor::device() const { return impl_->device; }

Tensor LogMelExtractor::mel_spectrogram(const Tensor& audio) {
  Impl& s = *impl_;
  check_audio(audio, s.device);
  const LogMelParams& p = s.p;
  const int64_t batch = audio.dim(0);
  const int64_t n = audio.dim(1);
  const int frames = p.num_frames(n);
  const bool reflect = p.center && p.pad_mode == "reflect";
  Tensor mel = Tensor::empty({batch, p.n_mels, frames}, DType::F32, s.device);
  if (batch == 0) return mel;
  if (s.device.is_cuda()) {
#if MGR_WITH_CUDA
    const kernels::cuda::SparseMel dfb = s.device_fb();
    float* out = mel.f32();
    const int64_t per_clip = int64_t(p.n_mels) * frames;
    const float power = static_cast<float>(p.power);
    s.front->run(audio.f32(), batch, n, frames,
                 [&](int64_t b0, int64_t nb, const float* spectrum, cudaStream_t st) {
                   kernels::cuda::mel_from_spectrum(out + b0 * per_clip, spectrum, nb, frames,
                                                    power, dfb, st);
                 });
#endif
  } else {
    kernels::cpu::mel_spectrogram(mel.f32(), audio.f32(), batch, n, frames, p.hop_length,
                                  s.window.data(), p.center, reflect, static_cast<float>(p.power),
                                  *s.fft, s.fb.view());
  }
  return mel;
}

Tensor LogMelExtractor::operator()(const Tensor& audio) {
  Tensor mel = mel_spectrogram(audio);
  power_to_db_(mel, impl_->p);
  return mel;
}

void power_to_db_(Tensor& mel, const LogMelParams& p) {
  MGR_CHECK(mel.defined() && mel.dtype() == DType::F32 && mel.ndim() >= 1,
            "power_to_db_: f32 [B, ...] expected");
  const int64_t clips = mel.dim(0);
  if (clips == 0 || mel.numel() == 0) return;
  const int64_t per_clip = mel.numel() / clips;
  const auto amin = static_cast<float>(p.amin);
  const auto top_db = static_cast<float>(p.top_db);
  const bool ref_max = p.ref == "max";
  if (mel.is_cuda()) {
#if MGR_WITH_CUDA
    const int dev = mel.device().index;
    cuda::DeviceGuard g(dev);
    Tensor clip_max = Tensor::empty({clips}, DType::F32, mel.device());
    kernels::cuda::power_to_db(mel.f32(), clips, per_clip, amin, top_db, ref_max, clip_max.f32(),
                               cuda::stream(dev));
#endif
  } else {
    kernels::cpu::power_to_db(mel.f32(), clips, per_clip, amin, top_db, ref_max);
  }
}

Tensor log_mel(const Tensor& audio, const LogMelParams& p) {
  LogMelExtractor ex(p, audio.defined() ? audio.device() : Device::cpu());
  return ex(audio);
}

}  // namespace mgr::features
