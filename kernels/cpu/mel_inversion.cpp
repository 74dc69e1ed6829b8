#include "kernels/cpu/mel_inversion.h"

#include <algorithm>
#include <vector>

#include "kernels/shared/mel_inversion.h"

namespace mgr::kernels::cpu {

namespace {

// Frames refined side by side (two SSE registers of floats).
constexpr int kLanes = 8;

}  // namespace

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
  const int64_t groups = (rows + kLanes - 1) / kLanes;
#pragma omp parallel
  {
    // Per thread, kLanes frames interleaved ([bin][lane]): the iterate x, the momentum point y,
    // the targets b and residuals r. Each lane is one frame's problem with its own sums in the
    // order of the shared functions; the lanes only let the loops run in SIMD registers.
    std::vector<float> xs(static_cast<size_t>(bins) * kLanes);
    std::vector<float> ys(static_cast<size_t>(bins) * kLanes);
    std::vector<float> bs(static_cast<size_t>(n_mels) * kLanes);
    std::vector<float> rs(static_cast<size_t>(n_mels) * kLanes);
#pragma omp for schedule(dynamic)
    for (int64_t g = 0; g < groups; ++g) {
      const int64_t row0 = g * kLanes;
      const int lanes = int(std::min<int64_t>(kLanes, rows - row0));
      // Unused lanes hold zeros: b = 0 and x = 0 stay 0.
      std::fill(xs.begin(), xs.end(), 0.f);
      std::fill(bs.begin(), bs.end(), 0.f);
      for (int l = 0; l < lanes; ++l) {
        const int64_t row = row0 + l, c = row / frames, t = row % frames;
        const float* xr = x + row * bins;
        for (int k = 0; k < bins; ++k)
          xs[size_t(k) * kLanes + l] = xr[k] > 0.f ? xr[k] : 0.f;  // librosa clips the start
        for (int m = 0; m < n_mels; ++m)
          bs[size_t(m) * kLanes + l] = mel[(c * n_mels + m) * frames + t];
      }
      ys = xs;
      float* __restrict xv = xs.data();
      float* __restrict yv = ys.data();
      float* __restrict rv = rs.data();
      const float* __restrict bv = bs.data();
      for (int it = 0; it < iters; ++it) {
        for (int m = 0; m < n_mels; ++m)
          mel_residual<kLanes>(fb.weights + fb.offset[m], yv + size_t(fb.begin[m]) * kLanes,
                               fb.length[m], bv + size_t(m) * kLanes, rv + size_t(m) * kLanes);
        const float beta = betas[it];
        for (int k = 0; k < bins; ++k) {
          const int f = by_bin.first[k];
          float grad[kLanes];
          mel_transpose_dot<kLanes>(by_bin.mel + f, by_bin.weights + f, by_bin.count[k], rv, grad);
          for (int l = 0; l < kLanes; ++l)
            fista_step(xv[size_t(k) * kLanes + l], yv[size_t(k) * kLanes + l], grad[l],
                       inv_lipschitz, beta);
        }
      }
      for (int l = 0; l < lanes; ++l) {
        float* xr = x + (row0 + l) * bins;
        for (int k = 0; k < bins; ++k) {
          const float v = xv[size_t(k) * kLanes + l];
          xr[k] = power != 0.f ? magnitude_of(v, power) : v;
        }
      }
    }
  }
}

}  // namespace mgr::kernels::cpu
