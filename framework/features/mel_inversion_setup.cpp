#include "framework/features/mel_inversion_setup.h"

#include <cblas.h>

#include <cmath>
#include <numbers>
#include <random>

#include "kernels/error.h"

// LAPACK's symmetric eigensolver, exported by OpenBLAS (Fortran calling convention: the trailing
// hidden lengths of the two character arguments).
extern "C" void dsyev_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda,
                       double* w, double* work, const int* lwork, int* info, size_t jobz_len,
                       size_t uplo_len);

namespace mgr::features {

MelBasisInverse mel_basis_inverse(const std::vector<float>& dense, int n_mels, int bins) {
  MGR_CHECK(n_mels >= 1 && bins >= 1 && dense.size() == size_t(n_mels) * size_t(bins),
            "mel_basis_inverse: " << dense.size() << " weights for " << n_mels << " x " << bins);
  MelBasisInverse inv;
  inv.n_mels = n_mels;
  inv.bins = bins;
  // In double: A, then G = A A^T (symmetric, so row- and column-major agree), G = V diag(w) V^T.
  const size_t n = size_t(n_mels);
  const std::vector<double> a(dense.begin(), dense.end());
  std::vector<double> g(n * n, 0.0);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n_mels, n_mels, bins, 1.0, a.data(), bins,
              a.data(), bins, 0.0, g.data(), n_mels);
  std::vector<double> w(n);
  const int nn = n_mels;
  int info = 0;
  int lwork = -1;
  double query = 0;
  dsyev_("V", "U", &nn, g.data(), &nn, w.data(), &query, &lwork, &info, 1, 1);
  MGR_CHECK(info == 0, "mel_basis_inverse: dsyev workspace query failed (info " << info << ")");
  lwork = static_cast<int>(query);
  std::vector<double> work(size_t(lwork > 1 ? lwork : 1));
  dsyev_("V", "U", &nn, g.data(), &nn, w.data(), work.data(), &lwork, &info, 1, 1);
  MGR_CHECK(info == 0, "mel_basis_inverse: dsyev failed (info " << info << ")");
  // Column-major output: eigenvector e is g[e * n .. e * n + n), eigenvalues ascending.
  inv.lipschitz = w[n - 1];
  MGR_CHECK(inv.lipschitz > 0, "mel_basis_inverse: the filterbank is all zeros");
  const double cutoff = 1e-10 * inv.lipschitz;

  // G^+ = V_k diag(1 / w_k) V_k^T over the kept eigenvalues; pinv(A)^T = G^+ A.
  std::vector<double> scaled(n * n, 0.0);  // row e: v_e / w_e (row e of g is v_e)
  for (size_t e = 0; e < n; ++e)
    if (w[e] > cutoff)
      for (size_t i = 0; i < n; ++i) scaled[e * n + i] = g[e * n + i] / w[e];
  std::vector<double> gp(n * n, 0.0);
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n_mels, n_mels, n_mels, 1.0, g.data(),
              n_mels, scaled.data(), n_mels, 0.0, gp.data(), n_mels);
  std::vector<double> pt(n * size_t(bins), 0.0);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n_mels, bins, n_mels, 1.0, gp.data(),
              n_mels, a.data(), bins, 0.0, pt.data(), bins);
  inv.pinv_t.assign(pt.begin(), pt.end());

  // The transpose by bin: the nonzero weights of column k, in filter order.
  inv.first.resize(size_t(bins));
  inv.count.resize(size_t(bins));
  for (int k = 0; k < bins; ++k) {
    inv.first[size_t(k)] = static_cast<int>(inv.mel.size());
    for (int m = 0; m < n_mels; ++m)
      if (dense[size_t(m) * bins + size_t(k)] != 0.f) {
        inv.mel.push_back(m);
        inv.weights.push_back(dense[size_t(m) * bins + size_t(k)]);
      }
    inv.count[size_t(k)] = static_cast<int>(inv.mel.size()) - inv.first[size_t(k)];
  }
  if (inv.mel.empty()) {  // keep valid pointers for the kernels
    inv.mel.push_back(0);
    inv.weights.push_back(0.f);
  }
  return inv;
}

std::vector<float> fista_betas(int iters) {
  std::vector<float> b(size_t(iters > 0 ? iters : 0));
  double t = 1.0;
  for (int i = 0; i < iters; ++i) {
    const double next = (1.0 + std::sqrt(1.0 + 4.0 * t * t)) / 2.0;
    b[size_t(i)] = static_cast<float>((t - 1.0) / next);
    t = next;
  }
  return b;
}

std::vector<float> window_sumsquare(const std::vector<float>& window, int frames, int hop) {
  const int64_t n_fft = int64_t(window.size());
  const int64_t n = n_fft + int64_t(hop) * (frames - 1);
  std::vector<float> x(size_t(n), 0.f);
  for (int t = 0; t < frames; ++t) {
    const int64_t s = int64_t(t) * hop;
    for (int64_t j = 0; j < n_fft && s + j < n; ++j) {
      const double wj = window[size_t(j)];
      x[size_t(s + j)] = static_cast<float>(double(x[size_t(s + j)]) + wj * wj);
    }
  }
  return x;
}

std::vector<float> random_phases(uint32_t seed, int64_t clips, int bins, int frames) {
  // numpy's legacy RandomState(int) seeds MT19937 by init_genrand, as std::mt19937 does, and
  // random() takes 27 + 26 bits of two draws.
  std::mt19937 gen(seed);
  const int64_t per_clip = int64_t(bins) * frames;
  const int64_t total = clips * per_clip;
  std::vector<double> u(static_cast<size_t>(total));
  for (double& v : u) {
    const uint32_t a = gen() >> 5;
    const uint32_t b = gen() >> 6;
    v = (a * 67108864.0 + b) / 9007199254740992.0;
  }
  std::vector<float> cs(static_cast<size_t>(total * 2));
  // The draws are in (clip, bin, frame) order; the output is frame-major.
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < total; ++i) {
    const int64_t c = i / per_clip, k = (i % per_clip) / frames, t = i % frames;
    const double phi = 2.0 * std::numbers::pi * u[size_t(i)];
    const size_t o = size_t(c * per_clip + t * bins + k) * 2;
    cs[o] = static_cast<float>(std::cos(phi));
    cs[o + 1] = static_cast<float>(std::sin(phi));
  }
  return cs;
}

}  // namespace mgr::features
