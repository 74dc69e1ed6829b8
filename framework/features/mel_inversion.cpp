// MelInverter: builds the filterbank's inverse, the window and the plans once, then dispatches on
// the inverter's device to the CPU twin (kernels/cpu, FFTW + OpenBLAS) or the CUDA kernels
// (kernels/cuda, cuFFT + cuBLAS). Internally spectra are frame-major [B * T, bins], the layout
// the FFTs read and write; the public magnitudes are [B, bins, T] as librosa and the STFT stage
// give them.
#include "framework/features/mel_inversion.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "framework/features/mel_inversion_setup.h"
#include "framework/features/sparse_mel.h"
#include "framework/features/stft.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/griffin_lim.h"
#include "kernels/cpu/mel_inversion.h"
#include "kernels/cpu/permute.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/gemm.h"
#include "kernels/cuda/griffin_lim.h"
#include "kernels/cuda/mel_inversion.h"
#include "kernels/cuda/permute.h"
#endif

namespace mgr::features {

struct MelInverter::Impl {
  MelInversionParams p;
  Device device;
  std::vector<float> window;
  SparseMelHost fb;
  MelBasisInverse inv;
  std::vector<float> betas;
  std::map<int, std::vector<float>> window_sums;  // by frame count
  // CPU
  std::unique_ptr<kernels::cpu::RealFft> fft;
  std::unique_ptr<kernels::cpu::RealIfft> ifft;
  // CUDA: the same tables on the device
  Tensor d_window, d_pinv_t, d_betas;
  Tensor d_fb_begin, d_fb_length, d_fb_offset, d_fb_weights;
  Tensor d_first, d_count, d_mel, d_weights;
  std::map<int, Tensor> d_window_sums;
#if MGR_WITH_CUDA
  std::map<int64_t, std::unique_ptr<kernels::cuda::CufftR2C>> r2c;
  std::map<int64_t, std::unique_ptr<kernels::cuda::CufftC2R>> c2r;
#endif

  int bins() const { return p.mel.bins(); }

  const std::vector<float>& window_sum(int frames) {
    auto it = window_sums.find(frames);
    if (it == window_sums.end())
      it = window_sums.emplace(frames, window_sumsquare(window, frames, p.mel.hop_length)).first;
    return it->second;
  }

  const float* window_sum_on_device(int frames) {
    if (device.is_cpu()) return window_sum(frames).data();
    auto it = d_window_sums.find(frames);
    if (it == d_window_sums.end()) {
      const std::vector<float>& w = window_sum(frames);
      it = d_window_sums.emplace(frames, Tensor::from_vector(w, {int64_t(w.size())}, device)).first;
    }
    return it->second.f32();
  }

  kernels::cpu::SparseMel device_fb() const {
    if (device.is_cpu()) return fb.view();
    return {fb.n_mels,         fb.bins,           d_fb_begin.i32(),
            d_fb_length.i32(), d_fb_offset.i32(), d_fb_weights.f32()};
  }
  kernels::cpu::MelByBin device_by_bin() const {
    if (device.is_cpu())
      return {inv.bins, inv.first.data(), inv.count.data(), inv.mel.data(), inv.weights.data()};
    return {inv.bins, d_first.i32(), d_count.i32(), d_mel.i32(), d_weights.f32()};
  }

  void check_on_device(const Tensor& t, const char* what, int64_t rows) const {
    MGR_CHECK(t.defined() && t.dtype() == DType::F32 && t.ndim() == 3,
              "MelInverter: " << what << " must be f32 [B, " << rows << ", frames], got "
                              << (t.defined() ? t.str() : "undefined"));
    MGR_CHECK(t.dim(1) == rows,
              "MelInverter: " << what << " has " << t.dim(1) << " rows, the "
                              << "parameters give " << rows << " ("
                              << (rows == p.mel.n_mels ? "n_mels" : "n_fft / 2 + 1") << ")");
    MGR_CHECK(t.dim(2) >= 1, "MelInverter: " << what << " has no frames");
    MGR_CHECK(t.device() == device, "MelInverter: " << what << " is on " << t.device().str()
                                                    << " but the inverter is on " << device.str());
  }

