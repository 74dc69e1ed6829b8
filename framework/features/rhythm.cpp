// Rhythm features: argument checks and device dispatch to
// kernels/cpu/{onset,tempogram,beat,beat_track} and kernels/cuda/{onset,tempogram,beat,beat_track}.
// The tempo / beat tracker tables are built on the host once per (sr, hop, tempo parameters) and
// cached per device. A CUDA tensor never falls back to the CPU.
#include "framework/features/rhythm.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <numbers>
#include <sstream>
#include <vector>

#include "kernels/cpu/beat.h"
#include "kernels/cpu/beat_track.h"
#include "kernels/cpu/onset.h"
#include "kernels/cpu/tempogram.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/beat.h"
#include "kernels/cuda/beat_track.h"
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

// scipy.signal.get_window('hann', win_length, fftbins=True), computed in double.
std::vector<float> periodic_hann(int win_length) {
  std::vector<float> window(static_cast<size_t>(win_length));
  for (int j = 0; j < win_length; ++j)
    window[j] = static_cast<float>(0.5 - 0.5 * std::cos(2 * std::numbers::pi * j / win_length));
  return window;
}

// Temporaries of the batched tempo / tracker stay below this many bytes (clips are chunked).
[[maybe_unused]] constexpr int64_t kScratchBytes = int64_t(256) << 20;

kernels::cpu::BeatTableSpec tempo_spec(const char* what, int hop_length, int sample_rate,
                                       const TempoParams& p) {
  MGR_CHECK(sample_rate >= 1000 && sample_rate <= 768000,
            what << ": sample_rate = " << sample_rate << " must be in [1000, 768000]");
  MGR_CHECK(hop_length >= 1 && hop_length <= (1 << 20),
            what << ": hop_length = " << hop_length << " must be in [1, 1048576]");
  p.validate();
  const int win = p.win_length(hop_length, sample_rate);
  MGR_CHECK(win >= 2 && win <= kMaxTempogramWin,
            what << ": the tempogram window (ac_size = " << p.ac_size << " s) is " << win
                 << " frames at hop_length " << hop_length << " and sample_rate " << sample_rate
                 << "; it must be in [2, " << kMaxTempogramWin << "]");
  kernels::cpu::BeatTableSpec spec;
  spec.sample_rate = sample_rate;
  spec.hop_length = hop_length;
  spec.win = win;
  spec.start_bpm = p.start_bpm;
  spec.std_bpm = p.std_bpm;
  spec.max_tempo = p.max_tempo;
  return spec;
}

// The tempo / tracker tables (kernels/cpu/beat_track.h) on `d`, built once per (spec, device).
struct DeviceTables {
  kernels::cpu::BeatTableLayout layout;
  Tensor packed;  // i32 words on the device
  kernels::cpu::BeatTables view() const {
    return kernels::cpu::beat_tables_view(packed.raw(), layout);
  }
};

DeviceTables tables_on(const kernels::cpu::BeatTableSpec& spec, Device d) {
  static std::mutex mu;
  static std::map<std::string, DeviceTables> cache;
  std::ostringstream key;
  key.precision(17);
  key << spec.sample_rate << '/' << spec.hop_length << '/' << spec.win << '/' << spec.start_bpm
      << '/' << spec.std_bpm << '/' << spec.max_tempo << '@' << d.str();
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(key.str());
  if (it != cache.end()) return it->second;
  if (cache.size() >= 16) cache.clear();
  DeviceTables t;
  const std::vector<int32_t> packed = kernels::cpu::pack_beat_tables(spec, &t.layout);
  t.packed = Tensor::from_vector(packed, {int64_t(packed.size())}, d);
  return cache.emplace(key.str(), t).first->second;
}

// Tempo (f32 [B]) and the chosen tempogram lag (i32 [B]) of every clip, on env's device.
void tempo_and_lag(const Tensor& env, const DeviceTables& tables, Tensor& bpm, Tensor& lag) {
  const int64_t batch = env.dim(0);
  const int frames = static_cast<int>(env.dim(1));
  const int win = tables.layout.win;
  const std::vector<float> window = periodic_hann(win);
  const kernels::cpu::BeatTables t = tables.view();
  if (env.is_cuda()) {
#if MGR_WITH_CUDA
    const int dev = env.device().index;
    cuda::DeviceGuard g(dev);
    Tensor d_window = Tensor::from_vector(window, {win}, env.device());
    const int64_t per_clip = int64_t(win) * frames * int64_t(sizeof(float));
    const int64_t chunk =
        std::clamp<int64_t>(kScratchBytes / per_clip, 1, std::min<int64_t>(batch, 65535));
    Tensor tg = Tensor::empty({chunk * win * frames}, DType::F32, env.device());
    Tensor means = Tensor::empty({chunk * win}, DType::F32, env.device());
    for (int64_t b0 = 0; b0 < batch; b0 += chunk) {
      const int64_t nb = std::min(chunk, batch - b0);
      kernels::cuda::tempogram(tg.f32(), env.f32() + b0 * frames, nb, frames, win, d_window.f32(),
                               cuda::stream(dev));
      kernels::cuda::tempo_from_tempogram(bpm.f32() + b0, lag.i32() + b0, means.f32(), tg.f32(), nb,
                                          frames, t, cuda::stream(dev));
    }
#endif
  } else {
    kernels::cpu::tempo(bpm.f32(), lag.i32(), env.f32(), batch, frames, window.data(), t);
  }
}

}  // namespace

