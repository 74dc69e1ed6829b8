#include "framework/tasks/gan/frechet.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "kernels/error.h"

namespace mgr::gan {

Gaussian fit_gaussian(const std::vector<float>& rows, int64_t n, int dim) {
  MGR_CHECK(n >= 2 && dim >= 1 && rows.size() == size_t(n) * size_t(dim),
            "fit_gaussian: need at least two rows of " << dim << " values, got " << rows.size()
                                                       << " values for " << n << " rows");
  Gaussian g;
  g.dim = dim;
  g.mean.assign(size_t(dim), 0.0);
  for (int64_t r = 0; r < n; ++r)
    for (int j = 0; j < dim; ++j) g.mean[size_t(j)] += rows[size_t(r) * dim + j];
  for (double& m : g.mean) m /= double(n);
  g.cov.assign(size_t(dim) * dim, 0.0);
  std::vector<double> c(static_cast<size_t>(dim));
  for (int64_t r = 0; r < n; ++r) {
    for (int j = 0; j < dim; ++j) c[size_t(j)] = rows[size_t(r) * dim + j] - g.mean[size_t(j)];
    for (int i = 0; i < dim; ++i)
      for (int j = i; j < dim; ++j) g.cov[size_t(i) * dim + j] += c[size_t(i)] * c[size_t(j)];
  }
  for (int i = 0; i < dim; ++i)
    for (int j = i; j < dim; ++j) {
      const double v = g.cov[size_t(i) * dim + j] / double(n - 1);
      g.cov[size_t(i) * dim + j] = g.cov[size_t(j) * dim + i] = v;
    }
  return g;
}

void symmetric_eigen(std::vector<double> a, int n, std::vector<double>& values,
                     std::vector<double>& vectors) {
  MGR_CHECK(a.size() == size_t(n) * n,
            "symmetric_eigen: expected an " << n << "x" << n << " matrix");
  std::vector<double> v(size_t(n) * n, 0.0);
  for (int i = 0; i < n; ++i) v[size_t(i) * n + i] = 1.0;
  auto at = [&](int i, int j) -> double& { return a[size_t(i) * n + j]; };
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0, diag = 0;
    for (int i = 0; i < n; ++i) {
      diag += at(i, i) * at(i, i);
      for (int j = i + 1; j < n; ++j) off += at(i, j) * at(i, j);
    }
    if (off <= 1e-30 * std::max(diag, 1e-300)) break;
    for (int p = 0; p < n; ++p)
      for (int q = p + 1; q < n; ++q) {
        const double apq = at(p, q);
        if (std::abs(apq) < 1e-300) continue;
        // The rotation that zeroes a[p][q] (Golub & Van Loan, Algorithm 8.4.1).
        const double theta = (at(q, q) - at(p, p)) / (2 * apq);
        const double t =
            (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < n; ++k) {
          const double akp = at(k, p), akq = at(k, q);
          at(k, p) = c * akp - s * akq;
          at(k, q) = s * akp + c * akq;
        }
        for (int k = 0; k < n; ++k) {
          const double apk = at(p, k), aqk = at(q, k);
          at(p, k) = c * apk - s * aqk;
          at(q, k) = s * apk + c * aqk;
        }
        for (int k = 0; k < n; ++k) {
          const double vkp = v[size_t(k) * n + p], vkq = v[size_t(k) * n + q];
          v[size_t(k) * n + p] = c * vkp - s * vkq;
          v[size_t(k) * n + q] = s * vkp + c * vkq;
        }
      }
  }
  std::vector<int> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int x, int y) { return at(x, x) < at(y, y); });
  values.resize(size_t(n));
  vectors.assign(size_t(n) * n, 0.0);
  for (int k = 0; k < n; ++k) {
    values[size_t(k)] = at(order[size_t(k)], order[size_t(k)]);
    for (int i = 0; i < n; ++i) vectors[size_t(i) * n + k] = v[size_t(i) * n + order[size_t(k)]];
  }
}

namespace {

// sqrt of a symmetric positive semi-definite matrix (negative rounding noise clamped to 0).
std::vector<double> sqrt_psd(const std::vector<double>& a, int n) {
  std::vector<double> w, v;
  symmetric_eigen(a, n, w, v);
  std::vector<double> out(size_t(n) * n, 0.0);
  for (int k = 0; k < n; ++k) {
    const double s = std::sqrt(std::max(0.0, w[size_t(k)]));
    if (s == 0) continue;
    for (int i = 0; i < n; ++i) {
      const double vik = v[size_t(i) * n + k] * s;
      for (int j = 0; j < n; ++j) out[size_t(i) * n + j] += vik * v[size_t(j) * n + k];
    }
  }
  return out;
}

std::vector<double> matmul(const std::vector<double>& a, const std::vector<double>& b, int n) {
  std::vector<double> c(size_t(n) * n, 0.0);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < n; ++k) {
      const double aik = a[size_t(i) * n + k];
      for (int j = 0; j < n; ++j) c[size_t(i) * n + j] += aik * b[size_t(k) * n + j];
    }
  return c;
}

}  // namespace

double frechet_distance(const Gaussian& a, const Gaussian& b) {
  MGR_CHECK(a.dim == b.dim && a.dim > 0,
            "frechet_distance: dimensions " << a.dim << " and " << b.dim << " differ");
  const int n = a.dim;
  double d2 = 0, tr = 0;
  for (int i = 0; i < n; ++i) {
    const double d = a.mean[size_t(i)] - b.mean[size_t(i)];
    d2 += d * d;
    tr += a.cov[size_t(i) * n + i] + b.cov[size_t(i) * n + i];
  }
  // tr((A B)^1/2) = tr((A^1/2 B A^1/2)^1/2): the inner matrix is symmetric PSD.
  const std::vector<double> ra = sqrt_psd(a.cov, n);
  std::vector<double> m = matmul(matmul(ra, b.cov, n), ra, n);
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) {  // symmetrise the rounding
      const double s = 0.5 * (m[size_t(i) * n + j] + m[size_t(j) * n + i]);
      m[size_t(i) * n + j] = m[size_t(j) * n + i] = s;
    }
  std::vector<double> w, v;
  symmetric_eigen(m, n, w, v);
  double tr_sqrt = 0;
  for (double x : w) tr_sqrt += std::sqrt(std::max(0.0, x));
  return std::max(0.0, d2 + tr - 2 * tr_sqrt);
}

}  // namespace mgr::gan
