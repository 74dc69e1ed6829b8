// Griffin-Lim iterations per second for one clip (default: 30 s of synthetic audio at 22050 Hz,
// n_fft 2048, hop 512: 1,292 frames), on the CPU twin with 1 thread and with OMP_NUM_THREADS,
// and on CUDA when a GPU is present (cudaEvents after a warm-up). The magnitude inverted is the
// clip's own |STFT|. Also times the mel -> linear step (pseudo-inverse + refinement) and prints
// the spectral convergence reached, so a faster run cannot hide a wrong one.
//   bench_griffinlim [--audio FILE | --seconds 30] [--n-iter 32] [--repeat 3] [--save-clip F.wav]
// scripts/bench/run_griffinlim_benchmark.sh runs it beside librosa's griffinlim on the same clip
// (scripts/bench/librosa_griffinlim.py) and prints the ratio.
#include <omp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "framework/data/audio_io.h"
#include "framework/features/log_mel.h"
#include "framework/features/mel_inversion.h"
#include "framework/features/stft.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#endif

namespace {

using mgr::Device;
using mgr::Tensor;
namespace F = mgr::features;

// A sweep, two tones and a little noise (deterministic), written to 16-bit WAV by --save-clip
// so that librosa reads exactly the samples timed here.
std::vector<float> synth_clip(int64_t samples, int sr) {
  std::vector<float> a(static_cast<size_t>(samples));
  uint32_t state = 12345;
  for (int64_t i = 0; i < samples; ++i) {
    const double t = double(i) / sr;
    state = state * 1664525u + 1013904223u;
    const double noise = (double(state >> 8) / double(1 << 24) - 0.5) * 0.02;
    a[size_t(i)] = float(0.3 * std::sin(2 * M_PI * 220 * t) +
                         0.2 * std::sin(2 * M_PI * (100 + 200 * t) * t) + noise);
  }
  return a;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <class F>
std::vector<double> time_runs(int repeat, F&& f) {
  f();  // warm-up: FFTW / cuFFT plans, page faults, allocator blocks
  std::vector<double> secs;
  for (int r = 0; r < repeat; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    secs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return secs;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Griffin-Lim iterations per second for one clip (mel inversion benchmark)"};
  std::string audio_file, save_clip, device = "all";
  double seconds = 30;
  int repeat = 3;
  F::MelInversionParams p;
  app.add_option("--audio", audio_file, "a clip to invert (decoded to mono at 22050 Hz)");
  app.add_option("--seconds", seconds, "length of the synthetic clip (without --audio)")
      ->check(CLI::Range(0.5, 600.0));
  app.add_option("--save-clip", save_clip, "write the clip timed to this WAV (16-bit) and go on");
  app.add_option("--n-iter", p.n_iter, "Griffin-Lim iterations per run")
      ->check(CLI::Range(1, 10000));
  app.add_option("--repeat", repeat, "timed runs after one warm-up")->check(CLI::Range(1, 100));
  app.add_option("--n-fft", p.mel.n_fft, "FFT size");
  app.add_option("--hop", p.mel.hop_length, "hop length");
  app.add_option("--device", device, "cpu | cuda | all (cuda only when a GPU is present)")
      ->check(CLI::IsMember({"cpu", "cuda", "all"}));
  CLI11_PARSE(app, argc, argv);

  try {
    p.init = "random";
    p.validate();
    const int sr = p.mel.sample_rate;
    std::vector<float> clip = audio_file.empty()
                                  ? synth_clip(static_cast<int64_t>(std::llround(seconds * sr)), sr)
                                  : mgr::data::load_audio(audio_file, sr);
    if (!save_clip.empty()) {
      mgr::data::write_wav(save_clip, clip, sr);
      clip = mgr::data::load_audio(save_clip, sr);  // the 16-bit samples librosa will read
    }
    const auto n = int64_t(clip.size());
    const Tensor audio = Tensor::from_vector(clip, {1, n});
    const Tensor mag = F::StftExtractor(F::StftParams::of_framing(p.mel), Device::cpu())(
        audio, F::StftOutput::Magnitude);
    const int frames = int(mag.dim(2));
    const int threads = omp_get_max_threads();
    std::printf(
        "workload: %.2f s clip (%lld samples) at %d Hz, n_fft %d, hop %d: %d frames; "
        "%d Griffin-Lim iterations, momentum %.2f, random init; OMP threads %d\n",
        double(n) / sr, static_cast<long long>(n), sr, p.mel.n_fft, p.mel.hop_length, frames,
        p.n_iter, p.momentum, threads);

    const auto report = [&](const char* what, const std::vector<double>& secs, double sc) {
      const double med = median(secs);
      std::printf(
          "%-14s griffinlim: %8.2f iterations/s (median of %zu runs: %.3f s for %d "
          "iterations + final istft); spectral convergence %.4f\n",
          what, p.n_iter / med, secs.size(), med, p.n_iter, sc);
    };

    if (device == "cpu" || device == "all") {
      F::MelInverter inv(p, Device::cpu());
      Tensor out;
      for (const int t : {1, threads}) {
        omp_set_num_threads(t);
        const auto secs = time_runs(repeat, [&] { out = inv.griffin_lim(mag); });
        const std::string label = "cpu " + std::to_string(t) + " thread" + (t > 1 ? "s" : "");
        report(label.c_str(), secs, F::spectral_convergence(out, mag, p.mel)[0]);
        if (threads == 1) break;
      }
      // mel -> linear alone, on the clip's mel power spectrogram.
      F::LogMelExtractor fwd(p.mel, Device::cpu());
      const Tensor mel = fwd.mel_spectrogram(audio);
      Tensor lin;
      const auto secs = time_runs(repeat, [&] { lin = inv.mel_to_stft(mel); });
      std::printf(
          "cpu %d threads mel_to_stft (pinv + %d refinement steps): %.3f s (median of "
          "%zu)\n",
          threads, p.nnls_iter, median(secs), secs.size());
    }

    if (device == "cuda" || (device == "all" && mgr::cuda_available())) {
#if MGR_WITH_CUDA
      MGR_CHECK(mgr::cuda_available(), "--device cuda: no usable CUDA device");
      const Device d = Device::cuda(0);
      F::MelInverter inv(p, d);
      const Tensor dmag = mag.to(d);
      Tensor out;
      const auto secs = time_runs(repeat, [&] {
        out = inv.griffin_lim(dmag);
        mgr::cuda::synchronize(0);
      });
      report("cuda", secs, F::spectral_convergence(out, dmag, p.mel)[0]);
#else
      MGR_FAIL("--device cuda: mgr was built without CUDA");
#endif
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_griffinlim: %s\n", e.what());
    return 1;
  }
  return 0;
}
