#include "kernels/cpu/griffin_lim.h"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "kernels/error.h"
#include "kernels/shared/mel_inversion.h"

namespace mgr::kernels::cpu {

namespace {

// Rows one batched FFT plan covers (RealFft / RealIfft default): the unit of parallel work,
// handed out dynamically: on a machine shared with other jobs a static split waits at every
// barrier for whichever thread was descheduled.
constexpr int kChunk = 16;
// Output samples one thread overlap-adds at a time (256 KiB of floats, in L2). A frame on a
// block boundary is inverted twice: n_fft / hop - 1 frames per 128 at the defaults.
constexpr int64_t kOlaBlock = 65536;

struct FftwDeleter {
  void operator()(float* p) const { RealFft::free(p); }
};
using FftwBuffer = std::unique_ptr<float[], FftwDeleter>;

FftwBuffer fftw_buffer(int64_t floats) { return FftwBuffer(RealFft::alloc(floats)); }

// Per-thread scratch of one call: a chunk's spectrum and its frames, allocated once per call
// (not per parallel region: buffers this size are mmap'ed, and unmapping them every iteration
// costs page faults and, with two threads, TLB shootdowns between the cores).
struct ChunkBuffers {
  std::vector<FftwBuffer> spec, frames;
  explicit ChunkBuffers(int n_fft) {
    const int threads = omp_get_max_threads();
    for (int t = 0; t < threads; ++t) {
      spec.push_back(fftw_buffer(int64_t(kChunk) * 2 * (n_fft / 2 + 1)));
      frames.push_back(fftw_buffer(int64_t(kChunk) * n_fft));
    }
  }
  float* spec_of_thread() { return spec[size_t(omp_get_thread_num())].get(); }
  float* frames_of_thread() { return frames[size_t(omp_get_thread_num())].get(); }
};

void check_shape(const IstftShape& s) {
  MGR_CHECK(s.clips >= 0 && s.frames >= 1 && s.n_fft >= 2 && s.hop >= 1 && s.length >= 0,
            "istft: bad shape (clips " << s.clips << ", frames " << s.frames << ", n_fft "
                                       << s.n_fft << ", hop " << s.hop << ", length " << s.length
                                       << ")");
}

void istft_with(float* audio, const float* spec, const IstftShape& s, const float* window,
                const float* window_sum, const RealIfft& ifft, ChunkBuffers& scratch) {
  const int bins = s.n_fft / 2 + 1;
  const float inv_n = 1.f / float(s.n_fft);
  const int64_t off = s.offset();
  const int64_t covered = std::min<int64_t>(s.length, s.padded() - off);  // samples with frames
  const int64_t blocks = (covered + kOlaBlock - 1) / kOlaBlock;
  // By output blocks, one thread each: the frames covering the block are inverted 16 at a time
  // into the thread's buffers (in cache; a frame on a block boundary is inverted by both
  // blocks) and added in ascending frame order, contiguous and vectorised. That is the order of
  // istft_sample's per-sample sum, so the CUDA gather gives the same bits.
#pragma omp parallel
  {
    float* chunk_spec = scratch.spec_of_thread();
    float* chunk_frames = scratch.frames_of_thread();
#pragma omp for schedule(dynamic)
    for (int64_t i = 0; i < s.clips * blocks; ++i) {
      const int64_t c = i / blocks;
      float* __restrict out = audio + c * s.length;
      const int64_t q0 = (i % blocks) * kOlaBlock + off;  // padded coordinates
      const int64_t q1 = std::min(q0 + kOlaBlock, covered + off);
      for (int64_t q = q0; q < q1; ++q) out[q - off] = 0.f;
      const int64_t t0 = q0 - s.n_fft + 1 <= 0 ? 0 : (q0 - s.n_fft + s.hop) / s.hop;
      const int64_t t1 = std::min<int64_t>((q1 - 1) / s.hop, s.frames - 1);
      for (int64_t tc = t0; tc <= t1; tc += kChunk) {
        const int count = int(std::min<int64_t>(kChunk, t1 - tc + 1));
        // FFTW's c2r overwrites its input: invert a copy, the spectrum is read again.
        std::copy(spec + (c * s.frames + tc) * 2 * bins,
                  spec + (c * s.frames + tc + count) * 2 * bins, chunk_spec);
        ifft.inverse(chunk_spec, chunk_frames, count);
        for (int r = 0; r < count; ++r) {
          const int64_t start = (tc + r) * s.hop;
          const int64_t j0 = std::max<int64_t>(0, q0 - start);
          const int64_t j1 = std::min<int64_t>(s.n_fft, q1 - start);
          const float* __restrict f = chunk_frames + int64_t(r) * s.n_fft;
          const int64_t base = start - off;  // where the frame's sample 0 lands in the output
          for (int64_t j = j0; j < j1; ++j)
            out[base + j] = fadd(out[base + j], ola_term(f[j], inv_n, window[j]));
        }
      }
      for (int64_t q = q0; q < q1; ++q) out[q - off] = istft_normalise(out[q - off], window_sum[q]);
    }
  }
  // Past the overlap-added signal (a `length` longer than it): zeros, as librosa pads.
  if (covered < s.length)
    for (int64_t c = 0; c < s.clips; ++c)
      std::fill(audio + c * s.length + covered, audio + (c + 1) * s.length, 0.f);
}

}  // namespace

void istft(float* audio, const float* spec, const IstftShape& s, const float* window,
           const float* window_sum, const RealIfft& ifft) {
  check_shape(s);
  ChunkBuffers scratch(s.n_fft);
  istft_with(audio, spec, s, window, window_sum, ifft, scratch);
}

void griffin_lim(float* audio, const float* magnitude, const float* init_phase, const IstftShape& s,
                 const float* window, const float* window_sum, int n_iter, float momentum,
                 const RealFft& fft, const RealIfft& ifft,
                 const std::function<void(int)>& progress) {
  check_shape(s);
  MGR_CHECK(fft.n() == s.n_fft && ifft.n() == s.n_fft, "griffin_lim: FFT plans of length "
                                                           << fft.n() << " / " << ifft.n()
                                                           << " for n_fft " << s.n_fft);
  const int bins = s.n_fft / 2 + 1;
  const int64_t rows = s.clips * s.frames;
  if (rows == 0) return;
  FftwBuffer angles = fftw_buffer(rows * 2 * bins);
  FftwBuffer tprev = fftw_buffer(rows * 2 * bins);
  ChunkBuffers scratch(s.n_fft);
  const int64_t values = rows * bins;
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < values; ++i) {
    griffin_lim_init(angles.get() + 2 * i, init_phase ? init_phase + 2 * i : nullptr, magnitude[i]);
    tprev[2 * i] = 0.f;
    tprev[2 * i + 1] = 0.f;
  }
  // numpy multiplies the complex64 tprev by the Python float momentum / (1 + momentum) in
  // float32 (a Python scalar does not widen the array's type).
  const float beta = static_cast<float>(double(momentum) / (1.0 + double(momentum)));
  const int64_t chunks_per_clip = (s.frames + kChunk - 1) / kChunk;
  for (int it = 0; it < n_iter; ++it) {
    istft_with(audio, angles.get(), s, window, window_sum, ifft, scratch);
    const float b = it == 0 ? 0.f : beta;
#pragma omp parallel
    {
      // Per thread: one chunk's windowed frames and their spectrum, kept in cache from the
      // framing through the FFT to the update.
      float* chunk_frames = scratch.frames_of_thread();
      float* chunk_spec = scratch.spec_of_thread();
#pragma omp for schedule(dynamic)
      for (int64_t c = 0; c < s.clips * chunks_per_clip; ++c) {
        const int64_t clip = c / chunks_per_clip;
        const int first = int(c % chunks_per_clip) * kChunk;
        const int count = std::min(kChunk, s.frames - first);
        frame_rows(chunk_frames, audio + clip * s.length, s.length, first, count, s.n_fft, s.hop,
                   window, s.center, s.reflect);
        fft.forward(chunk_frames, chunk_spec, count);
        const int64_t base = (clip * s.frames + first) * int64_t(bins);
        const int64_t n = int64_t(count) * bins;
        float* a = angles.get() + 2 * base;
        float* tp = tprev.get() + 2 * base;
        const float* mag = magnitude + base;
        const float* reb = chunk_spec;
        for (int64_t i = 0; i < n; ++i)
          griffin_lim_update(a + 2 * i, tp + 2 * i, reb + 2 * i, mag[i], b);
      }
    }
    if (progress) progress(it + 1);
  }
  istft_with(audio, angles.get(), s, window, window_sum, ifft, scratch);
}

}  // namespace mgr::kernels::cpu
