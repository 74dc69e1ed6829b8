// Short-time Fourier transform reference kernels: framing with centre padding and a window,
// a batched real FFT (FFTW, float), and the power spectrum. Pointers + sizes only.
#pragma once

#include <cstdint>

namespace mgr::kernels::cpu {

// Frame t of clip b starts at sample t * hop - (center ? n_fft / 2 : 0). Samples outside
// [0, num_samples) are zero (reflect = false, numpy's "constant") or mirrored without repeating
// the edge sample (reflect = true, numpy's "reflect"; needs num_samples >= 2).
// frames: [batch * num_frames, n_fft], window: [n_fft] (already centred if shorter).
void frame_signal(float* frames, const float* audio, int64_t batch, int64_t num_samples,
                  int num_frames, int n_fft, int hop, const float* window, bool center,
                  bool reflect);

// Copies frames [first, first + count) of one clip (windowed) into rows of `out` [count, n_fft].
void frame_rows(float* out, const float* clip, int64_t num_samples, int first, int count, int n_fft,
                int hop, const float* window, bool center, bool reflect);

// Batched real-to-complex FFT of length n through FFTW plans. Plans live in a process-wide
// cache (planning is not thread-safe in FFTW, so it happens under a lock); execution is
// thread-safe, so one RealFft may be used from several OpenMP threads at once.
class RealFft {
 public:
  // rows_per_plan: how many transforms one batched plan (fftwf_plan_many_dft_r2c) covers.
  explicit RealFft(int n, int rows_per_plan = 16);
  int n() const { return n_; }
  int bins() const { return n_ / 2 + 1; }
  // in: [count, n] real, out: [count, n/2 + 1] interleaved complex (re, im). Both must come
  // from alloc() (FFTW's new-array execute requires the planner's alignment).
  void forward(const float* in, float* out, int64_t count) const;

  static float* alloc(int64_t floats);  // fftwf_malloc, throws on failure
  static void free(float* p);

 private:
  int n_;
  int rows_per_plan_;
  void* many_ = nullptr;    // fftwf_plan covering rows_per_plan_ transforms
  void* single_ = nullptr;  // fftwf_plan for the remainder, one transform at a time
};

// The batched complex-to-real inverse of RealFft (same plan cache, same alignment rules):
// out[r] = sum_k X_r[k] e^{+2 pi i k j / n}, unnormalised (numpy's irfft is this divided by n).
// The imaginary parts of the DC and Nyquist bins are ignored, as numpy's irfft does.
class RealIfft {
 public:
  explicit RealIfft(int n, int rows_per_plan = 16);
  int n() const { return n_; }
  int bins() const { return n_ / 2 + 1; }
  // in: [count, n/2 + 1] interleaved complex, DESTROYED (FFTW's c2r overwrites its input);
  // out: [count, n] real. Both from RealFft::alloc().
  void inverse(float* in, float* out, int64_t count) const;

 private:
  int n_;
  int rows_per_plan_;
  void* many_ = nullptr;
  void* single_ = nullptr;
};

// power[i] = |spec[i]|^p for count complex values (p = 2 avoids the square root).
void power_spectrum(float* power, const float* spec, int64_t count, float p);

}  // namespace mgr::kernels::cpu
