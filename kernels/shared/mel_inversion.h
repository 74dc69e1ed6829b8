// Mel inversion's per-element arithmetic, written once for both devices (kernels/cpu/
// mel_inversion.cpp and griffin_lim.cpp, kernels/cuda/mel_inversion.cu and griffin_lim.cu): dB to
// power, one step of the non-negative least-squares refinement of mel -> linear, librosa's
// Griffin-Lim phase update with momentum and the inverse STFT's overlap-add with its window-sum
// normalisation. Each product and sum is rounded on its own (no FMA on the device); the FFTs
// (FFTW / cuFFT) are the only part the two devices compute differently.
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/shared/host_device.h"

namespace mgr::kernels {

// numpy's float32 tiny (smallest normal): librosa's eps in griffinlim and its threshold for the
// window sum in istft.
constexpr float kFloatTiny = 1.17549435e-38f;

// librosa.db_to_power: ref * 10^(0.1 dB) in float32.
MGR_HOST_DEVICE inline float db_to_power(float db, float ref) {
  return fmul(ref, powf(10.f, fmul(0.1f, db)));
}

// The mel residual and gradient of the refinement for L frames side by side (L = 1 on the GPU,
// one frame per block; the CPU interleaves 8 frames, [bin][lane], so the lane loops run in SIMD
// registers). Each lane sums in the same order as the forward projection (mel_filter_dot).

// r[l] = (A y_l)[m] - b[l] for one band m: its weights w from its first nonzero bin, y from that
// bin as [len][L].
template <int L>
MGR_HOST_DEVICE inline void mel_residual(const float* w, const float* y_from_begin, int len,
                                         const float* b, float* r) {
  float acc[L];
  for (int l = 0; l < L; ++l) acc[l] = 0.f;
  for (int j = 0; j < len; ++j) {
    const float wj = w[j];
    const float* yj = y_from_begin + j * L;
    for (int l = 0; l < L; ++l) acc[l] = fadd(acc[l], fmul(wj, yj[l]));
  }
  for (int l = 0; l < L; ++l) r[l] = fsub(acc[l], b[l]);
}

// g[l] = (A^T r_l)[k] for one bin k, covered by filters idx[j] with weights w[j], j < count (at
// most two for triangular filters; the filterbank stored by bin), r as [n_mels][L].
template <int L>
MGR_HOST_DEVICE inline void mel_transpose_dot(const int* idx, const float* w, int count,
                                              const float* r, float* g) {
  for (int l = 0; l < L; ++l) g[l] = 0.f;
  for (int j = 0; j < count; ++j) {
    const float wj = w[j];
    const float* rj = r + idx[j] * L;
    for (int l = 0; l < L; ++l) g[l] = fadd(g[l], fmul(wj, rj[l]));
  }
}

// One accelerated projected-gradient (FISTA) step of min ||A x - b||^2 s.t. x >= 0 for one bin:
// x' = max(0, y - g / L), y' = x' + beta (x' - x). g = (A^T (A y - b))[k]. Updates x and y.
MGR_HOST_DEVICE inline void fista_step(float& x, float& y, float g, float inv_lipschitz,
                                       float beta) {
  float xn = fsub(y, fmul(g, inv_lipschitz));
  xn = xn > 0.f ? xn : 0.f;
  y = fadd(xn, fmul(beta, fsub(xn, x)));
  x = xn;
}

// mel_to_stft's inverse exponent: magnitude = x^(1 / power) (power 2: the square root, 1: x).
MGR_HOST_DEVICE inline float magnitude_of(float x, float power) {
  return power == 2.f ? fsqrt(x) : (power == 1.f ? x : powf(x, 1.f / power));
}

// librosa.griffinlim's update of one bin: a = rebuilt - beta tprev (beta = momentum /
// (1 + momentum), 0 in the first iteration, when tprev holds zeros); angles = S a / (|a| + eps);
// then tprev = rebuilt (librosa swaps its buffers; here the new previous is stored in place).
MGR_HOST_DEVICE inline void griffin_lim_update(float* angle, float* tprev, const float* rebuilt,
                                               float magnitude, float beta) {
  const float re = fsub(rebuilt[0], fmul(beta, tprev[0]));
  const float im = fsub(rebuilt[1], fmul(beta, tprev[1]));
  const float d = fadd(fsqrt(fadd(fmul(re, re), fmul(im, im))), kFloatTiny);
  angle[0] = fmul(fdiv(re, d), magnitude);
  angle[1] = fmul(fdiv(im, d), magnitude);
  tprev[0] = rebuilt[0];
  tprev[1] = rebuilt[1];
}

// Initial phase of one bin: S e^{i phi} given (cos phi, sin phi), or S (phase 0) when cs is null.
MGR_HOST_DEVICE inline void griffin_lim_init(float* angle, const float* cs, float magnitude) {
  angle[0] = cs ? fmul(cs[0], magnitude) : magnitude;
  angle[1] = cs ? fmul(cs[1], magnitude) : 0.f;
}

// One frame's contribution to the inverse STFT at offset j: window[j] * frame[j] / n_fft (the
// unnormalised inverse FFT that FFTW and cuFFT return, scaled as numpy's irfft).
MGR_HOST_DEVICE inline float ola_term(float frame_value, float inv_n, float window_value) {
  return fmul(fmul(frame_value, inv_n), window_value);
}

// librosa.istft's normalisation: the overlap-added sum divided by the window's sum of squares
// where that exceeds float32's tiny.
MGR_HOST_DEVICE inline float istft_normalise(float acc, float window_sum) {
  return window_sum > kFloatTiny ? fdiv(acc, window_sum) : acc;
}

// Sample p of one clip's inverse STFT in padded coordinates (before centre trimming): the
// ola_term of every frame t that covers p (t hop <= p < t hop + n_fft), summed in ascending t
// from 0, then normalised. The GPU gathers per sample with this; the CPU adds frame by frame
// in the same order (kernels/cpu/griffin_lim.cpp), which gives the same sums.
MGR_HOST_DEVICE inline float istft_sample(const float* frames, int num_frames, int n_fft, int hop,
                                          const float* window, float inv_n, int64_t p,
                                          float window_sum) {
  int64_t t0 = p - n_fft + 1 <= 0 ? 0 : (p - n_fft + hop) / hop;  // ceil((p - n_fft + 1) / hop)
  int64_t t1 = p / hop;
  if (t1 > num_frames - 1) t1 = num_frames - 1;
  float acc = 0.f;
  for (int64_t t = t0; t <= t1; ++t) {
    const int64_t j = p - t * hop;
    acc = fadd(acc, ola_term(frames[t * n_fft + j], inv_n, window[j]));
  }
  return istft_normalise(acc, window_sum);
}

}  // namespace mgr::kernels
