#include "kernels/cpu/mel_inversion.h"

#include <vector>

#include "kernels/shared/mel_inversion.h"

namespace mgr::kernels::cpu {

void db_to_power(float* x, int64_t n, float ref) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) x[i] = kernels::db_to_power(x[i], ref);
}

void nnls_refine(float* x, const float* mel, int64_t clips, int frames, const SparseMel& fb,
                 const MelByBin& by_bin, const float* betas, int iters, float inv_lipschitz,
                 float power) {
  const int bins = fb.bins;
  const int n_mels = fb.n_mels;
  const int64_t rows = clips * frames;
#pragma omp parallel
  {
    // Per thread: the momentum point y, the target column b and the residual r of one frame.
    std::vector<float> y(static_cast<size_t>(bins));
    std::vector<float> b(static_cast<size_t>(n_mels)), r(static_cast<size_t>(n_mels));
#pragma omp for schedule(static)
    for (int64_t row = 0; row < rows; ++row) {
      const int64_t c = row / frames;
      const int64_t t = row % frames;
      float* xr = x + row * bins;
      for (int m = 0; m < n_mels; ++m) b[size_t(m)] = mel[(c * n_mels + m) * frames + t];
      for (int k = 0; k < bins; ++k) {
        xr[k] = xr[k] > 0.f ? xr[k] : 0.f;  // librosa clips the pseudo-inverse start at 0
        y[size_t(k)] = xr[k];
      }
      for (int it = 0; it < iters; ++it) {
        for (int m = 0; m < n_mels; ++m)
          r[size_t(m)] = mel_residual(fb.weights + fb.offset[m], y.data() + fb.begin[m],
                                      fb.length[m], b[size_t(m)]);
        for (int k = 0; k < bins; ++k) {
          const int f = by_bin.first[k];
          const float g =
              mel_transpose_dot(by_bin.mel + f, by_bin.weights + f, by_bin.count[k], r.data());
          fista_step(xr[k], y[size_t(k)], g, inv_lipschitz, betas[it]);
        }
      }
      if (power != 0.f)
        for (int k = 0; k < bins; ++k) xr[k] = magnitude_of(xr[k], power);
    }
  }
}

}  // namespace mgr::kernels::cpu
