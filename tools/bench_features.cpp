// Feature-suite benchmark (issue 3): 1000 clips x 30 s at 22050 Hz of synthetic audio,
// log-mel 128 (n_fft 2048, hop 512), MFCC 20 and chroma 12, through the feature pipeline.
// Prints audio-seconds per second on the CPU (threads = OMP_NUM_THREADS) and on the GPU when
// present. On the GPU, per feature: the compute on device-resident audio (achieved GB/s of the
// bytes our kernels read and write vs the device's measured copy bandwidth; the time vs the floor
// max(bytes / copy bandwidth, FLOPs / peak FP32) with bytes = audio read once + features written
// once, and vs the same floor for the bytes our chain materialises), and the device pipeline from
// host memory (compute_features: pinned staging, copy stream overlapped with compute), float32 and
// int16 upload.
//   bench_features [--clips 1000] [--seconds 30] [--cpu-clips 40] [--device all|cpu|cuda]
//                  [--pass-frames 0,1292,2584]
// Compare with scripts/bench/torch_features.py (the same workload in torchaudio).
#include <omp.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>
#include <vector>

#include "framework/features/fft_pass.h"
#include "framework/features/log_mel.h"
#include "framework/features/pipeline.h"
#include "framework/features/sparse_mel.h"
#include "framework/store/feature_table.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/check.h"
#endif

namespace {

using namespace mgr;
using Clock = std::chrono::steady_clock;

// One track per clip: tones, a sweep and a little noise, deterministic, generated in parallel.
data::Dataset synth_dataset(int64_t clips, int64_t samples, int sr) {
  data::Dataset ds;
  ds.sample_rate = sr;
  ds.genres = {"synthetic"};
  ds.tracks.resize(size_t(clips));
  ds.audio.resize(size_t(clips));
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < clips; ++b) {
    std::vector<float>& a = ds.audio[size_t(b)];
    a.resize(size_t(samples));
    uint32_t state = 12345u + uint32_t(b) * 7919u;
    const double f0 = 110.0 * (1 + b % 7), w0 = 2 * std::numbers::pi * f0 / sr;
    for (int64_t i = 0; i < samples; ++i) {
      const double t = double(i) / sr;
      state = state * 1664525u + 1013904223u;
      const double noise = (double(state >> 8) / double(1 << 24) - 0.5) * 0.02;
      a[size_t(i)] = float(0.3 * std::sin(w0 * double(i)) +
                           0.2 * std::sin(2 * std::numbers::pi * (100 + 200 * t) * t) + noise);
    }
  }
  for (int64_t b = 0; b < clips; ++b) {
    ds.tracks[size_t(b)] = {"synthetic/" + std::to_string(b), 0, "synthetic", int(b)};
    ds.clips.push_back({int(b), 0, 0});
  }
  ds.clip_samples = samples;
  return ds;
}

