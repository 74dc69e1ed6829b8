// The pitch histogram's arithmetic (docs/features.md, "Pitch histogram"), written once for both
// devices: the CPU twin (kernels/cpu/pitch_histogram.cpp) and the CUDA kernels
// (kernels/cuda/pitch_histogram.cu) call these per clip, per spectrum bin and per frame; only the
// thread mapping and the FFTs (FFTW / cuFFT) are their own. Every step is rounded to nearest
// (dadd, fmul, ...; no FMA), so the two devices differ only where powf or log2 does (an ulp)
// and where the FFT libraries round differently.
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/shared/host_device.h"

namespace mgr::kernels::pitch {

constexpr int kPeaksPerFrame = 3;  // Tzanetakis & Cook: the three dominant SACF peaks per frame
constexpr int kNotes = 128;        // unfolded histogram: MIDI notes 0..127
constexpr int kClasses = 12;       // folded histogram: pitch classes on the circle of fifths
constexpr int kSummary = 5;        // FA0, UP0, FP0, IPO1, SU0
constexpr int kFull = kSummary + kClasses + kNotes;

// A second-order section y = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2) x.
struct Biquad {
  double b0, b1, b2, a1, a2;
};

// Autocorrelation lags searched for peaks: [lag_min, lag_max]; the search reads lag_min - 1 and
// lag_max + 1 too (local maximum, parabolic interpolation), so 1 <= lag_min and
// lag_max + 1 <= n_fft / 2.
struct Lags {
  int lag_min, lag_max;
};

// The rectified high band of one clip: y = max(0, biquad(x)), scipy.signal.lfilter's direct form
// II transposed from a zero state, in double (the poles sit close to 1 at 1 kHz / 22 kHz).
// Sequential over the clip: one thread per clip on the GPU.
MGR_HOST_DEVICE inline void highpass_rectify(float* y, const float* x, int64_t n, Biquad q) {
  double z1 = 0, z2 = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double xi = x[i];
    const double yi = dadd(dmul(q.b0, xi), z1);
    z1 = dsub(dadd(dmul(q.b1, xi), z2), dmul(q.a1, yi));
    z2 = dsub(dmul(q.b2, xi), dmul(q.a2, yi));
    y[i] = yi > 0 ? to_float(yi) : 0.f;
  }
}

// One bin of the summary spectrum whose inverse transform is the SACF: both bands' power
// compressed to |X|^k (half_k = k / 2) and low-passed by the weight w = |H_lp(f)|^k.
MGR_HOST_DEVICE inline float sacf_bin(float p_low, float p_high, float w, float half_k) {
  const float a = half_k == 1.f ? p_low : powf(p_low, half_k);
  const float b = half_k == 1.f ? p_high : powf(p_high, half_k);
  return fmul(w, fadd(a, b));
}

// The bin of a real, even sequence of length n whose entry j is: min(j, n - j). The forward
// transform of the even extension of a spectrum C is sum_f C[f] cos(2 pi f tau / n), which is n
// times the inverse transform (numpy.fft.irfft): the SACF from a forward FFT.
MGR_HOST_DEVICE inline int even_bin(int j, int n) { return j <= n - j ? j : n - j; }

// The SACF at lag tau, normalised by lag 0 (r0 > 0), from the forward transform's interleaved
// complex output (the real part is the autocorrelation; the imaginary part is 0 up to rounding).
MGR_HOST_DEVICE inline float normalised_ac(const float* spec, int tau, float r0) {
  return fdiv(spec[2 * tau], r0);
}

MGR_HOST_DEVICE inline float positive(float v) { return v > 0.f ? v : 0.f; }

// Tolonen & Karjalainen's enhanced SACF at lag tau: the SACF clipped to positive values minus
// itself stretched in time by 2 (lag tau / 2, linear interpolation between lags for odd tau),
// clipped to positive again. Without enhancement the normalised SACF itself.
MGR_HOST_DEVICE inline float enhanced_ac(const float* spec, int tau, float r0, bool enhance) {
  const float r = normalised_ac(spec, tau, r0);
  if (!enhance) return r;
  const float half = tau % 2 == 0
                         ? positive(normalised_ac(spec, tau / 2, r0))
                         : fmul(0.5f, fadd(positive(normalised_ac(spec, (tau - 1) / 2, r0)),
                                           positive(normalised_ac(spec, (tau + 1) / 2, r0))));
  return positive(fsub(positive(r), half));
}

// The MIDI note bin of a peak at integer lag tau with neighbours a = v[tau - 1], b = v[tau],
// c = v[tau + 1] (b > a, b >= c): the parabola's vertex tau + 0.5 (a - c) / (a - 2b + c) is the
// period, n = 12 log2(sr / (period 440)) + 69, rounded half up.
MGR_HOST_DEVICE inline int peak_note(int tau, float a, float b, float c, double sample_rate) {
  const double den = dadd(dsub(double(a), dmul(2.0, double(b))), double(c));
  const double delta = ddiv(dmul(0.5, dsub(double(a), double(c))), den);
  const double period = dadd(double(tau), delta);
  const double n = dadd(dmul(12.0, log2(ddiv(sample_rate, dmul(period, 440.0)))), 69.0);
  return static_cast<int>(floor(dadd(n, 0.5)));
}

