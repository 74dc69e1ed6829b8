#include "framework/features/spectral.h"

#include <algorithm>
#include <cmath>

#include "kernels/cpu/framewise.h"
#include "kernels/cpu/spectral.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/framewise.h"
#include "kernels/cuda/spectral.h"
#endif

namespace mgr::features {

namespace {

namespace kcpu = ::mgr::kernels::cpu;

struct SpecDims {
  int64_t clips;
  int bins;
  int64_t frames;
};

// Checks a magnitude spectrogram [B, bins, T] (bins == n_fft / 2 + 1 when n_fft > 0) and, on
// the CPU, that it holds no negative value (librosa raises on one).
SpecDims check_mag(const Tensor& mag, int n_fft, const char* fn) {
  MGR_CHECK(mag.defined() && mag.dtype() == DType::F32 && mag.ndim() == 3,
            fn << ": magnitude spectrogram f32 [B, bins, T] expected, got "
               << (mag.defined() ? mag.str() : std::string("an undefined tensor")));
  const SpecDims d{mag.dim(0), static_cast<int>(mag.dim(1)), mag.dim(2)};
  MGR_CHECK(d.bins >= 1, fn << ": the spectrogram has no bins");
  if (n_fft > 0)
    MGR_CHECK(d.bins == n_fft / 2 + 1, fn << ": n_fft " << n_fft << " needs " << n_fft / 2 + 1
                                          << " bins, the spectrogram has " << d.bins);
  if (!mag.is_cuda()) {
    const int64_t i = kcpu::first_negative(mag.f32(), mag.numel());
    MGR_CHECK(i < 0, fn << ": magnitudes must be non-negative (element " << i << " is "
                        << mag.f32()[i] << ")");
  }
  return d;
}

void check_sr_nfft(int sample_rate, int n_fft, const char* fn) {
  MGR_CHECK(sample_rate > 0, fn << ": sample_rate must be > 0, got " << sample_rate);
  MGR_CHECK(n_fft >= 1, fn << ": n_fft must be >= 1, got " << n_fft);
}

Tensor frame_output(const Tensor& in, int64_t clips, int64_t frames) {
  return Tensor::empty({clips, 1, frames}, DType::F32, in.device());
}

#if MGR_WITH_CUDA
cudaStream_t stream_of(const Tensor& t) { return cuda::stream(t.device().index); }
#endif

}  // namespace

Tensor spectral_centroid(const Tensor& mag, int sample_rate, int n_fft) {
  check_sr_nfft(sample_rate, n_fft, "spectral_centroid");
  const SpecDims d = check_mag(mag, n_fft, "spectral_centroid");
  const double bin_hz = kcpu::rfft_bin_hz(n_fft, sample_rate);
  Tensor out = frame_output(mag, d.clips, d.frames);
  if (mag.is_cuda()) {
#if MGR_WITH_CUDA
    cuda::DeviceGuard g(mag.device().index);
    kernels::cuda::spectral_centroid(out.f32(), mag.f32(), d.clips, d.bins, d.frames, bin_hz,
                                     stream_of(mag));
#endif
  } else {
    kcpu::spectral_centroid(out.f32(), mag.f32(), d.clips, d.bins, d.frames, bin_hz);
  }
  return out;
}

Tensor spectral_bandwidth(const Tensor& mag, int sample_rate, int n_fft, double p) {
  check_sr_nfft(sample_rate, n_fft, "spectral_bandwidth");
  MGR_CHECK(std::isfinite(p) && p > 0, "spectral_bandwidth: p must be > 0, got " << p);
  const SpecDims d = check_mag(mag, n_fft, "spectral_bandwidth");
  const double bin_hz = kcpu::rfft_bin_hz(n_fft, sample_rate);
  Tensor out = frame_output(mag, d.clips, d.frames);
  if (mag.is_cuda()) {
#if MGR_WITH_CUDA
    cuda::DeviceGuard g(mag.device().index);
    kernels::cuda::spectral_bandwidth(out.f32(), mag.f32(), d.clips, d.bins, d.frames, bin_hz, p,
                                      stream_of(mag));
#endif
  } else {
    kcpu::spectral_bandwidth(out.f32(), mag.f32(), d.clips, d.bins, d.frames, bin_hz, p);
  }
  return out;
}

Tensor spectral_rolloff(const Tensor& mag, int sample_rate, int n_fft, double roll_percent) {
  check_sr_nfft(sample_rate, n_fft, "spectral_rolloff");
  MGR_CHECK(roll_percent > 0 && roll_percent < 1,
            "spectral_rolloff: roll_percent must lie in (0, 1), got " << roll_percent);
  const SpecDims d = check_mag(mag, n_fft, "spectral_rolloff");
  const double bin_hz = kcpu::rfft_bin_hz(n_fft, sample_rate);
  Tensor out = frame_output(mag, d.clips, d.frames);
  if (mag.is_cuda()) {
#if MGR_WITH_CUDA
    cuda::DeviceGuard g(mag.device().index);
    kernels::cuda::spectral_rolloff(out.f32(), mag.f32(), d.clips, d.bins, d.frames, bin_hz,
                                    roll_percent, stream_of(mag));
#endif
  } else {
    kcpu::spectral_rolloff(out.f32(), mag.f32(), d.clips, d.bins, d.frames, bin_hz, roll_percent);
  }
  return out;
}

Tensor spectral_flatness(const Tensor& mag, double amin, double power) {
  MGR_CHECK(amin > 0 && std::isfinite(amin), "spectral_flatness: amin must be > 0, got " << amin);
  MGR_CHECK(power > 0 && std::isfinite(power),
            "spectral_flatness: power must be > 0, got " << power);
  const SpecDims d = check_mag(mag, 0, "spectral_flatness");
  Tensor out = frame_output(mag, d.clips, d.frames);
  if (mag.is_cuda()) {
#if MGR_WITH_CUDA
    cuda::DeviceGuard g(mag.device().index);
    kernels::cuda::spectral_flatness(out.f32(), mag.f32(), d.clips, d.bins, d.frames, amin, power,
                                     stream_of(mag));
#endif
  } else {
    kcpu::spectral_flatness(out.f32(), mag.f32(), d.clips, d.bins, d.frames, amin, power);
  }
  return out;
}

Tensor spectral_flux(const Tensor& mag) {
  const SpecDims d = check_mag(mag, 0, "spectral_flux");
  Tensor out = frame_output(mag, d.clips, d.frames);
  if (mag.is_cuda()) {
#if MGR_WITH_CUDA
    cuda::DeviceGuard g(mag.device().index);
    kernels::cuda::spectral_flux(out.f32(), mag.f32(), d.clips, d.bins, d.frames, stream_of(mag));
#endif
  } else {
    kcpu::spectral_flux(out.f32(), mag.f32(), d.clips, d.bins, d.frames);
  }
  return out;
}

namespace {

struct AudioFrames {
  int64_t clips, n, frames;
};

AudioFrames check_audio(const Tensor& audio, int frame_length, int hop_length, bool center,
                        const char* fn) {
  MGR_CHECK(audio.defined() && audio.dtype() == DType::F32 && audio.ndim() == 2,
            fn << ": audio f32 [B, N] expected, got "
               << (audio.defined() ? audio.str() : std::string("an undefined tensor")));
  MGR_CHECK(frame_length >= 1 && frame_length <= (1 << 24),
            fn << ": frame_length must be in [1, 2^24], got " << frame_length);
  MGR_CHECK(hop_length >= 1, fn << ": hop_length must be >= 1, got " << hop_length);
  const int64_t n = audio.dim(1);
  MGR_CHECK(n >= 1, fn << ": the clips are empty");
  MGR_CHECK(center || n >= frame_length, fn << ": a clip of " << n
                                            << " samples is shorter than frame_length "
                                            << frame_length << " (center=false)");
  return {audio.dim(0), n, kcpu::frame_count(n, frame_length, hop_length, center)};
}

kcpu::PadMode pad_mode_of(const std::string& s) {
  if (s == "constant") return kcpu::PadMode::Constant;
  if (s == "edge") return kcpu::PadMode::Edge;
  if (s == "reflect") return kcpu::PadMode::Reflect;
  if (s == "symmetric") return kcpu::PadMode::Symmetric;
  MGR_FAIL("rms: pad_mode must be constant, edge, reflect or symmetric, got '" << s << "'");
}

// librosa.zero_crossings' default threshold, compared in float32 as librosa does for float32 audio.
constexpr float kZcrThreshold = 1e-10f;

}  // namespace

Tensor zero_crossing_rate(const Tensor& audio, int frame_length, int hop_length, bool center) {
  const AudioFrames a = check_audio(audio, frame_length, hop_length, center, "zero_crossing_rate");
  Tensor out = frame_output(audio, a.clips, a.frames);
  if (audio.is_cuda()) {
#if MGR_WITH_CUDA
    cuda::DeviceGuard g(audio.device().index);
    kernels::cuda::zero_crossing_rate(out.f32(), audio.f32(), a.clips, a.n, a.frames, frame_length,
                                      hop_length, center, kZcrThreshold, stream_of(audio));
#endif
  } else {
    kcpu::zero_crossing_rate(out.f32(), audio.f32(), a.clips, a.n, a.frames, frame_length,
                             hop_length, center, kZcrThreshold);
  }
  return out;
}

Tensor rms(const Tensor& audio, int frame_length, int hop_length, bool center,
           std::string pad_mode) {
  const kcpu::PadMode mode = pad_mode_of(pad_mode);
  const AudioFrames a = check_audio(audio, frame_length, hop_length, center, "rms");
  Tensor out = frame_output(audio, a.clips, a.frames);
  if (audio.is_cuda()) {
#if MGR_WITH_CUDA
    cuda::DeviceGuard g(audio.device().index);
    kernels::cuda::rms(out.f32(), audio.f32(), a.clips, a.n, a.frames, frame_length, hop_length,
                       center, mode, stream_of(audio));
#endif
  } else {
    kcpu::rms(out.f32(), audio.f32(), a.clips, a.n, a.frames, frame_length, hop_length, center,
              mode);
  }
  return out;
}

Tensor mean_var_over_time(const Tensor& x) {
  MGR_CHECK(x.defined() && x.dtype() == DType::F32 && x.ndim() == 3,
            "mean_var_over_time: f32 [B, D, T] expected, got "
                << (x.defined() ? x.str() : std::string("an undefined tensor")));
  const int64_t B = x.dim(0), D = x.dim(1), T = x.dim(2);
  MGR_CHECK(T >= 1, "mean_var_over_time: no frames in " << x.str());
  Tensor out = Tensor::empty({B, 2 * D}, DType::F32, x.device());
  if (x.is_cuda()) {
#if MGR_WITH_CUDA
    cuda::DeviceGuard g(x.device().index);
    kernels::cuda::mean_var_rows(out.f32(), x.f32(), B, D, T, stream_of(x));
#endif
  } else {
    kcpu::mean_var_rows(out.f32(), x.f32(), B, D, T);
  }
  return out;
}

Tensor low_energy_fraction(const Tensor& rms_frames, int64_t reference_frames) {
  const Tensor& x = rms_frames;
  MGR_CHECK(x.defined() && x.dtype() == DType::F32 && x.ndim() == 3 && x.dim(1) == 1,
            "low_energy_fraction: RMS f32 [B, 1, T] expected, got "
                << (x.defined() ? x.str() : std::string("an undefined tensor")));
  const int64_t B = x.dim(0), T = x.dim(2);
  MGR_CHECK(T >= 1, "low_energy_fraction: no frames in " << x.str());
  MGR_CHECK(reference_frames >= 0,
            "low_energy_fraction: reference_frames = " << reference_frames << " must be >= 0");
  const int64_t ref = reference_frames == 0 ? T : std::min(reference_frames, T);
  Tensor out = Tensor::empty({B, 1}, DType::F32, x.device());
  if (x.is_cuda()) {
#if MGR_WITH_CUDA
    cuda::DeviceGuard g(x.device().index);
    kernels::cuda::low_energy_rows(out.f32(), x.f32(), B, T, ref, stream_of(x));
#endif
  } else {
    kcpu::low_energy_rows(out.f32(), x.f32(), B, T, ref);
  }
  return out;
}

}  // namespace mgr::features
