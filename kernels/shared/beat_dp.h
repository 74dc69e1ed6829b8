// Ellis' dynamic-programming beat tracker (librosa 0.11 librosa.beat.beat_track) for one clip,
// written once and compiled for both twins: the CPU reference (kernels/cpu/beat_track.cpp) and
// the CUDA kernels (kernels/cuda/beat_track.cu) call these functions verbatim. Plain loops, no
// std:: containers, scratch passed in as pointers, no recursion, and every floating-point
// operation spelled out with round-to-nearest intrinsics on the device (no FMA contraction; the
// host build targets baseline x86-64, which has no FMA), so both twins produce the same bits.
// Transcendentals are not evaluated here: exp and log values come from host-computed tables
// (kernels/cpu/beat_track.h), except log1p, which has a deterministic implementation below.
// docs/features.md ("Rhythm") lists librosa's quirks that these functions keep.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstdint>

#include "kernels/shared/host_device.h"

namespace mgr::kernels::beat_dp {

// Round-to-nearest arithmetic shared with the other twins (kernels/shared/host_device.h).
using kernels::dadd;
using kernels::ddiv;
using kernels::dmul;
using kernels::dsqrt;
using kernels::dsub;
using kernels::fadd;
using kernels::fdiv;
using kernels::fmul;
using kernels::fsqrt;
using kernels::fsub;
using kernels::to_float;

// ---- numpy's float32 summation and np.std ------------------------------------------------------

// numpy's pairwise summation of float32 (numpy/_core/src/umath/loops_utils.h.src), the order that
// np.sum / np.mean / np.std use along a contiguous float32 axis: runs of < 8 values are summed
// from 0, runs of <= 128 with 8 interleaved accumulators combined as ((r0+r1)+(r2+r3)) +
// ((r4+r5)+(r6+r7)) plus the remainder, longer runs are split at n/2 rounded down to a multiple
// of 8 and the two halves added. `v(i)` gives value i. numpy recurses; an explicit stack keeps
// device code free of recursion (each split at least halves the run: depth < 32 for any int n).
template <class Values>
MGR_HOST_DEVICE inline float pairwise_block(const Values& v, int off, int n) {
  if (n < 8) {
    float res = 0.f;
    for (int i = 0; i < n; ++i) res = fadd(res, v(off + i));
    return res;
  }
  float r[8];
  for (int j = 0; j < 8; ++j) r[j] = v(off + j);
  int i = 8;
  for (; i < n - n % 8; i += 8)
    for (int j = 0; j < 8; ++j) r[j] = fadd(r[j], v(off + i + j));
  float res =
      fadd(fadd(fadd(r[0], r[1]), fadd(r[2], r[3])), fadd(fadd(r[4], r[5]), fadd(r[6], r[7])));
  for (; i < n; ++i) res = fadd(res, v(off + i));
  return res;
}

MGR_HOST_DEVICE inline int pairwise_split(int n) {
  const int n2 = n / 2;
  return n2 - n2 % 8;
}

template <class Values>
MGR_HOST_DEVICE inline float pairwise_sum(const Values& v, int n) {
  int off[32], len[32], state[32];  // state: 0 new, 1 left half pending, 2 right half pending
  float left[32];
  int sp = 0;
  off[0] = 0, len[0] = n, state[0] = 0;
  float val = 0.f;
  bool have = false;  // val holds the finished sum of node sp
  for (;;) {
    if (!have) {
      if (len[sp] <= 128) {
        val = pairwise_block(v, off[sp], len[sp]);
        have = true;
      } else {
        state[sp] = 1;
        ++sp;
        off[sp] = off[sp - 1], len[sp] = pairwise_split(len[sp - 1]), state[sp] = 0;
        continue;
      }
    }
    if (sp == 0) return val;
    --sp;
    if (state[sp] == 1) {
      left[sp] = val;
      state[sp] = 2;
      const int n2 = pairwise_split(len[sp]);
      ++sp;
      off[sp] = off[sp - 1] + n2, len[sp] = len[sp - 1] - n2, state[sp] = 0;
      have = false;
    } else {
      val = fadd(left[sp], val);
    }
  }
}

struct F32Values {
  const float* x;
  MGR_HOST_DEVICE float operator()(int i) const { return x[i]; }
};

struct F32SquaredDeviation {
  const float* x;
  float mean;
  MGR_HOST_DEVICE float operator()(int i) const {
    const float d = fsub(x[i], mean);
    return fmul(d, d);
  }
};

// np.std(x, ddof=1) of float32 x (librosa's __normalize_onsets): float32 pairwise sums of x and of
// (x - mean)^2; numpy divides each float32 sum by its integer count in double (an integer scalar
// promotes float32 to float64) and rounds back to float32; sqrt in float32. n = 1 gives 0/0 = NaN,
// like numpy (beat_track's callers never track a 1-frame clip: see track_clip).
MGR_HOST_DEVICE inline float std_ddof1(const float* x, int n) {
  const float sum = pairwise_sum(F32Values{x}, n);
  const float mean = to_float(ddiv(double(sum), double(n)));
  const float ss = pairwise_sum(F32SquaredDeviation{x, mean}, n);
  return fsqrt(to_float(ddiv(double(ss), double(n - 1))));
}

// ---- tempo (librosa.feature.rhythm.tempo) ----------------------------------------------------

// log(u) for finite u > 0 in double from + - * / only, identical on both twins: u = m 2^e with m
// in [sqrt(1/2), sqrt(2)) (exact scaling by 2), log m = 2 atanh(f), f = (m - 1) / (m + 1),
// |f| < 0.1716, as the odd series in f to f^25 (truncation < 1e-21), e ln 2 with fdlibm's hi/lo
// split (e * ln2_hi is exact). Error a few ulp of double; callers round to float, so the result
// equals a correctly rounded float log except within a few 1e-16 of a float rounding boundary.
MGR_HOST_DEVICE inline double det_log(double u) {
  int e = 0;
  double m = u;
  while (m >= 1.4142135623730951) m = dmul(m, 0.5), ++e;
  while (m < 0.7071067811865476) m = dmul(m, 2.0), --e;
  const double f = ddiv(dsub(m, 1.0), dadd(m, 1.0));
  const double s = dmul(f, f);
  double p = ddiv(1.0, 25.0);
  for (int k = 23; k >= 1; k -= 2) p = dadd(ddiv(1.0, double(k)), dmul(s, p));  // 1 + s/3 + ...
  const double log_m = dmul(dmul(2.0, f), p);
  const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
  return dadd(dmul(double(e), ln2_hi), dadd(dmul(double(e), ln2_lo), log_m));
}

// log1p(x) for finite x > -1 (Goldberg's trick keeps the relative accuracy for small |x|).
MGR_HOST_DEVICE inline double det_log1p(double x) {
  const double u = dadd(1.0, x);
  if (u == 1.0) return x;
  return ddiv(dmul(det_log(u), x), dsub(u, 1.0));
}

// The tempo score of one lag: log1p(1e6 * mean) in float32 (numpy multiplies the float32
// tempogram by the weak Python float 1e6 in float32 and takes a float32 log1p) plus the float64
// log-normal prior (-inf for excluded lags). Means that an onset envelope's tempogram cannot
// have (1e6 mean <= -1, inf, NaN) score NaN, which never wins the argmax.
MGR_HOST_DEVICE inline double tempo_score(float mean, double logprior) {
  const float x = fmul(1e6f, mean);
  if (!(x > -1.f && x <= FLT_MAX)) return NAN;
  return dadd(double(to_float(det_log1p(double(x)))), logprior);
}

// The argmax rule of np.argmax (first maximum) as a comparison usable in any scan order.
MGR_HOST_DEVICE inline bool better(double v, int k, double best, int best_k) {
  return v > best || (v == best && k < best_k);
}

// ---- the beat tracker (librosa.beat.__beat_tracker, static tempo) ------------------------------

// np.round(fpb / 2) for an integer fpb: half to even.
MGR_HOST_DEVICE inline int half_round_even(int fpb) {
  int h = fpb / 2;
  if ((fpb & 1) && (h & 1)) ++h;
  return h;
}

// librosa's __beat_local_score at frame i: a same-mode convolution of the normalised envelope
// with window[k] = exp(-0.5 ((k - fpb) 32 / fpb)^2), k = 0..2 fpb (K = 2 fpb + 1 taps), in float64
// (numba picks the float64 signature because frames_per_beat is float64). half_window[j] is the
// window at |k - fpb| = j (symmetric). librosa's loop runs k over [max(0, i + K/2 - T + 1),
// min(i + K/2, K)): its upper bound excludes k = i + K/2, the one tap that reads onset[0], so
// onset[0] never contributes to any frame. We keep that quirk.
MGR_HOST_DEVICE inline double local_score_at(const float* onset_norm, int frames, int fpb,
                                             const double* half_window, int i) {
  const int taps = 2 * fpb + 1, h = taps / 2;
  const int lo = i + h - frames + 1 > 0 ? i + h - frames + 1 : 0;
  const int hi = i + h < taps ? i + h : taps;
  double acc = 0.0;
  for (int k = lo; k < hi; ++k) {
    const int j = k - fpb;
    acc = dadd(acc, dmul(half_window[j < 0 ? -j : j], double(onset_norm[i + h - k])));
  }
  return acc;
}

// librosa's __beat_track_dp: cumscore and backlink over frames. A beat at frame i looks back
// d = round(fpb / 2) .. 2 fpb frames (stopping at frame 0) for the predecessor maximising
// cumscore[i - d] - tightness (log d - log fpb)^2 (strict >: the nearest of equal scores wins).
// Frames before the first one whose local score reaches 1% of the maximum get no backlink.
// log_d[d] = log(d) (host table). d = 0 (only for fpb = 1) is skipped: librosa scores it -inf.
MGR_HOST_DEVICE inline void dp(const double* localscore, int frames, int fpb, double tightness,
                               const double* log_d, double* cumscore, int* backlink) {
  double top = localscore[0];
  for (int i = 1; i < frames; ++i)
    if (localscore[i] > top) top = localscore[i];
  const double score_thresh = dmul(0.01, top);
  const int d_lo = half_round_even(fpb) > 1 ? half_round_even(fpb) : 1;
  const int d_hi = 2 * fpb;
  const double log_fpb = log_d[fpb];
  bool first_beat = true;
  for (int i = 0; i < frames; ++i) {
    double best = -INFINITY;
    int location = -1;
    for (int d = d_lo; d <= d_hi && i - d >= 0; ++d) {
      const double t = dsub(log_d[d], log_fpb);
      const double score = dsub(cumscore[i - d], dmul(tightness, dmul(t, t)));
      if (score > best) best = score, location = i - d;
    }
    cumscore[i] = location >= 0 ? dadd(localscore[i], best) : localscore[i];
    if (first_beat && localscore[i] < score_thresh) {
      backlink[i] = -1;
    } else {
      backlink[i] = location;
      first_beat = false;
    }
  }
}

// librosa.util.localmax along time: x[n] > x[n-1] and x[n] >= x[n+1]; the numba stencil leaves
// n = 0 False and librosa sets the last frame to x[T-1] > x[T-2].
MGR_HOST_DEVICE inline bool is_local_max(const double* x, int n, int frames) {
  if (n <= 0 || !(x[n] > x[n - 1])) return false;
  return n == frames - 1 || x[n] >= x[n + 1];
}

// In-place ascending heap sort (no recursion, no allocation).
MGR_HOST_DEVICE inline void sift_down(double* a, int root, int n) {
  for (;;) {
    int child = 2 * root + 1;
    if (child >= n) return;
    if (child + 1 < n && a[child] < a[child + 1]) ++child;
    if (!(a[root] < a[child])) return;
    const double t = a[root];
    a[root] = a[child], a[child] = t;
    root = child;
  }
}
MGR_HOST_DEVICE inline void heap_sort(double* a, int n) {
  for (int i = n / 2 - 1; i >= 0; --i) sift_down(a, i, n);
  for (int end = n - 1; end > 0; --end) {
    const double t = a[0];
    a[0] = a[end], a[end] = t;
    sift_down(a, 0, end);
  }
}

// librosa's __last_beat: threshold = 0.5 * median of cumscore over its local maxima
// (np.ma.median: the middle value, or the float64 mean (a + b) / 2 of the two middle ones); the
// last local maximum at or above it, else frames - 1. scratch: room for `frames` doubles.
MGR_HOST_DEVICE inline int last_beat(const double* cumscore, int frames, double* scratch) {
  int count = 0;
  for (int n = 1; n < frames; ++n)
    if (is_local_max(cumscore, n, frames)) scratch[count++] = cumscore[n];
  if (count == 0) return frames - 1;
  heap_sort(scratch, count);
  const int mid = count / 2;
  const double median = count % 2 ? scratch[mid] : ddiv(dadd(scratch[mid - 1], scratch[mid]), 2.0);
  const double threshold = dmul(0.5, median);
  for (int n = frames - 1; n >= 1; --n)
    if (is_local_max(cumscore, n, frames) && cumscore[n] >= threshold) return n;
  return frames - 1;
}

// Beat j's term of librosa's __trim_beats smoothing: np.convolve(localscore[beats],
// np.hanning(5)) is the full convolution c[m] = 0.5 s[m-3] + s[m-2] + 0.5 s[m-1] (the window's
// end taps are 0), and librosa keeps c[2 : T + 2], a slice of the FULL convolution rather than
// the centred 'same' part: with n beats and n + 2 <= T it holds c[2 .. n + 3], including the two
// trailing values 0.5 s[n-1] and 0. numba's np.convolve sums each c[m] with BLAS ddot in
// increasing order of the longer operand: beat order for n >= 5 beats, window order (beats
// descending) for n < 5. s(j) reads the score of beat j (ascending frames) from the path.
MGR_HOST_DEVICE inline double smoothed_beat_score(const double* localscore, const int* path, int n,
                                                  int m) {
  const double w[3] = {0.5, 1.0, 0.5};  // taps for beats m-3, m-2, m-1
  double acc = 0.0;
  for (int q = 0; q < 3; ++q) {
    const int t = n >= 5 ? q : 2 - q;
    const int j = m - 3 + t;
    if (j < 0 || j >= n) continue;
    acc = dadd(acc, dmul(w[t], localscore[path[n - 1 - j]]));
  }
  return acc;
}

// The whole tracker after the local score: dp, last beat, backtracking, trimming. Writes the beat
// frames (ascending) to out[0..max_beats) and -1 after them; returns the number of beats.
// Scratch: cumscore and maxima `frames` doubles each, backlink and path `frames` ints each.
// trim: librosa's trim=True (threshold half the RMS of the smoothed beat scores); false keeps
// only librosa's removal of edge beats whose local score is <= 0.
MGR_HOST_DEVICE inline int track_from_local_score(const double* localscore, int frames, int fpb,
                                                  double tightness, bool trim, const double* log_d,
                                                  double* cumscore, double* maxima, int* backlink,
                                                  int* path, int32_t* out, int max_beats) {
  dp(localscore, frames, fpb, tightness, log_d, cumscore, backlink);
  // Backtrack from the last beat: path holds the beats in descending frame order.
  int n = 0;
  for (int f = last_beat(cumscore, frames, maxima); f >= 0; f = backlink[f]) path[n++] = f;
  double threshold = 0.0;
  if (trim) {
    const int last = n + 3 < frames + 1 ? n + 3 : frames + 1;  // c[2 .. last]
    double sq = 0.0;
    for (int m = 2; m <= last; ++m) {
      const double c = smoothed_beat_score(localscore, path, n, m);
      sq = dadd(sq, dmul(c, c));
    }
    threshold = dmul(0.5, dsqrt(ddiv(sq, double(last - 1))));
  }
  int lo = 0;  // librosa's scans stop at the first frame above the threshold (guarded at the ends)
  while (lo < frames && localscore[lo] <= threshold) ++lo;
  int hi = frames - 1;
  while (hi >= 0 && localscore[hi] <= threshold) --hi;
  int count = 0;
  for (int j = n - 1; j >= 0; --j)
    if (path[j] >= lo && path[j] <= hi && count < max_beats) out[count++] = path[j];
  for (int j = count; j < max_beats; ++j) out[j] = -1;
  return count;
}

// ---- librosa.util.sync segments ----------------------------------------------------------------

// The beats of a row of `max_beats` entries: read up to the first entry that is negative (the -1
// padding), not below `frames`, or not above its predecessor, so any row is safe to read.
MGR_HOST_DEVICE inline int valid_beats(const int32_t* row, int max_beats, int frames) {
  int n = 0;
  while (n < max_beats && row[n] >= 0 && row[n] < frames && (n == 0 || row[n] > row[n - 1])) ++n;
  return n;
}

// Segment s of a clip whose n beats (ascending, in [0, frames)) are beats[0..n): the boundaries
// are fix_frames(beats, x_min=0, x_max=frames) = the sorted unique [0, beats..., frames]; segment s
// is [lo, hi). Returns the number of segments (n + 1, or n when the first beat is frame 0).
MGR_HOST_DEVICE inline int sync_segment(const int32_t* beats, int n, int frames, int s, int* lo,
                                        int* hi) {
  const int lead = (n == 0 || beats[0] > 0) ? 1 : 0;
  const int segments = n + lead;
  if (s >= segments) s = segments - 1;
  *lo = s == 0 ? 0 : beats[s - lead];
  *hi = s + 1 - lead < n ? beats[s + 1 - lead] : frames;
  return segments;
}

}  // namespace mgr::kernels::beat_dp
