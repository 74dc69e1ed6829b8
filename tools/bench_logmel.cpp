// Log-mel throughput in audio-seconds per second for a batch of synthetic clips, on the CPU
// twin (threads = OMP_NUM_THREADS) and, when a GPU is present, on CUDA (cudaEvents after a
// warm-up; the host-to-device upload is timed and reported separately).
//   bench_logmel --clips 64 --seconds 30 --repeat 5 --device all
// Compare with scripts/bench/torch_logmel.py (the same workload in torchaudio).
#include <omp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "framework/features/log_mel.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/check.h"
#endif

namespace {

using mgr::Device;
using mgr::Tensor;
using mgr::features::LogMelExtractor;
using mgr::features::LogMelParams;

// A sweep + tones + a little noise per clip (deterministic), so no stage sees trivial data.
Tensor synth_audio(int64_t clips, int64_t samples, int sr) {
  std::vector<float> a(size_t(clips * samples));
  uint32_t state = 12345;
#pragma omp parallel for schedule(static) firstprivate(state)
  for (int64_t b = 0; b < clips; ++b) {
    state = 12345u + uint32_t(b) * 7919u;
    for (int64_t i = 0; i < samples; ++i) {
      const double t = double(i) / sr;
      state = state * 1664525u + 1013904223u;
      const double noise = (double(state >> 8) / double(1 << 24) - 0.5) * 0.02;
      a[size_t(b * samples + i)] = float(0.3 * std::sin(2 * M_PI * (220 + 40 * b) * t) +
                                         0.2 * std::sin(2 * M_PI * (100 + 200 * t) * t) + noise);
    }
  }
  return Tensor::from_vector(a, {clips, samples});
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void report(const char* device, const std::vector<double>& secs, double audio_seconds) {
  const double med = median(secs);
  const double best = *std::min_element(secs.begin(), secs.end());
  std::printf(
      "%-6s log-mel: %10.1f audio-s/s (median of %zu: %.4f s per batch; best %.1f audio-s/s)\n",
      device, audio_seconds / med, secs.size(), med, audio_seconds / best);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Log-mel spectrogram throughput (audio-seconds per second)"};
  int clips = 64;
  double seconds = 30;
  int repeat = 5;
  std::string device = "all";
  LogMelParams p;
  app.add_option("--clips", clips, "clips per batch")->check(CLI::Range(1, 65535));
  app.add_option("--seconds", seconds, "seconds per clip")->check(CLI::Range(0.1, 3600.0));
  app.add_option("--repeat", repeat, "timed batches after one warm-up")->check(CLI::Range(1, 1000));
  app.add_option("--device", device, "cpu | cuda | all (cuda only when a GPU is present)")
      ->check(CLI::IsMember({"cpu", "cuda", "all"}));
  app.add_option("--n-fft", p.n_fft, "FFT size");
  app.add_option("--hop", p.hop_length, "hop length");
  app.add_option("--n-mels", p.n_mels, "mel bands");
  CLI11_PARSE(app, argc, argv);

  try {
    p.validate();
    const auto samples = static_cast<int64_t>(std::llround(seconds * p.sample_rate));
    const double audio_seconds = double(clips) * double(samples) / p.sample_rate;
    std::printf(
        "workload: %d clips x %.1f s at %d Hz, n_fft %d, hop %d, %d mels, power %.0f, "
        "slaney/slaney, top_db %.0f; OMP threads %d\n",
        clips, seconds, p.sample_rate, p.n_fft, p.hop_length, p.n_mels, p.power, p.top_db,
        omp_get_max_threads());
    Tensor audio = synth_audio(clips, samples, p.sample_rate);

    if (device == "cpu" || device == "all") {
      LogMelExtractor ex(p, Device::cpu());
      Tensor out = ex(audio);  // warm-up: FFTW planning, page faults
      std::vector<double> secs;
      for (int r = 0; r < repeat; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        out = ex(audio);
        secs.push_back(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      }
      report("cpu", secs, audio_seconds);
    }

    if (device == "cuda" || (device == "all" && mgr::cuda_available())) {
#if MGR_WITH_CUDA
      MGR_CHECK(mgr::cuda_available(), "--device cuda: no usable CUDA device");
      const Device d = Device::cuda(0);
      mgr::cuda::DeviceGuard g(0);
      cudaStream_t st = mgr::cuda::stream(0);
      cudaEvent_t e0, e1;
      MGR_CUDA_CHECK(cudaEventCreate(&e0));
      MGR_CUDA_CHECK(cudaEventCreate(&e1));
      LogMelExtractor ex(p, d);
      Tensor dev_audio = audio.to(d);
      Tensor out = ex(dev_audio);  // warm-up: cuFFT plans, allocator blocks
      mgr::cuda::synchronize(0);
      std::vector<double> up, secs;
      for (int r = 0; r < repeat; ++r) {
        MGR_CUDA_CHECK(cudaEventRecord(e0, st));
        dev_audio = audio.to(d);  // pageable host memory, as a loader would hand it over
        MGR_CUDA_CHECK(cudaEventRecord(e1, st));
        MGR_CUDA_CHECK(cudaEventSynchronize(e1));
        float ms = 0;
        MGR_CUDA_CHECK(cudaEventElapsedTime(&ms, e0, e1));
        up.push_back(ms / 1e3);
        MGR_CUDA_CHECK(cudaEventRecord(e0, st));
        out = ex(dev_audio);
        MGR_CUDA_CHECK(cudaEventRecord(e1, st));
        MGR_CUDA_CHECK(cudaEventSynchronize(e1));
        MGR_CUDA_CHECK(cudaEventElapsedTime(&ms, e0, e1));
        secs.push_back(ms / 1e3);
      }
      report("cuda", secs, audio_seconds);
      std::vector<double> both(secs.size());
      for (size_t i = 0; i < secs.size(); ++i) both[i] = secs[i] + up[i];
      std::printf(
          "cuda   upload:  %.4f s per batch (%.1f MB); log-mel incl. upload %.1f audio-s/s\n",
          median(up), double(audio.nbytes()) / 1e6, audio_seconds / median(both));
      MGR_CUDA_CHECK(cudaEventDestroy(e0));
      MGR_CUDA_CHECK(cudaEventDestroy(e1));
#else
      MGR_FAIL("--device cuda: mgr was built without CUDA");
#endif
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_logmel: %s\n", e.what());
    return 1;
  }
  return 0;
}