// The up to kPeaksPerFrame largest local maxima of one frame's (enhanced) SACF within the lag
// range: v[tau] > v[tau - 1], v[tau] >= v[tau + 1], v[tau] > 0; larger values first, equal
// values by increasing lag. Writes their MIDI notes and heights; unused slots, and peaks whose
// note falls outside 0..127, get note -1 and height 0. A frame whose SACF has r[0] <= 0
// (silence) has no peaks.
MGR_HOST_DEVICE inline void frame_peaks(int32_t* notes, float* heights, const float* spec,
                                        Lags lags, bool enhance, double sample_rate) {
  int best_tau[kPeaksPerFrame];
  float best_v[kPeaksPerFrame];
  int found = 0;
  const float r0 = spec[0];
  if (r0 > 0.f) {
    float prev = enhanced_ac(spec, lags.lag_min - 1, r0, enhance);
    float cur = enhanced_ac(spec, lags.lag_min, r0, enhance);
    for (int tau = lags.lag_min; tau <= lags.lag_max; ++tau) {
      const float next = enhanced_ac(spec, tau + 1, r0, enhance);
      if (cur > prev && cur >= next && cur > 0.f) {
        // Insertion into the sorted top list; a later lag passes only a strictly larger value.
        int pos = found < kPeaksPerFrame ? found : kPeaksPerFrame;
        while (pos > 0 && cur > best_v[pos - 1]) --pos;
        if (pos < kPeaksPerFrame) {
          const int last = found < kPeaksPerFrame ? found : kPeaksPerFrame - 1;
          for (int j = last; j > pos; --j) best_v[j] = best_v[j - 1], best_tau[j] = best_tau[j - 1];
          best_v[pos] = cur;
          best_tau[pos] = tau;
          if (found < kPeaksPerFrame) ++found;
        }
      }
      prev = cur;
      cur = next;
    }
  }
  for (int i = 0; i < kPeaksPerFrame; ++i) {
    notes[i] = -1;
    heights[i] = 0.f;
    if (i >= found) continue;
    const int tau = best_tau[i];
    const int note = peak_note(tau, enhanced_ac(spec, tau - 1, r0, enhance), best_v[i],
                               enhanced_ac(spec, tau + 1, r0, enhance), sample_rate);
    if (note < 0 || note >= kNotes) continue;
    notes[i] = note;
    heights[i] = best_v[i];
  }
}

// A clip's raw unfolded histogram: hist[m] = the sum of the heights of its frames' peaks at note
// m, accumulated in frame order (count = frames * kPeaksPerFrame entries).
MGR_HOST_DEVICE inline void clip_histogram(double* hist, const int32_t* notes, const float* heights,
                                           int64_t count) {
  for (int m = 0; m < kNotes; ++m) hist[m] = 0;
  for (int64_t i = 0; i < count; ++i)
    if (notes[i] >= 0) hist[notes[i]] = dadd(hist[notes[i]], double(heights[i]));
}

// Position of MIDI note m's pitch class on the circle of fifths: (7 (m mod 12)) mod 12.
MGR_HOST_DEVICE inline int fifths_class(int m) { return (7 * (m % kClasses)) % kClasses; }

// The clip vector from the raw histogram of a clip of `frames` frames: U = hist / frames, F its
// folding onto the circle of fifths, SU0 = sum U;
//   out[0] FA0  = max F / SU0            out[1] UP0 = argmax U (MIDI note)
//   out[2] FP0  = argmax F (fifths pos.) out[3] IPO1 = (second argmax F - FP0) wrapped to -5..6
//   out[4] SU0
// and with `full` F / SU0 [12] and U / SU0 [128] after them. Ties go to the lower index; IPO1 is
// 0 when a single pitch class was detected. An empty histogram (silence) gives zeros throughout.
MGR_HOST_DEVICE inline void clip_features(float* out, const double* hist, int frames, bool full) {
  double folded[kClasses];
  for (int c = 0; c < kClasses; ++c) folded[c] = 0;
  double sum = 0, top_u = 0;
  int up0 = 0;
  for (int m = 0; m < kNotes; ++m) {
    const double u = ddiv(hist[m], double(frames));
    sum = dadd(sum, u);
    folded[fifths_class(m)] = dadd(folded[fifths_class(m)], u);
    if (u > top_u) top_u = u, up0 = m;
  }
  int fp0 = 0, second = -1;
  for (int c = 1; c < kClasses; ++c)
    if (folded[c] > folded[fp0]) fp0 = c;
  for (int c = 0; c < kClasses; ++c)
    if (c != fp0 && folded[c] > 0 && (second < 0 || folded[c] > folded[second])) second = c;
  int ipo1 = 0;
  if (second >= 0) {
    ipo1 = (second - fp0 + kClasses) % kClasses;
    if (ipo1 > kClasses / 2) ipo1 -= kClasses;
  }
  const bool any = sum > 0;
  out[0] = any ? to_float(ddiv(folded[fp0], sum)) : 0.f;
  out[1] = any ? float(up0) : 0.f;
  out[2] = any ? float(fp0) : 0.f;
  out[3] = float(ipo1);
  out[4] = to_float(sum);
  if (!full) return;
  for (int c = 0; c < kClasses; ++c) out[kSummary + c] = any ? to_float(ddiv(folded[c], sum)) : 0.f;
  for (int m = 0; m < kNotes; ++m)
    out[kSummary + kClasses + m] = any ? to_float(ddiv(ddiv(hist[m], double(frames)), sum)) : 0.f;
}

}  // namespace mgr::kernels::pitch
