#include "kernels/cpu/delta.h"

#include <cmath>

#include "kernels/error.h"
#include "kernels/shared/savgol.h"

namespace mgr::kernels::cpu {

std::vector<double> savgol_position_weights(int width, int polyorder, int deriv) {
  MGR_CHECK(width >= 3 && width % 2 == 1, "savgol: width " << width << " must be odd and >= 3");
  MGR_CHECK(polyorder >= 0 && polyorder < width && deriv >= 0 && deriv <= polyorder,
            "savgol: need 0 <= deriv (" << deriv << ") <= polyorder (" << polyorder << ") < width ("
                                        << width << ")");
  const int w = width;
  const int cols = polyorder + 1;
  const double c = (w - 1) / 2.0;  // centre and scale: positions u in [-1, 1]
  const double s = c;
  // V [w, cols], V[i][j] = u_i^j, column-major in q (becomes Q after orthogonalisation).
  std::vector<double> q(size_t(w) * cols), r(size_t(cols) * cols, 0.0);
  for (int i = 0; i < w; ++i) {
    const double u = (i - c) / s;
    double v = 1.0;
    for (int j = 0; j < cols; ++j, v *= u) q[size_t(j) * w + i] = v;
  }
  // Modified Gram-Schmidt, each column orthogonalised twice (keeps Q orthonormal to rounding).
  for (int j = 0; j < cols; ++j) {
    double* qj = &q[size_t(j) * w];
    for (int pass = 0; pass < 2; ++pass)
      for (int k = 0; k < j; ++k) {
        const double* qk = &q[size_t(k) * w];
        double dot = 0;
        for (int i = 0; i < w; ++i) dot += qk[i] * qj[i];
        for (int i = 0; i < w; ++i) qj[i] -= dot * qk[i];
        r[size_t(k) * cols + j] += dot;
      }
    double norm = 0;
    for (int i = 0; i < w; ++i) norm += qj[i] * qj[i];
    norm = std::sqrt(norm);
    MGR_CHECK(norm > 0, "savgol: singular fit");
    for (int i = 0; i < w; ++i) qj[i] /= norm;
    r[size_t(j) * cols + j] = norm;
  }
  // Coefficients a = R^{-1} Q^T x: coef [cols, w], back substitution per column of Q^T.
  std::vector<double> coef(size_t(cols) * w);
  for (int i = 0; i < w; ++i)
    for (int j = cols - 1; j >= 0; --j) {
      double v = q[size_t(j) * w + i];
      for (int k = j + 1; k < cols; ++k) v -= r[size_t(j) * cols + k] * coef[size_t(k) * w + i];
      coef[size_t(j) * w + i] = v / r[size_t(j) * cols + j];
    }
  // d^deriv/dt^deriv of sum_j a_j u^j at t = p, u = (t - c) / s:
  //   sum_{j >= deriv} a_j j! / (j - deriv)! u^(j - deriv) / s^deriv.
  std::vector<double> weights(size_t(w) * w, 0.0);
  const double inv_scale = std::pow(s, -deriv);
  for (int p = 0; p < w; ++p) {
    const double u = (p - c) / s;
    for (int j = deriv; j < cols; ++j) {
      double factor = inv_scale * std::pow(u, j - deriv);
      for (int f = j; f > j - deriv; --f) factor *= f;
      for (int i = 0; i < w; ++i) weights[size_t(p) * w + i] += factor * coef[size_t(j) * w + i];
    }
  }
  return weights;
}

void savgol_interp(float* y, const float* x, int64_t rows, int64_t frames, int width,
                   const double* weights) {
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t t = 0; t < frames; ++t)
      y[r * frames + t] = savgol_interp_at(x + r * frames, frames, t, width, weights);
}

}  // namespace mgr::kernels::cpu
