// The shared CPU driver of every STFT-based stage: frames a batch of clips in chunks of 32
// frames (32 frames of n_fft 2048 are ~0.5 MiB of frames + spectrum: they stay in L2), runs the
// batched FFT and |X|^power, and hands each chunk's [count, bins] power rows to `consume`
// (b, first frame t0, count, power). Chunks run in parallel over OpenMP threads.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/cpu/stft.h"

namespace mgr::kernels::cpu {

template <typename Consume>
void for_each_power_chunk(const float* audio, int64_t batch, int64_t num_samples, int num_frames,
                          int hop, const float* window, bool center, bool reflect, float power,
                          const RealFft& fft, Consume&& consume) {
  constexpr int kChunk = 32;
  const int n_fft = fft.n();
  const int bins = fft.bins();
  const int64_t chunks_per_clip = (num_frames + kChunk - 1) / kChunk;
  const int64_t items = batch * chunks_per_clip;
  struct Scratch {
    float* frames = nullptr;
    float* spec = nullptr;
    float* pw = nullptr;
    Scratch() = default;
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    ~Scratch() {
      RealFft::free(frames);
      RealFft::free(spec);
      RealFft::free(pw);
    }
  };
  // Allocated before the parallel region: an allocation failure throws here, not inside OpenMP
  // (where an exception would terminate the program).
  const int threads = int(std::min<int64_t>(omp_get_max_threads(), std::max<int64_t>(items, 1)));
  std::vector<Scratch> scratch(threads);
  for (Scratch& s : scratch) {
    s.frames = RealFft::alloc(int64_t(kChunk) * n_fft);
    s.spec = RealFft::alloc(int64_t(kChunk) * bins * 2);
    s.pw = RealFft::alloc(int64_t(kChunk) * bins);
  }
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (int64_t item = 0; item < items; ++item) {
    Scratch& s = scratch[omp_get_thread_num()];
    const int64_t b = item / chunks_per_clip;
    const int t0 = int((item % chunks_per_clip) * kChunk);
    const int count = std::min(kChunk, num_frames - t0);
    frame_rows(s.frames, audio + b * num_samples, num_samples, t0, count, n_fft, hop, window,
               center, reflect);
    fft.forward(s.frames, s.spec, count);
    power_spectrum(s.pw, s.spec, int64_t(count) * bins, power);
    consume(b, t0, count, static_cast<const float*>(s.pw));
  }
}

}  // namespace mgr::kernels::cpu