  // [B, a, b] -> [B, b, a] on the device.
  Tensor swap_last(const Tensor& x) const {
    Tensor y = Tensor::empty({x.dim(0), x.dim(2), x.dim(1)}, DType::F32, device);
    if (x.numel() == 0) return y;
    const int64_t shape[3] = {x.dim(0), x.dim(1), x.dim(2)};
    const int perm[3] = {0, 2, 1};
    if (device.is_cuda()) {
#if MGR_WITH_CUDA
      cuda::DeviceGuard g(device.index);
      kernels::cuda::permute(y.f32(), x.f32(), shape, perm, 3, false, cuda::stream(device.index));
#endif
    } else {
      kernels::cpu::permute(y.f32(), x.f32(), shape, perm, 3, false);
    }
    return y;
  }

  // mel power [B, n_mels, T] -> frame-major magnitude [B * T, bins].
  Tensor stft_frames(const Tensor& mel) {
    check_on_device(mel, "the mel spectrogram", p.mel.n_mels);
    const int64_t batch = mel.dim(0);
    const int frames = static_cast<int>(mel.dim(2));
    const int n_mels = p.mel.n_mels;
    const int nb = bins();
    Tensor x = Tensor::empty({batch * frames, nb}, DType::F32, device);
    if (batch == 0) return x;
    const float inv_l = static_cast<float>(1.0 / inv.lipschitz);
    const float power = static_cast<float>(p.mel.power);
    const int64_t per_clip = int64_t(n_mels) * frames;
    if (device.is_cuda()) {
#if MGR_WITH_CUDA
      cuda::DeviceGuard g(device.index);
      cudaStream_t st = cuda::stream(device.index);
      // X0_b [T, bins] = M_b^T [T, n_mels] pinv(A)^T [n_mels, bins]
      for (int64_t b = 0; b < batch; ++b)
        kernels::cuda::sgemm(cuda::cublas(device.index), true, false, frames, nb, n_mels, 1.f,
                             mel.f32() + b * per_clip, frames, d_pinv_t.f32(), nb, 0.f,
                             x.f32() + b * frames * nb, nb);
      Tensor y = Tensor::empty({batch * frames, nb}, DType::F32, device);
      kernels::cuda::nnls_refine(x.f32(), mel.f32(), batch, frames, device_fb(), device_by_bin(),
                                 d_betas.f32(), p.nnls_iter, inv_l, power, y.f32(), st);
#endif
    } else {
      for (int64_t b = 0; b < batch; ++b)
        kernels::cpu::sgemm(true, false, frames, nb, n_mels, 1.f, mel.f32() + b * per_clip, frames,
                            inv.pinv_t.data(), nb, 0.f, x.f32() + b * frames * nb, nb);
      kernels::cpu::nnls_refine(x.f32(), mel.f32(), batch, frames, device_fb(), device_by_bin(),
                                betas.data(), p.nnls_iter, inv_l, power);
    }
    return x;
  }

