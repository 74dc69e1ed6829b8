#include "kernels/cpu/lrn.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace mgr::kernels::cpu {

namespace {

// Below this many window terms a parallel team costs more than it saves.
constexpr int64_t kParallelWork = int64_t(1) << 18;

// d [C, HW] = k + alpha/size * (sum of x^2 over each channel's window), for one image x [C, HW].
void window_denominator(const float* x, float* d, const LrnGeometry& g) {
  const int behind = g.size / 2, ahead = (g.size - 1) / 2;
  const float scale = g.alpha / float(g.size);
  for (int c = 0; c < g.c; ++c) {
    float* dc = d + c * g.hw;
    std::fill(dc, dc + g.hw, 0.f);
    const int lo = std::max(0, c - behind), hi = std::min(g.c - 1, c + ahead);
    for (int cc = lo; cc <= hi; ++cc) {
      const float* xc = x + cc * g.hw;
      for (int64_t p = 0; p < g.hw; ++p) dc[p] += xc[p] * xc[p];
    }
    for (int64_t p = 0; p < g.hw; ++p) dc[p] = g.k + scale * dc[p];
  }
}

// out[i] = d[i]^(-beta) for i < n (d >= k > 0). powf per element was most of the LRN time of
// paper 003's RCNN; its (and the layer's default) beta = 0.75 takes square roots instead:
// d^-0.75 = 1 / (sqrt(d) * sqrt(sqrt(d))), each step correctly rounded (a few ulps from powf)
// and vectorised.
void neg_pow(const float* d, float* out, int64_t n, float beta) {
  if (beta == 0.75f) {
    for (int64_t i = 0; i < n; ++i) {
      const float s = std::sqrt(d[i]);
      out[i] = 1.f / (s * std::sqrt(s));
    }
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = std::pow(d[i], -beta);
  }
}

bool parallel(const LrnGeometry& g) { return int64_t(g.n) * g.c * g.hw * g.size > kParallelWork; }

}  // namespace

void lrn_forward(const float* x, float* y, const LrnGeometry& g) {
  const int64_t chw = int64_t(g.c) * g.hw;
#pragma omp parallel if (parallel(g))
  {
    std::vector<float> d(static_cast<size_t>(chw));
#pragma omp for schedule(static)
    for (int n = 0; n < g.n; ++n) {
      const float* xn = x + n * chw;
      float* yn = y + n * chw;
      window_denominator(xn, d.data(), g);
      neg_pow(d.data(), d.data(), chw, g.beta);
      for (int64_t i = 0; i < chw; ++i) yn[i] = xn[i] * d[size_t(i)];
    }
  }
}

void lrn_backward(const float* x, const float* dy, float* dx, const LrnGeometry& g,
                  bool accumulate) {
  const int64_t chw = int64_t(g.c) * g.hw;
  // A channel j lies in the window of channels j - ahead .. j + behind.
  const int behind = g.size / 2, ahead = (g.size - 1) / 2;
  const float coef = 2.f * g.alpha * g.beta / float(g.size);
#pragma omp parallel if (parallel(g))
  {
    // d becomes d^(-beta) in dp; r = dy * x * d^(-beta-1) = dy * x * d^(-beta) / d; s is one
    // channel's window sum of r.
    std::vector<float> d(static_cast<size_t>(chw)), dp(static_cast<size_t>(chw)),
        r(static_cast<size_t>(chw)), s(static_cast<size_t>(g.hw));
#pragma omp for schedule(static)
    for (int n = 0; n < g.n; ++n) {
      const float* xn = x + n * chw;
      const float* dyn = dy + n * chw;
      float* dxn = dx + n * chw;
      window_denominator(xn, d.data(), g);
      neg_pow(d.data(), dp.data(), chw, g.beta);
      for (int64_t i = 0; i < chw; ++i)
        r[size_t(i)] = dyn[i] * xn[i] * dp[size_t(i)] / d[size_t(i)];
      for (int j = 0; j < g.c; ++j) {
        const int lo = std::max(0, j - ahead), hi = std::min(g.c - 1, j + behind);
        const float* xj = xn + j * g.hw;
        const float* dyj = dyn + j * g.hw;
        const float* dpj = dp.data() + j * g.hw;
        float* dxj = dxn + j * g.hw;
        // The window sum in channel order, a whole plane at a time (vectorised across p).
        std::fill(s.begin(), s.end(), 0.f);
        for (int c = lo; c <= hi; ++c) {
          const float* rc = r.data() + c * g.hw;
          for (int64_t p = 0; p < g.hw; ++p) s[size_t(p)] += rc[p];
        }
        if (accumulate) {
          for (int64_t p = 0; p < g.hw; ++p)
            dxj[p] += dyj[p] * dpj[p] - coef * xj[p] * s[size_t(p)];
        } else {
          for (int64_t p = 0; p < g.hw; ++p) dxj[p] = dyj[p] * dpj[p] - coef * xj[p] * s[size_t(p)];
        }
      }
    }
  }
}

}  // namespace mgr::kernels::cpu
