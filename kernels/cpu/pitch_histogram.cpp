#include "kernels/cpu/pitch_histogram.h"

#include <omp.h>

#include <algorithm>
#include <vector>

namespace mgr::kernels::cpu {

// The arithmetic is kernels/shared/pitch_histogram.h, the CUDA kernels' as well.

void pitch_highband(float* out, const float* audio, int64_t clips, int64_t n, pitch::Biquad q) {
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < clips; ++b) pitch::highpass_rectify(out + b * n, audio + b * n, n, q);
}

void pitch_frame_peaks(int32_t* notes, float* heights, const float* p_low, const float* p_high,
                       int64_t clips, int frames, const float* weight, float half_k,
                       pitch::Lags lags, bool enhance, double sample_rate, const RealFft& fft) {
  // Work items of 32 frames of one clip: 32 rows of n_fft 2048 plus their spectra (~0.5 MiB)
  // stay in L2 between building, transforming and peak picking.
  constexpr int kChunk = 32;
  const int n_fft = fft.n();
  const int bins = fft.bins();
  const int64_t chunks_per_clip = (frames + kChunk - 1) / kChunk;
  const int64_t items = clips * chunks_per_clip;
  struct Scratch {
    float* rows = nullptr;
    float* spec = nullptr;
    Scratch() = default;
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    ~Scratch() {
      RealFft::free(rows);
      RealFft::free(spec);
    }
  };
  // Allocated before the parallel region, where an exception would terminate the program.
  const int threads = int(std::min<int64_t>(omp_get_max_threads(), std::max<int64_t>(items, 1)));
  std::vector<Scratch> scratch(threads);
  for (Scratch& s : scratch) {
    s.rows = RealFft::alloc(int64_t(kChunk) * n_fft);
    s.spec = RealFft::alloc(int64_t(kChunk) * bins * 2);
  }
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (int64_t item = 0; item < items; ++item) {
    Scratch& s = scratch[omp_get_thread_num()];
    const int64_t b = item / chunks_per_clip;
    const int t0 = int((item % chunks_per_clip) * kChunk);
    const int count = std::min(kChunk, frames - t0);
    const int64_t clip = b * bins * int64_t(frames);
    // Bin-major input: one pass over each bin's frames of the chunk, mirrored into the rows.
    for (int f = 0; f < bins; ++f) {
      const float* lo = p_low + clip + int64_t(f) * frames + t0;
      const float* hi = p_high + clip + int64_t(f) * frames + t0;
      const int mirror = n_fft - f;
      for (int c = 0; c < count; ++c) {
        const float v = pitch::sacf_bin(lo[c], hi[c], weight[f], half_k);
        float* row = s.rows + int64_t(c) * n_fft;
        row[f] = v;
        if (mirror > f && mirror < n_fft) row[mirror] = v;
      }
    }
    fft.forward(s.rows, s.spec, count);
    for (int c = 0; c < count; ++c) {
      const int64_t at = (b * frames + t0 + c) * pitch::kPeaksPerFrame;
      pitch::frame_peaks(notes + at, heights + at, s.spec + int64_t(c) * 2 * bins, lags, enhance,
                         sample_rate);
    }
  }
}

void pitch_clip_features(float* out, const int32_t* notes, const float* heights, int64_t clips,
                         int frames, bool full) {
  const int width = full ? pitch::kFull : pitch::kSummary;
  const int64_t per_clip = int64_t(frames) * pitch::kPeaksPerFrame;
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < clips; ++b) {
    double hist[pitch::kNotes];
    pitch::clip_histogram(hist, notes + b * per_clip, heights + b * per_clip, per_clip);
    pitch::clip_features(out + b * width, hist, frames, full);
  }
}

}  // namespace mgr::kernels::cpu
