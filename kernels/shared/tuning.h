// librosa.estimate_tuning(S=power, sr, bins_per_octave=n_chroma) (librosa 0.11: piptrack with
// fmin 150, fmax 4000, threshold 0.1, ref np.max; the median of the peak magnitudes; a
// 0.01-wide histogram of the peaks' deviations from the equal-tempered grid, its argmax), the
// per-element arithmetic written once for the CPU twin (kernels/cpu/tuning.cpp) and the CUDA
// kernels (kernels/cuda/tuning.cu). Each step rounds where numpy / numba round:
// - np.gradient and 0.5 * avg * shift in float32; numba's parabolic stencil adds two float32
//   neighbours in float32, then finishes in float64 (`2 * x[0]` and `/ 2` promote), the shift
//   stored as float32;
// - the pitch (k + shift) * sr / n_fft in float64, stored as float32; the deviation
//   n_chroma * log2(pitch / 27.5) in float32 (log2 taken in double and rounded: the correctly
//   rounded float in all but pathological cases), np.mod 1, >= 0.5 wrapped to negative;
// - the histogram edges are np.linspace(-0.5, 0.5, 101): i * 0.01 - 0.5 in double, last 0.5.
#pragma once

#include <cstdint>

#include "kernels/shared/host_device.h"

namespace mgr::kernels::tuning {

constexpr int kBins = 100;       // histogram bins (resolution 0.01)
constexpr double kFmin = 150.0;  // piptrack defaults
constexpr double kFmax = 4000.0;
constexpr float kThreshold = 0.1f;  // 0.1 * max(S) per frame, float32 as numpy computes it

// Edge i of np.linspace(-0.5, 0.5, 101); the tuning estimate is the left edge of the peak bin.
MGR_HOST_DEVICE inline double edge(int i) {
  return i >= kBins ? 0.5 : dadd(dmul(double(i), 1.0 / kBins), -0.5);
}

// np.histogram's bin of a value in [-0.5, 0.5): the last i with edge(i) <= v.
MGR_HOST_DEVICE inline int bin_of(float v) {
  const double x = v;
  int g = static_cast<int>(floor((x + 0.5) * kBins));
  g = g < 0 ? 0 : (g > kBins - 1 ? kBins - 1 : g);
  while (g < kBins - 1 && edge(g + 1) <= x) ++g;
  while (g > 0 && edge(g) > x) --g;
  return g;
}

// Bins k with fmin <= f_k < fmax (f_k = k * (1 / (n_fft * (1 / sr))), numpy's rfftfreq),
// clipped to [0, bins): [*lo, *hi).
inline void peak_range(int sample_rate, int n_fft, int* lo, int* hi) {
  const double fmax = kFmax < sample_rate / 2.0 ? kFmax : sample_rate / 2.0;
  const double step = 1.0 / (n_fft * (1.0 / sample_rate));
  const int bins = n_fft / 2 + 1;
  *lo = bins;
  *hi = 0;
  for (int k = 0; k < bins; ++k) {
    const double f = k * step;
    if (f >= kFmin && f < fmax) {
      if (*lo > k) *lo = k;
      *hi = k + 1;
    }
  }
  if (*hi <= *lo) *lo = *hi = 0;
}

// piptrack's reference for one frame: 0.1 * max_k S_k (float32).
MGR_HOST_DEVICE inline float frame_ref(const float* s, int64_t stride, int bins) {
  float m = s[0];
  for (int k = 1; k < bins; ++k) m = s[k * stride] > m ? s[k * stride] : m;
  return fmul(kThreshold, m);
}

// One bin k of one frame (s = the frame's bin 0, stride between bins): whether piptrack keeps a
// peak there (a local maximum of S * (S > ref) along frequency, with pitch > 0), and if so its
// magnitude S_k + 0.5 * gradient * shift and its pitch (k + shift) * sr / n_fft. The caller
// restricts k to peak_range.
MGR_HOST_DEVICE inline bool peak(const float* s, int64_t stride, int k, int bins, float ref,
                                 int sample_rate, int n_fft, float* mag, float* pitch) {
  const float x0 = s[k * stride];
  const float xm = k > 0 ? s[(k - 1) * stride] : 0.f;
  const float xp = k + 1 < bins ? s[(k + 1) * stride] : 0.f;
  const float z0 = x0 > ref ? x0 : 0.f, zm = xm > ref ? xm : 0.f, zp = xp > ref ? xp : 0.f;
  bool is_max;
  if (k == 0 || bins < 2) {
    is_max = false;
  } else if (k == bins - 1) {
    is_max = z0 > zm;
  } else {
    is_max = z0 > zm && z0 >= zp;
  }
  if (!is_max) return false;
  float shift = 0.f, avg;
  if (k == bins - 1) {
    avg = fsub(x0, xm);
  } else {
    avg = fdiv(fsub(xp, xm), 2.f);
    const double a = dsub(double(fadd(xp, xm)), dmul(2.0, double(x0)));
    const double b = ddiv(double(fsub(xp, xm)), 2.0);
    if (fabs(b) < fabs(a)) shift = to_float(ddiv(-b, a));
  }
  const float p =
      to_float(ddiv(dmul(dadd(double(k), double(shift)), double(sample_rate)), double(n_fft)));
  if (!(p > 0.f)) return false;
  *pitch = p;
  *mag = fadd(x0, fmul(fmul(0.5f, avg), shift));
  return true;
}

// A peak's deviation from the equal-tempered grid in fractions of a chroma bin:
// np.mod(n_chroma * hz_to_octs(pitch), 1), values >= 0.5 moved down by 1: [-0.5, 0.5).
MGR_HOST_DEVICE inline float deviation(float pitch, int n_chroma) {
  const float octs = to_float(log2(double(fdiv(pitch, 27.5f))));
  const float r = fmul(float(n_chroma), octs);
  float d = fmodf(r, 1.f);  // np.mod: the result takes the divisor's sign
  if (d < 0.f) d = fadd(d, 1.f);
  if (d >= 0.5f) d = fsub(d, 1.f);
  return d;
}

// An order-preserving uint32 key of a float (radix selection of the median on the device).
MGR_HOST_DEVICE inline uint32_t order_key(uint32_t bits) {
  return (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
}

// np.median of the peak magnitudes given the middle order statistics: lo = element n/2 - 1 and
// hi = element n/2 of the sorted values (n even), or hi alone (n odd).
MGR_HOST_DEVICE inline float median_of(float lo, float hi, int64_t n) {
  return (n % 2 == 1) ? hi : fdiv(fadd(lo, hi), 2.f);
}

// The first maximum of the histogram (np.argmax).
MGR_HOST_DEVICE inline int argmax(const int* counts) {
  int best = 0;
  for (int i = 1; i < kBins; ++i)
    if (counts[i] > counts[best]) best = i;
  return best;
}

}  // namespace mgr::kernels::tuning
