// The autocorrelation tempogram's per-frame arithmetic (librosa.feature.tempogram, center=True),
// written once for both devices: the CPU twin (kernels/cpu/tempogram.cpp) and the CUDA kernel
// (kernels/cuda/tempogram.cu) call these. Lag k of a frame is the sum over j of
// autocorrelation_term(s[j], s[j + k]) in increasing j: the CPU runs j outer and k inner (so the
// loop vectorises over k), the GPU one lag per thread, and both add the same terms in the same
// order. Every step rounds to nearest (no FMA), so the two devices give the same bits.
#pragma once

#include "kernels/shared/host_device.h"

namespace mgr::kernels::tempogram_ac {

// Sample p (any integer) of the envelope env[0, frames) padded by w = win_length / 2 on both
// sides with numpy's linear_ramp to 0, in double as numpy does: left pad p in [-w, 0) is
// env[0] * (p + w) / w, right pad p in [frames, frames + w) is env[frames-1] * (w - (p - frames +
// 1)) / w. Frames read p in [-w, frames + w) only (w > 0 wherever a pad sample is read); the
// CUDA kernel's tile may also evaluate p beyond that for frames past the end, never used.
MGR_HOST_DEVICE inline float padded_envelope(const float* env, int frames, int w, int p) {
  if (p < 0) return to_float(dmul(double(p + w), ddiv(double(env[0]), double(w))));
  if (p >= frames)
    return to_float(dmul(double(w - (p - frames + 1)), ddiv(double(env[frames - 1]), double(w))));
  return env[p];
}

// Sample j of frame t: window[j] times the padded envelope at t + j - w.
MGR_HOST_DEVICE inline float windowed_sample(float window_j, const float* env, int frames, int w,
                                             int t, int j) {
  return fmul(window_j, padded_envelope(env, frames, w, t + j - w));
}

// One term of the autocorrelation sum: acc + s_j * s_{j+k}.
MGR_HOST_DEVICE inline float autocorrelation_term(float acc, float sj, float sjk) {
  return fadd(acc, fmul(sj, sjk));
}

// The running max |ac| over lags (the normaliser), as the CPU's std::max(top, |a|).
MGR_HOST_DEVICE inline float abs_max(float top, float a) {
  const float m = a < 0.f ? -a : a;
  return top < m ? m : top;
}

// Lag value a of a frame whose max |.| over lags is `top`: a / top, in double, unless top is 0
// (a silent frame stays 0).
MGR_HOST_DEVICE inline float normalised(float a, float top) {
  return top > 0.f ? to_float(ddiv(double(a), double(top))) : a;
}

}  // namespace mgr::kernels::tempogram_ac