  // frame-major magnitude [B * T, bins] -> audio [B, output_length(T)].
  Tensor griffin_lim_frames(const Tensor& mag, int64_t batch, int frames,
                            const InversionProgress& progress) {
    const LogMelParams& m = p.mel;
    kernels::cpu::IstftShape s;
    s.clips = batch;
    s.frames = frames;
    s.n_fft = m.n_fft;
    s.hop = m.hop_length;
    s.center = m.center;
    s.reflect = m.center && m.pad_mode == "reflect";
    s.length = p.output_length(frames);
    Tensor audio = Tensor::zeros({batch, s.length}, DType::F32, device);
    if (batch == 0) return audio;
    const int nb = bins();
    std::vector<float> phases;
    if (p.init == "random") phases = random_phases(p.seed, batch, nb, frames);
    const auto report = [&](int i) {
      if (progress) progress(i, p.n_iter);
    };
    const float momentum = static_cast<float>(p.momentum);
    if (device.is_cuda()) {
#if MGR_WITH_CUDA
      cuda::DeviceGuard g(device.index);
      cudaStream_t st = cuda::stream(device.index);
      const int64_t rows = batch * frames;
      MGR_CHECK(rows <= 0x7fffffffLL, "griffin_lim (CUDA): " << rows << " frames in one batch");
      auto& fwd = r2c[rows];
      if (!fwd) fwd = std::make_unique<kernels::cuda::CufftR2C>(m.n_fft, static_cast<int>(rows));
      auto& bwd = c2r[rows];
      if (!bwd) bwd = std::make_unique<kernels::cuda::CufftC2R>(m.n_fft, static_cast<int>(rows));
      Tensor angles = Tensor::empty({rows, 2 * nb}, DType::F32, device);
      Tensor tprev = Tensor::empty({rows, 2 * nb}, DType::F32, device);
      Tensor rebuilt = Tensor::empty({rows, 2 * nb}, DType::F32, device);
      Tensor frame_buf = Tensor::empty({rows, m.n_fft}, DType::F32, device);
      Tensor d_phases;
      if (!phases.empty()) d_phases = Tensor::from_vector(phases, {int64_t(phases.size())}, device);
      const size_t ws = std::max(fwd->workspace_bytes(), bwd->workspace_bytes());
      const kernels::cuda::GriffinLimBuffers buf{angles.f32(), tprev.f32(), rebuilt.f32(),
                                                 frame_buf.f32(),
                                                 ws ? cuda::workspace(device.index, ws) : nullptr};
      kernels::cuda::griffin_lim(audio.f32(), mag.f32(), phases.empty() ? nullptr : d_phases.f32(),
                                 s, d_window.f32(), window_sum_on_device(frames), p.n_iter,
                                 momentum, *fwd, *bwd, buf, st, report);
#endif
    } else {
      kernels::cpu::griffin_lim(audio.f32(), mag.f32(), phases.empty() ? nullptr : phases.data(), s,
                                window.data(), window_sum(frames).data(), p.n_iter, momentum, *fft,
                                *ifft, report);
    }
    return audio;
  }
};

MelInverter::MelInverter(MelInversionParams p, Device d) : impl_(std::make_shared<Impl>()) {
  p.validate();
  Impl& s = *impl_;
  s.p = std::move(p);
  s.device = d;
  const LogMelParams& m = s.p.mel;
  s.window = analysis_window(m);
  const std::vector<float> dense = mel_filterbank(m);
  s.fb = SparseMelHost::from_dense(dense, m.n_mels, m.bins());
  s.inv = mel_basis_inverse(dense, m.n_mels, m.bins());
  s.betas = fista_betas(s.p.nnls_iter);
  if (s.betas.empty()) s.betas.push_back(0.f);  // keep a valid pointer
  if (d.is_cuda()) {
#if MGR_WITH_CUDA
    MGR_CHECK(d.index < cuda_device_count(),
              "MelInverter: " << d.str() << " is not a usable CUDA device");
    const auto up = [&](const auto& v) { return Tensor::from_vector(v, {int64_t(v.size())}, d); };
    s.d_window = up(s.window);
    s.d_pinv_t = up(s.inv.pinv_t);
    s.d_betas = up(s.betas);
    s.d_fb_begin = up(s.fb.begin);
    s.d_fb_length = up(s.fb.length);
    s.d_fb_offset = up(s.fb.offset);
    s.d_fb_weights = up(s.fb.weights);
    s.d_first = up(s.inv.first);
    s.d_count = up(s.inv.count);
    s.d_mel = up(s.inv.mel);
    s.d_weights = up(s.inv.weights);
#else
    MGR_FAIL("MelInverter: " << d.str() << " requested but mgr was built without CUDA");
#endif
  } else {
    s.fft = std::make_unique<kernels::cpu::RealFft>(m.n_fft);
    s.ifft = std::make_unique<kernels::cpu::RealIfft>(m.n_fft);
  }
}

const MelInversionParams& MelInverter::params() const { return impl_->p; }
Device MelInverter::device() const { return impl_->device; }
const std::vector<float>& MelInverter::pseudo_inverse_t() const { return impl_->inv.pinv_t; }
double MelInverter::lipschitz() const { return impl_->inv.lipschitz; }

Tensor MelInverter::power_from_db(const Tensor& log_mel_db) const {
  const Impl& s = *impl_;
  s.check_on_device(log_mel_db, "the log-mel spectrogram", s.p.mel.n_mels);
  Tensor x = log_mel_db.clone();
  const auto ref = static_cast<float>(s.p.db_ref);
  if (s.device.is_cuda()) {
#if MGR_WITH_CUDA
    cuda::DeviceGuard g(s.device.index);
    kernels::cuda::db_to_power(x.f32(), x.numel(), ref, cuda::stream(s.device.index));
#endif
  } else {
    kernels::cpu::db_to_power(x.f32(), x.numel(), ref);
  }
  return x;
}

Tensor MelInverter::mel_to_stft(const Tensor& mel_power) {
  Impl& s = *impl_;
  const Tensor x = s.stft_frames(mel_power);
  return s.swap_last(x.reshape({mel_power.dim(0), mel_power.dim(2), s.bins()}));
}

Tensor MelInverter::griffin_lim(const Tensor& magnitude, const InversionProgress& progress) {
  Impl& s = *impl_;
  s.check_on_device(magnitude, "the magnitude", s.bins());
  const int64_t batch = magnitude.dim(0);
  const int frames = static_cast<int>(magnitude.dim(2));
  const Tensor x = s.swap_last(magnitude).reshape({batch * frames, s.bins()});
  return s.griffin_lim_frames(x, batch, frames, progress);
}

Tensor MelInverter::mel_to_audio(const Tensor& mel_power, const InversionProgress& progress) {
  Impl& s = *impl_;
  const Tensor x = s.stft_frames(mel_power);
  return s.griffin_lim_frames(x, mel_power.dim(0), static_cast<int>(mel_power.dim(2)), progress);
}

Tensor MelInverter::log_mel_to_audio(const Tensor& log_mel_db, const InversionProgress& progress) {
  return mel_to_audio(power_from_db(log_mel_db), progress);
}

std::vector<std::vector<float>> mel_to_audio_batch(const float* log_mel_db, int batch, int n_mels,
                                                   int frames, const MelInversionParams& p,
                                                   Device device,
                                                   const InversionProgress& progress) {
  MGR_CHECK(log_mel_db != nullptr || int64_t(batch) * n_mels * frames == 0,
            "mel_to_audio: null spectrogram");
  MGR_CHECK(batch >= 0 && frames >= 1, "mel_to_audio: batch " << batch << " and frames " << frames
                                                              << " must be >= 0 and >= 1");
  MGR_CHECK(n_mels == p.mel.n_mels,
            "mel_to_audio: the spectrogram has "
                << n_mels << " mel bands, the parameters say n_mels = " << p.mel.n_mels);
  const int64_t n = int64_t(batch) * n_mels * frames;
  const Tensor db = Tensor::from_vector(std::vector<float>(log_mel_db, log_mel_db + n),
                                        {batch, n_mels, frames}, device);
  MelInverter inverter(p, device);
  const std::vector<float> all = inverter.log_mel_to_audio(db, progress).cpu().to_vector();
  const size_t len = batch > 0 ? all.size() / size_t(batch) : 0;
  std::vector<std::vector<float>> out;
  for (int b = 0; b < batch; ++b)
    out.emplace_back(all.begin() + ptrdiff_t(b * len), all.begin() + ptrdiff_t((b + 1) * len));
  return out;
}

std::vector<float> mel_to_audio(const float* log_mel_db, int n_mels, int frames,
                                const MelInversionParams& p, Device device,
                                const InversionProgress& progress) {
  return mel_to_audio_batch(log_mel_db, 1, n_mels, frames, p, device, progress)[0];
}

std::vector<double> relative_distance(const Tensor& estimate, const Tensor& target) {
  MGR_CHECK(estimate.defined() && target.defined() && estimate.shape() == target.shape() &&
                estimate.ndim() >= 1,
            "relative_distance: shapes differ: "
                << (estimate.defined() ? estimate.str() : "undefined") << " vs "
                << (target.defined() ? target.str() : "undefined"));
  const std::vector<float> e = estimate.cpu().to_vector();
  const std::vector<float> t = target.cpu().to_vector();
  const int64_t clips = target.dim(0);
  std::vector<double> out;
  if (clips == 0) return out;
  const size_t per = t.size() / size_t(clips);
  for (int64_t c = 0; c < clips; ++c) {
    double num = 0, den = 0;
    for (size_t i = size_t(c) * per; i < size_t(c + 1) * per; ++i) {
      const double d = double(t[i]) - double(e[i]);
      num += d * d;
      den += double(t[i]) * double(t[i]);
    }
    out.push_back(den > 0 ? std::sqrt(num / den) : (num > 0 ? INFINITY : 0.0));
  }
  return out;
}

std::vector<double> spectral_convergence(const Tensor& audio, const Tensor& magnitude,
                                         const LogMelParams& framing) {
  MGR_CHECK(audio.defined() && audio.ndim() == 2,
            "spectral_convergence: audio must be [B, N], got "
                << (audio.defined() ? audio.str() : "undefined"));
  StftExtractor stft(StftParams::of_framing(framing), audio.device());
  const Tensor mag = stft(audio, StftOutput::Magnitude);
  MGR_CHECK(mag.shape() == magnitude.shape(), "spectral_convergence: the audio's STFT is "
                                                  << mag.str() << ", the target magnitude "
                                                  << magnitude.str());
  return relative_distance(mag, magnitude);
}

}  // namespace mgr::features
