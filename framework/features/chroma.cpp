// Chroma: the librosa filterbank (double, then float32), the projection + per-frame norm on
// either device, and beat-synchronous chroma from librosa's beat tracker or the tempo grid
// (framework/features/rhythm.h).
#include "framework/features/chroma.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <sstream>

#include "framework/features/rhythm.h"
#include "kernels/cpu/chroma.h"
#include "kernels/cpu/tuning.h"
#include "kernels/shared/tuning.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/chroma.h"
#include "kernels/cuda/tuning.h"
#endif

namespace mgr::features {

void ChromaParams::validate() const {
  MGR_CHECK(sample_rate >= 1000 && sample_rate <= 768000,
            "chroma: sample_rate = " << sample_rate << " must be in [1000, 768000]");
  MGR_CHECK(n_fft >= 16 && n_fft <= 65536,
            "chroma: n_fft = " << n_fft << " must be in [16, 65536]");
  MGR_CHECK(n_chroma >= 1 && n_chroma <= 120,
            "chroma: n_chroma = " << n_chroma << " must be in [1, 120]");
  MGR_CHECK(std::isfinite(tuning) && tuning >= -1 && tuning <= 1,
            "chroma: tuning = " << tuning << " must be in [-1, 1] (fractions of a chroma bin)");
  MGR_CHECK((norm == 0 || std::isinf(norm)) ? norm >= 0 : (std::isfinite(norm) && norm > 0),
            "chroma: norm = " << norm << " must be inf (max), a positive p, or 0 (none)");
  MGR_CHECK(std::isfinite(ctroct) && ctroct > 0,
            "chroma: ctroct = " << ctroct << " must be a positive number of octaves");
  MGR_CHECK(std::isfinite(octwidth) && octwidth >= 0,
            "chroma: octwidth = " << octwidth << " must be >= 0 (0: flat octave weighting)");
}

namespace {

// numpy.remainder for doubles (npy_divmod): the result takes the divisor's sign.
double np_remainder(double a, double b) {
  double mod = std::fmod(a, b);
  if (mod != 0) {
    if ((b < 0) != (mod < 0)) mod += b;
  } else {
    mod = std::copysign(0.0, b);
  }
  return mod;
}

}  // namespace

std::vector<float> chroma_filterbank(const ChromaParams& p) {
  p.validate();
  const int n_fft = p.n_fft, nc = p.n_chroma;
  // librosa: frequencies of FFT bins 1..n_fft-1 (linspace(0, sr, n_fft, endpoint=False)[1:]),
  // frqbins = n_chroma * hz_to_octs(f, tuning), with a made-up value for the DC bin.
  std::vector<double> frq(static_cast<size_t>(n_fft));
  const double step = double(p.sample_rate) / n_fft;
  const double a440 = 440.0 * std::pow(2.0, p.tuning / nc);
  for (int i = 1; i < n_fft; ++i) frq[i] = nc * std::log2((i * step) / (a440 / 16));
  frq[0] = frq[1] - 1.5 * nc;
  std::vector<double> width(static_cast<size_t>(n_fft));
  for (int i = 0; i + 1 < n_fft; ++i) width[i] = std::max(frq[i + 1] - frq[i], 1.0);
  width[n_fft - 1] = 1;
  const double half = std::nearbyint(double(nc) / 2);  // np.round: half to even
  std::vector<double> w(static_cast<size_t>(nc) * n_fft);
  for (int c = 0; c < nc; ++c) {
    for (int i = 0; i < n_fft; ++i) {
      const double d = np_remainder(frq[i] - c + half + 10.0 * nc, nc) - half;
      const double q = 2 * d / width[i];
      w[size_t(c) * n_fft + i] = std::exp(-0.5 * (q * q));
    }
  }
  // Column L2 normalisation (librosa.util.normalize(norm=2, axis=0)), rows summed in order.
  for (int i = 0; i < n_fft; ++i) {
    double len = 0;
    for (int c = 0; c < nc; ++c) len += w[size_t(c) * n_fft + i] * w[size_t(c) * n_fft + i];
    len = std::sqrt(len);
    if (len < 2.2250738585072014e-308) continue;
    for (int c = 0; c < nc; ++c) w[size_t(c) * n_fft + i] /= len;
  }
  if (p.octwidth > 0) {
    for (int i = 0; i < n_fft; ++i) {
      const double z = (frq[i] / nc - p.ctroct) / p.octwidth;
      const double s = std::exp(-0.5 * (z * z));
      for (int c = 0; c < nc; ++c) w[size_t(c) * n_fft + i] *= s;
    }
  }
  // base_c: np.roll(wts, -3 * (n_chroma // 12), axis=0); keep bins 0 .. n_fft / 2.
  const int roll = 3 * (nc / 12);
  const int bins = p.bins();
  std::vector<float> out(static_cast<size_t>(nc) * bins);
  for (int c = 0; c < nc; ++c) {
    const int src = (c + roll) % nc;
    for (int i = 0; i < bins; ++i)
      out[size_t(c) * bins + i] = static_cast<float>(w[size_t(src) * n_fft + i]);
  }
  return out;
}

namespace {

// The filterbank on `d`, built once per (parameters, device).
Tensor filterbank_on(const ChromaParams& p, Device d) {
  static std::mutex mu;
  static std::map<std::string, Tensor> cache;
  std::ostringstream key;
  key.precision(17);
  key << p.sample_rate << '/' << p.n_fft << '/' << p.n_chroma << '/' << p.tuning << '/' << p.ctroct
      << '/' << p.octwidth << '@' << d.str();
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(key.str());
  if (it != cache.end()) return it->second;
  if (cache.size() >= 16) cache.clear();
  Tensor fb = Tensor::from_vector(chroma_filterbank(p), {p.n_chroma, p.bins()}, d);
  return cache.emplace(key.str(), fb).first->second;
}

// The filterbanks of all 100 tunings tuning_of_bin(0..99), [100, n_chroma, bins] on `d`, built
// once per (parameters other than tuning, device).
Tensor filterbank_table_on(const ChromaParams& p, Device d) {
  static std::mutex mu;
  static std::map<std::string, Tensor> cache;
  std::ostringstream key;
  key.precision(17);
  key << p.sample_rate << '/' << p.n_fft << '/' << p.n_chroma << '/' << p.ctroct << '/'
      << p.octwidth << '@' << d.str();
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(key.str());
  if (it != cache.end()) return it->second;
  if (cache.size() >= 4) cache.clear();
  const size_t one = size_t(p.n_chroma) * p.bins();
  std::vector<float> all(one * kernels::tuning::kBins);
  for (int i = 0; i < kernels::tuning::kBins; ++i) {
    ChromaParams q = p;
    q.tuning = tuning_of_bin(i);
    const std::vector<float> fb = chroma_filterbank(q);
    std::copy(fb.begin(), fb.end(), all.begin() + i * one);
  }
  Tensor t = Tensor::from_vector(all, {kernels::tuning::kBins, p.n_chroma, p.bins()}, d);
  return cache.emplace(key.str(), t).first->second;
}

void check_power(const Tensor& power, const ChromaParams& p, const char* what) {
  MGR_CHECK(power.defined() && power.dtype() == DType::F32 && power.ndim() == 3,
            what << ": power must be f32 [B, bins, T], got "
                 << (power.defined() ? power.str() : "undefined"));
  MGR_CHECK(power.dim(1) == p.bins(), what << ": power has " << power.dim(1) << " bins but n_fft = "
                                           << p.n_fft << " gives " << p.bins());
}

}  // namespace

double tuning_of_bin(int bin) {
  MGR_CHECK(bin >= 0 && bin < kernels::tuning::kBins,
            "tuning_of_bin: bin " << bin << " must be in [0, " << kernels::tuning::kBins << ")");
  return kernels::tuning::edge(bin);
}

Tensor estimate_tuning_bins(const Tensor& power, const ChromaParams& p) {
  p.validate();
  check_power(power, p, "estimate_tuning_bins");
  const int64_t batch = power.dim(0);
  const int frames = static_cast<int>(power.dim(2));
  Tensor out = Tensor::empty({batch}, DType::I32, power.device());
  if (batch == 0) return out;
  if (power.is_cuda()) {
#if MGR_WITH_CUDA
    const int dev = power.device().index;
    cuda::DeviceGuard g(dev);
    Tensor ref = Tensor::empty({batch, std::max(frames, 1)}, DType::F32, power.device());
    kernels::cuda::estimate_tuning_index(out.i32(), ref.f32(), power.f32(), batch, p.bins(), frames,
                                         p.sample_rate, p.n_fft, p.n_chroma, cuda::stream(dev));
#endif
  } else {
    kernels::cpu::estimate_tuning_index(out.i32(), power.f32(), batch, p.bins(), frames,
                                        p.sample_rate, p.n_fft, p.n_chroma);
  }
  return out;
}

Tensor chroma_from_power(const Tensor& power, const ChromaParams& p, const Tensor& tuning_bins) {
  p.validate();
  check_power(power, p, "chroma_from_power");
  MGR_CHECK(tuning_bins.defined() && tuning_bins.dtype() == DType::I32 && tuning_bins.ndim() == 1 &&
                tuning_bins.dim(0) == power.dim(0),
            "chroma_from_power: tuning_bins must be i32 ["
                << power.dim(0) << "], got "
                << (tuning_bins.defined() ? tuning_bins.str() : "undefined"));
  check_same_device({&power, &tuning_bins}, "chroma_from_power");
  const int64_t batch = power.dim(0);
  const int frames = static_cast<int>(power.dim(2));
  Tensor out = Tensor::empty({batch, p.n_chroma, frames}, DType::F32, power.device());
  if (out.numel() == 0) return out;
  Tensor table = filterbank_table_on(p, power.device());
  const int64_t one = int64_t(p.n_chroma) * p.bins();
  if (power.is_cuda()) {
#if MGR_WITH_CUDA
    const int dev = power.device().index;
    cuda::DeviceGuard g(dev);
    // Three device arrays of `batch` pointers (A, B, C of cublasSgemmBatched), 8 bytes each.
    Tensor pointers = Tensor::empty({batch * 6}, DType::I32, power.device());
    kernels::cuda::chroma_project_tuned(cuda::cublas(dev), out.f32(), power.f32(), table.f32(),
                                        tuning_bins.i32(), batch, p.n_chroma, p.bins(), frames,
                                        pointers.i32(), cuda::stream(dev));
    kernels::cuda::normalize_columns(out.f32(), batch, p.n_chroma, frames, p.norm,
                                     cuda::stream(dev));
#endif
  } else {
    const int32_t* bins = tuning_bins.i32();
    for (int64_t b = 0; b < batch; ++b) {
      MGR_CHECK(bins[b] >= 0 && bins[b] < kernels::tuning::kBins, "chroma_from_power: tuning bin "
                                                                      << bins[b] << " of clip " << b
                                                                      << " is outside [0, 100)");
      kernels::cpu::chroma_project(out.f32() + b * int64_t(p.n_chroma) * frames,
                                   power.f32() + b * int64_t(p.bins()) * frames,
                                   table.f32() + bins[b] * one, 1, p.n_chroma, p.bins(), frames);
    }
    kernels::cpu::normalize_columns(out.f32(), batch, p.n_chroma, frames, p.norm);
  }
  return out;
}

Tensor chroma_from_power(const Tensor& power, const ChromaParams& p) {
  p.validate();
  check_power(power, p, "chroma_from_power");
  const int64_t batch = power.dim(0);
  const int frames = static_cast<int>(power.dim(2));
  Tensor out = Tensor::empty({batch, p.n_chroma, frames}, DType::F32, power.device());
  if (out.numel() == 0) return out;
  Tensor fb = filterbank_on(p, power.device());
  if (power.is_cuda()) {
#if MGR_WITH_CUDA
    const int dev = power.device().index;
    cuda::DeviceGuard g(dev);
    kernels::cuda::chroma_project(cuda::cublas(dev), out.f32(), power.f32(), fb.f32(), batch,
                                  p.n_chroma, p.bins(), frames);
    kernels::cuda::normalize_columns(out.f32(), batch, p.n_chroma, frames, p.norm,
                                     cuda::stream(dev));
#endif
  } else {
    kernels::cpu::chroma_project(out.f32(), power.f32(), fb.f32(), batch, p.n_chroma, p.bins(),
                                 frames);
    kernels::cpu::normalize_columns(out.f32(), batch, p.n_chroma, frames, p.norm);
  }
  return out;
}

Tensor beat_sync(const Tensor& x, const Tensor& beats, int n_beats) {
  MGR_CHECK(x.defined() && x.dtype() == DType::F32 && x.ndim() == 3,
            "beat_sync: x must be f32 [B, C, T], got " << (x.defined() ? x.str() : "undefined"));
  MGR_CHECK(beats.defined() && beats.dtype() == DType::I32 && beats.ndim() == 2 &&
                beats.dim(0) == x.dim(0),
            "beat_sync: beats must be i32 [B, M] with B = "
                << x.dim(0) << ", got " << (beats.defined() ? beats.str() : "undefined"));
  MGR_CHECK(n_beats >= 1 && n_beats <= 100000,
            "beat_sync: n_beats = " << n_beats << " must be in [1, 100000]");
  check_same_device({&x, &beats}, "beat_sync");
  const int64_t batch = x.dim(0);
  const int rows = static_cast<int>(x.dim(1));
  const int frames = static_cast<int>(x.dim(2));
  const int max_beats = static_cast<int>(beats.dim(1));
  MGR_CHECK(frames >= 1, "beat_sync: needs at least one frame");
  Tensor out = Tensor::empty({batch, int64_t(rows) * n_beats}, DType::F32, x.device());
  if (out.numel() == 0) return out;
  if (x.is_cuda()) {
#if MGR_WITH_CUDA
    const int dev = x.device().index;
    cuda::DeviceGuard g(dev);
    kernels::cuda::beat_sync_frames_mean(out.f32(), x.f32(), beats.i32(), batch, rows, frames,
                                         max_beats, n_beats, cuda::stream(dev));
#endif
  } else {
    kernels::cpu::beat_sync_frames_mean(out.f32(), x.f32(), beats.i32(), batch, rows, frames,
                                        max_beats, n_beats);
  }
  return out;
}

Tensor beat_sync_chroma(const Tensor& chroma, const Tensor& onset_env, int n_beats, int hop_length,
                        int sample_rate, BeatTracker tracker) {
  MGR_CHECK(chroma.defined() && chroma.dtype() == DType::F32 && chroma.ndim() == 3,
            "beat_sync_chroma: chroma must be f32 [B, C, T], got "
                << (chroma.defined() ? chroma.str() : "undefined"));
  MGR_CHECK(onset_env.defined() && onset_env.ndim() == 2 && onset_env.dim(0) == chroma.dim(0) &&
                onset_env.dim(1) == chroma.dim(2),
            "beat_sync_chroma: onset_env must be [B, T] matching chroma "
                << chroma.str() << ", got "
                << (onset_env.defined() ? onset_env.str() : "undefined"));
  MGR_CHECK(n_beats >= 1 && n_beats <= 100000,
            "beat_sync_chroma: n_beats = " << n_beats << " must be in [1, 100000]");
  check_same_device({&chroma, &onset_env}, "beat_sync_chroma");
  const int64_t batch = chroma.dim(0);
  const int rows = static_cast<int>(chroma.dim(1));
  const int frames = static_cast<int>(chroma.dim(2));
  MGR_CHECK(frames >= 1, "beat_sync_chroma: needs at least one frame");
  if (tracker == BeatTracker::kDp)
    return beat_sync(chroma, beat_track(onset_env, hop_length, sample_rate).beats, n_beats);
  Tensor grid = beat_grid(onset_env, hop_length, sample_rate);
  Tensor out = Tensor::empty({batch, int64_t(rows) * n_beats}, DType::F32, chroma.device());
  if (out.numel() == 0) return out;
  if (chroma.is_cuda()) {
#if MGR_WITH_CUDA
    const int dev = chroma.device().index;
    cuda::DeviceGuard g(dev);
    kernels::cuda::beat_sync_mean(out.f32(), chroma.f32(), grid.f32(), batch, rows, frames, n_beats,
                                  cuda::stream(dev));
#endif
  } else {
    kernels::cpu::beat_sync_mean(out.f32(), chroma.f32(), grid.f32(), batch, rows, frames, n_beats);
  }
  return out;
}

}  // namespace mgr::features