config::FeatureConfig feature(const std::string& type) {
  config::FeatureConfig f;  // n_fft 2048, hop 512, n_mels 128, n_mfcc 20, n_chroma 12
  f.type = type;
  return f;
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Bytes read + written and FLOPs of our kernel chain for `frames` frames of `clips` clips of
// `samples` samples (intermediates materialised once: frame buffer, complex spectrum, ...).
struct Cost {
  double bytes = 0;      // our kernel chain's traffic, intermediates included
  double min_bytes = 0;  // the least any implementation moves: audio read once, output written once
  double flops = 0;
};
[[maybe_unused]] Cost cost(const std::string& type, int64_t clips, int64_t samples, int64_t frames,
                           const config::FeatureConfig& f, int sr) {
  const double r = double(clips) * double(frames);  // frames in all
  const double n = f.n_fft, bins = f.n_fft / 2 + 1;
  Cost c;
  c.bytes = double(clips) * samples * 4 + r * n * 4 * 2 + r * bins * 8 * 2;  // audio, frames, FFT
  c.flops = r * 2.5 * n * std::log2(n);
  const double rows = type == "mfcc" ? f.n_mfcc : (type == "chroma" ? f.n_chroma : f.n_mels);
  c.min_bytes = double(clips) * samples * 4 + r * rows * 4;
  if (type == "log_mel" || type == "mfcc") {
    const features::LogMelParams p = features::log_mel_params_from(f, sr);
    const auto fb =
        features::SparseMelHost::from_dense(features::mel_filterbank(p), p.n_mels, p.bins());
    c.flops += r * (3 * bins + 2.0 * double(fb.weights.size()));  // power, mel
    c.bytes += r * f.n_mels * 4 * 3;                              // mel write; dB read+write
    if (type == "mfcc") {
      c.flops += r * 2.0 * f.n_mels * f.n_mfcc;
      c.bytes += r * (f.n_mels + f.n_mfcc) * 4.0;
    }
  } else if (type == "chroma") {
    c.flops += r * (3 * bins + 2.0 * f.n_chroma * bins);
    c.bytes += r * bins * 4 * 2 + r * f.n_chroma * 4 * 3;  // power; chroma write, norm r+w
  }
  return c;
}

void run_cpu(const data::Dataset& ds, const std::vector<std::string>& types, int repeat) {
  std::vector<int> clips(ds.clips.size());
  for (size_t i = 0; i < clips.size(); ++i) clips[i] = int(i);
  const double audio_s = double(clips.size()) * ds.clip_samples / ds.sample_rate;
  for (const std::string& type : types) {
    if (!features::has_feature_stage(type)) {
      std::printf("cpu    %-8s not built into this binary (see framework/features/stage_list.h)\n",
                  type.c_str());
      continue;
    }
    features::FeaturePipeline p(feature(type), ds.sample_rate, Device::cpu());
    train::ComputeOptions opt;
    opt.batch_clips = 16;
    double best = 1e30;
    for (int k = 0; k < repeat; ++k) {
      const auto t0 = Clock::now();
      train::compute_features(ds, clips, p, opt);
      best = std::min(best, seconds_since(t0));
    }
    std::printf("cpu    %-8s %10.1f audio-s/s  (%zu clips in %.3f s, best of %d, %d threads)\n",
                type.c_str(), audio_s / best, clips.size(), best, repeat, omp_get_max_threads());
  }
}

#if MGR_WITH_CUDA
void run_cuda(const data::Dataset& ds, const std::vector<std::string>& types, int repeat,
              const std::vector<int64_t>& pass_frames) {
  const Device dev = Device::cuda(0);
  cuda::DeviceGuard g(0);
  cudaDeviceProp prop{};
  MGR_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
  int clock_khz = 0;
  MGR_CUDA_CHECK(cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, 0));
  const double peak = double(prop.multiProcessorCount) * clock_khz * 1e3 * 128 * 2;
  // Copy bandwidth: a 1 GiB device-to-device copy reads and writes every byte.
  const size_t big = size_t(1) << 30;
  Tensor src = Tensor::zeros({int64_t(big / 4)}, DType::F32, dev);
  Tensor dst = Tensor::empty({int64_t(big / 4)}, DType::F32, dev);
  cudaStream_t st = cuda::stream(0);
  cudaEvent_t e0, e1;
  MGR_CUDA_CHECK(cudaEventCreate(&e0));
  MGR_CUDA_CHECK(cudaEventCreate(&e1));
  float best_ms = 1e30f;
  for (int k = 0; k < 5; ++k) {
    MGR_CUDA_CHECK(cudaEventRecord(e0, st));
    MGR_CUDA_CHECK(cudaMemcpyAsync(dst.raw(), src.raw(), big, cudaMemcpyDeviceToDevice, st));
    MGR_CUDA_CHECK(cudaEventRecord(e1, st));
    MGR_CUDA_CHECK(cudaEventSynchronize(e1));
    float ms = 0;
    MGR_CUDA_CHECK(cudaEventElapsedTime(&ms, e0, e1));
    best_ms = std::min(best_ms, ms);
  }
  src = Tensor(), dst = Tensor();
  const double copy_bw = 2.0 * big / (best_ms * 1e-3);
  std::printf("gpu    %s: %d SMs, %.0f MHz, peak FP32 %.1f TFLOP/s, D2D copy %.0f GB/s\n",
              prop.name, prop.multiProcessorCount, clock_khz / 1e3, peak / 1e12, copy_bw / 1e9);

  // Device-resident audio in batches of 256 clips.
  const int64_t n = int64_t(ds.clips.size()), s = ds.clip_samples, batch = 256;
  std::vector<Tensor> batches;
  for (int64_t b0 = 0; b0 < n; b0 += batch) {
    const int64_t b = std::min(batch, n - b0);
    Tensor h = Tensor::empty({b, s});
    std::vector<int> idx;
    for (int64_t i = 0; i < b; ++i) idx.push_back(int(b0 + i));
    data::gather_clips(ds, idx, h.f32());
    batches.push_back(h.to(dev));
  }
  std::vector<int> all(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) all[size_t(i)] = int(i);
  const double audio_s = double(n) * s / ds.sample_rate;
  for (const std::string& type : types) {
    if (!features::has_feature_stage(type)) {
      std::printf("gpu    %-8s not built into this binary\n", type.c_str());
      continue;
    }
    // One timing per cuFFT pass size (fft_pass.h): whole-batch passes vs L2-sized ones.
    for (const int64_t pf : pass_frames) {
      features::set_cuda_pass_frames(pf);
      features::FeaturePipeline p(feature(type), ds.sample_rate, dev);
      for (const Tensor& b : batches) p(b);  // warm-up: plans, workspaces, allocator
      cuda::synchronize(0);
      double best = 1e30;
      for (int k = 0; k < repeat; ++k) {
        const auto t0 = Clock::now();
        for (const Tensor& b : batches) p(b);
        cuda::synchronize(0);
        best = std::min(best, seconds_since(t0));
      }
      const int64_t frames = p.output_shape(s).back();
      const Cost c = cost(type, n, s, frames, p.config(), ds.sample_rate);
      // Two floors: the (each input read once, each output written once; FFT and mel
      // FLOPs at peak FP32) and our chain's (every intermediate it materialises moved once).
      const double floor = std::max(c.min_bytes / copy_bw, c.flops / peak);
      const double chain_floor = std::max(c.bytes / copy_bw, c.flops / peak);
      std::printf(
          "gpu    %-8s %10.1f audio-s/s  device-resident, pass %lld frames: %.4f s, %.0f GB/s of "
          "chain traffic (%.0f%% of copy), %.1f GFLOP/s\n"
          "gpu    %-8s floor %.4f s (%s-bound: %.2f GB, %.1f GFLOP), time/floor %.2f; chain "
          "floor %.4f s (%.2f GB), time/chain floor %.2f\n",
          type.c_str(), audio_s / best, (long long)features::cuda_pass_frames(2048), best,
          c.bytes / best / 1e9, 100 * c.bytes / best / copy_bw, c.flops / best / 1e9, type.c_str(),
          floor, c.min_bytes / copy_bw > c.flops / peak ? "memory" : "compute", c.min_bytes / 1e9,
          c.flops / 1e9, best / floor, chain_floor, c.bytes / 1e9, best / chain_floor);
    }
    features::set_cuda_pass_frames(0);
    for (const char* upload : {"float32", "int16"}) {
      config::FeatureConfig f = feature(type);
      f.upload = upload;
      features::FeaturePipeline q(f, ds.sample_rate, dev);
      train::compute_features(ds, all, q);  // warm-up
      double t = 1e30;
      for (int k = 0; k < repeat; ++k) {
        const auto t0 = Clock::now();
        train::compute_features(ds, all, q);
        cuda::synchronize(0);
        t = std::min(t, seconds_since(t0));
      }
      std::printf("gpu    %-8s %10.1f audio-s/s  from host, %s upload overlapped: %.3f s\n",
                  type.c_str(), audio_s / t, upload, t);
    }
  }
  cudaEventDestroy(e0);
  cudaEventDestroy(e1);
}
#endif

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mgr: feature-suite benchmark (log-mel, MFCC, chroma)"};
  int64_t clips = 1000, cpu_clips = 40;
  double seconds = 30;
  int repeat = 3;
  std::string device = "all";
  std::vector<int64_t> pass_frames = {0};
  app.add_option("--clips", clips, "clips on the GPU (1000 in the issue's workload)");
  app.add_option("--cpu-clips", cpu_clips, "clips on the CPU (the rate is per clip)");
  app.add_option("--seconds", seconds, "clip length (s)");
  app.add_option("--repeat", repeat, "timed repetitions (best is reported)");
  app.add_option("--device", device, "all | cpu | cuda");
  app.add_option("--pass-frames", pass_frames,
                 "GPU: frames per cuFFT pass to time, e.g. 0 1292 2584 (0: the default, 8192 at "
                 "n_fft 2048); rounded down to whole clips")
      ->delimiter(',');
  CLI11_PARSE(app, argc, argv);
  try {
    const int sr = 22050;
    const auto samples = int64_t(std::llround(seconds * sr));
    const std::vector<std::string> types = {"log_mel", "mfcc", "chroma"};
    std::printf("workload: %lld clips x %.0f s at %d Hz (CPU: %lld clips)\n", (long long)clips,
                seconds, sr, (long long)cpu_clips);
    if (device == "all" || device == "cpu")
      run_cpu(synth_dataset(cpu_clips, samples, sr), types, repeat);
#if MGR_WITH_CUDA
    if ((device == "all" || device == "cuda") && cuda_device_count() > 0)
      run_cuda(synth_dataset(clips, samples, sr), types, repeat, pass_frames);
    else if (device == "cuda")
      std::printf("gpu    no CUDA device\n");
#endif
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_features: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