void TempoParams::validate() const {
  MGR_CHECK(std::isfinite(start_bpm) && start_bpm > 0,
            "tempo: start_bpm = " << start_bpm << " must be a positive number");
  MGR_CHECK(std::isfinite(std_bpm) && std_bpm > 0,
            "tempo: std_bpm = " << std_bpm << " must be a positive number of octaves");
  MGR_CHECK(std::isfinite(ac_size) && ac_size > 0 && ac_size <= 3600,
            "tempo: ac_size = " << ac_size << " must be in (0, 3600] seconds");
  MGR_CHECK(max_tempo > 0, "tempo: max_tempo = " << max_tempo << " must be > 0 (inf: no limit)");
}

int TempoParams::win_length(int hop_length, int sample_rate) const {
  // librosa.time_to_frames: samples = int(ac_size * sr) (truncation), frames = samples // hop.
  return static_cast<int>(static_cast<int64_t>(ac_size * sample_rate) / hop_length);
}

void BeatTrackParams::validate() const {
  tempo.validate();
  MGR_CHECK(std::isfinite(tightness) && tightness > 0 && tightness <= 1e30,
            "beat_track: tightness = " << tightness << " must be a positive number");
}

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
  const bool median = p.aggregate == OnsetAggregate::kMedian;
  Tensor out = Tensor::empty({batch, frames}, DType::F32, mel_db.device());
  if (out.numel() == 0) return out;
  if (mel_db.is_cuda()) {
#if MGR_WITH_CUDA
    const int dev = mel_db.device().index;
    cuda::DeviceGuard g(dev);
    kernels::cuda::onset_strength(out.f32(), mel_db.f32(), batch, p.n_mels, frames, p.lag,
                                  p.max_size, p.shift(), median, cuda::stream(dev));
#endif
  } else {
    kernels::cpu::onset_strength(out.f32(), mel_db.f32(), batch, p.n_mels, frames, p.lag,
                                 p.max_size, p.shift(), median);
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
  const std::vector<float> window = periodic_hann(win_length);
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

Tensor tempo(const Tensor& onset_env, int hop_length, int sample_rate, const TempoParams& p) {
  check_env(onset_env, "tempo");
  const DeviceTables tables =
      tables_on(tempo_spec("tempo", hop_length, sample_rate, p), onset_env.device());
  const int64_t batch = onset_env.dim(0);
  Tensor bpm = Tensor::empty({batch}, DType::F32, onset_env.device());
  Tensor lag = Tensor::empty({batch}, DType::I32, onset_env.device());
  if (batch > 0) tempo_and_lag(onset_env, tables, bpm, lag);
  return bpm;
}

BeatTrack beat_track(const Tensor& onset_env, int hop_length, int sample_rate,
                     const BeatTrackParams& p) {
  check_env(onset_env, "beat_track");
  p.validate();
  const DeviceTables tables =
      tables_on(tempo_spec("beat_track", hop_length, sample_rate, p.tempo), onset_env.device());
  const int64_t batch = onset_env.dim(0);
  const int frames = static_cast<int>(onset_env.dim(1));
  const int max_beats = kernels::cpu::max_beats(frames, tables.layout);
  BeatTrack r;
  r.bpm = Tensor::empty({batch}, DType::F32, onset_env.device());
  r.beats = Tensor::empty({batch, max_beats}, DType::I32, onset_env.device());
  if (batch == 0) return r;
  Tensor lag = Tensor::empty({batch}, DType::I32, onset_env.device());
  tempo_and_lag(onset_env, tables, r.bpm, lag);
  // librosa hands tightness to its DP as float32.
  const double tightness = double(static_cast<float>(p.tightness));
  const kernels::cpu::BeatTables t = tables.view();
  if (onset_env.is_cuda()) {
#if MGR_WITH_CUDA
    const int dev = onset_env.device().index;
    cuda::DeviceGuard g(dev);
    const int64_t per_clip = int64_t(kernels::cuda::beat_track_scratch_bytes(1, frames));
    const int64_t chunk = std::clamp<int64_t>(kScratchBytes / per_clip, 1, batch);
    const size_t bytes = kernels::cuda::beat_track_scratch_bytes(chunk, frames);
    Tensor scratch = Tensor::empty({int64_t((bytes + 7) / 8) * 2}, DType::I32, onset_env.device());
    for (int64_t b0 = 0; b0 < batch; b0 += chunk) {
      const int64_t nb = std::min(chunk, batch - b0);
      kernels::cuda::beat_track(r.beats.i32() + b0 * max_beats, r.bpm.f32() + b0,
                                onset_env.f32() + b0 * frames, lag.i32() + b0, nb, frames,
                                max_beats, t, tightness, p.trim, scratch.raw(), cuda::stream(dev));
    }
#endif
  } else {
    kernels::cpu::beat_track(r.beats.i32(), r.bpm.f32(), onset_env.f32(), lag.i32(), batch, frames,
                             max_beats, t, tightness, p.trim);
  }
  return r;
}

}  // namespace mgr::features
