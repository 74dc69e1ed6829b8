// What mel inversion computes once on the host and then only reads: the filterbank's
// pseudo-inverse and its transpose by bin, the refinement's step and momentum sequence, the
// inverse STFT's window sum and the random initial phases. Internal to mel_inversion.cpp (and
// its tests).
#pragma once

#include <cstdint>
#include <vector>

namespace mgr::features {

struct MelBasisInverse {
  int n_mels = 0;
  int bins = 0;
  // pinv(A)^T [n_mels, bins] = (A A^T)^+ A: X0 = M^T pinv(A)^T is the frame-major pinv solution.
  std::vector<float> pinv_t;
  // The largest eigenvalue of A A^T (= of A^T A): the gradient's Lipschitz constant.
  double lipschitz = 0;
  // A by bin (kernels::cpu::MelByBin): filters mel[first[k] + j], weights[first[k] + j].
  std::vector<int> first, count, mel;
  std::vector<float> weights;
};

// From the dense filterbank A [n_mels, bins] (mel_filterbank). The pseudo-inverse comes from the
// eigendecomposition of A A^T in double (LAPACK dsyev, in OpenBLAS); eigenvalues below 1e-10 of
// the largest (filters with no bins, which librosa warns about) are treated as zero.
MelBasisInverse mel_basis_inverse(const std::vector<float>& dense, int n_mels, int bins);

// FISTA's momentum weights beta_i = (t_i - 1) / t_{i+1}, t_0 = 1, t_{i+1} = (1 + sqrt(1 + 4
// t_i^2)) / 2, for i < iters (in double, rounded to float).
std::vector<float> fista_betas(int iters);

// librosa.filters.window_sumsquare for `frames` frames of `window` [n_fft] at `hop`: [n_fft + hop
// (frames - 1)], each frame's squared (double) weights added into the float32 envelope.
std::vector<float> window_sumsquare(const std::vector<float>& window, int frames, int hop);

// 2 pi u with u = numpy.random.RandomState(seed).random((clips, bins, frames)) (MT19937, numpy's
// 53-bit doubles), returned frame-major as (cos, sin) pairs [clips, frames, bins, 2] rounded to
// float: librosa.griffinlim's random initial phase for random_state = seed.
std::vector<float> random_phases(uint32_t seed, int64_t clips, int bins, int frames);

}  // namespace mgr::features
