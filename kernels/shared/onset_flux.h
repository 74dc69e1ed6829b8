// The onset-strength arithmetic (librosa.onset.onset_strength on a [bands, frames] spectrogram),
// written once for both devices: the CPU twin (kernels/cpu/onset.cpp) and the CUDA kernels
// (kernels/cuda/onset.cu) call these per (clip, output frame); only the thread mapping and the
// median's selection (nth_element on the CPU, a rank count on the GPU) are each side's own.
// Float32 with round-to-nearest steps (fsub/fadd/fdiv), so both devices give the same bits.
#pragma once

#include <cstdint>

#include "kernels/shared/host_device.h"
#include "kernels/shared/pad_index.h"

namespace mgr::kernels::onset_flux {

// The raw-flux index of output frame t: the envelope is the raw flux (frames - lag values)
// shifted right by `shift` and zero elsewhere. Returns -1 where the output is 0.
MGR_HOST_DEVICE inline int raw_index(int t, int shift, int frames, int lag) {
  const int i = t - shift;
  return (i < 0 || i >= frames - lag) ? -1 : i;
}

// max(a, b) as the CPU's std::max(a, b) (a NaN in `a` is kept, one in `b` ignored).
MGR_HOST_DEVICE inline float max_keep_first(float a, float b) { return a < b ? b : a; }

// ref[f] at one frame: scipy.ndimage.maximum_filter1d over bands, window
// [f - max_size / 2, f - max_size / 2 + max_size), with scipy's 'reflect' boundary
// (d c b a | a b c d | d c b a), which is numpy.pad's 'symmetric'. `col` is S[0, i] with
// stride `stride` between bands. max_size <= 1 gives col[f].
MGR_HOST_DEVICE inline float band_max(const float* col, int64_t stride, int f, int bands,
                                      int max_size) {
  if (max_size <= 1) return col[f * stride];  // no filter (librosa's default)
  const int left = max_size / 2;
  float m = col[pad_index(f - left, bands, PadMode::Symmetric) * stride];
  for (int j = 1; j < max_size; ++j)
    m = max_keep_first(m, col[pad_index(f - left + j, bands, PadMode::Symmetric) * stride]);
  return m;
}

// The flux of one band: max(0, S[f, i + lag] - ref[f, i]) (std::max(0, d): a NaN gives 0).
MGR_HOST_DEVICE inline float flux_value(float s_lag, float ref) {
  const float d = fsub(s_lag, ref);
  return 0.f < d ? d : 0.f;
}

// Band f's flux at raw frame i. `s` is the clip's [bands, frames] plane.
MGR_HOST_DEVICE inline float band_flux(const float* s, int f, int bands, int frames, int i, int lag,
                                       int max_size) {
  return flux_value(s[int64_t(f) * frames + i + lag], band_max(s + i, frames, f, bands, max_size));
}

// The mean aggregate: flux(f) summed in band order in float32, divided by bands. The CPU passes
// its precomputed fluxes, a CUDA thread computes band_flux on the fly.
template <class Flux>
MGR_HOST_DEVICE inline float mean_over_bands(int bands, const Flux& flux) {
  float acc = 0.f;
  for (int f = 0; f < bands; ++f) acc = fadd(acc, flux(f));
  return fdiv(acc, static_cast<float>(bands));
}

// np.median from the sorted middle values: `upper` has rank bands / 2, `lower` rank
// bands / 2 - 1 (even counts only): the middle value, or the float32 mean of the two.
MGR_HOST_DEVICE inline float median_of_middle(float lower, float upper, int bands) {
  return bands % 2 ? upper : fdiv(fadd(lower, upper), 2.f);
}

}  // namespace mgr::kernels::onset_flux
