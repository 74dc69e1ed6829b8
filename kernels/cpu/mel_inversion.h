// Mel -> linear magnitude reference kernels (the CPU twin of kernels/cuda/mel_inversion.h):
// dB to power, and the non-negative least-squares refinement of the filterbank's pseudo-inverse
// solution, frame by frame. Pointers + sizes only.
#pragma once

#include <cstdint>

#include "kernels/cpu/mel.h"

namespace mgr::kernels::cpu {

// The filterbank [n_mels, bins] stored by bin (its transpose): bin k is covered by filters
// mel[first[k] + j] with weights weights[first[k] + j] for j < count[k].
struct MelByBin {
  int bins = 0;
  const int* first = nullptr;
  const int* count = nullptr;
  const int* mel = nullptr;
  const float* weights = nullptr;
};

// x[i] = ref * 10^(0.1 x[i]) (librosa.db_to_power), in place.
void db_to_power(float* x, int64_t n, float ref);

// Refines x [clips * frames, bins] (frame-major; in: the pseudo-inverse solution, which is first
// clipped at 0 as librosa does) towards argmin ||A x_t - b_t||^2 subject to x_t >= 0 for every
// frame t, where b_t is column t of the clip's mel spectrogram mel [clips, n_mels, frames] and A
// the filterbank. Accelerated projected gradient (FISTA) with step 1 / lipschitz (lipschitz: the
// largest eigenvalue of A A^T), `iters` steps with momentum betas[0 .. iters). Each frame is an
// independent problem, solved in cache, 8 frames side by side in SIMD lanes (each with its own
// sums, in the order of the GPU kernel); OpenMP over groups of frames. Then x = x^(1 / power) when
// power != 0 (mel_to_stft's inverse exponent).
void nnls_refine(float* x, const float* mel, int64_t clips, int frames, const SparseMel& fb,
                 const MelByBin& by_bin, const float* betas, int iters, float inv_lipschitz,
                 float power);

}  // namespace mgr::kernels::cpu
