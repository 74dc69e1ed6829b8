#include "kernels/cpu/batchnorm2d.h"

#include <cmath>
#include <vector>

#include "kernels/shared/batchnorm_eval.h"

namespace mgr::kernels::cpu {

namespace {

// Sums within one plane run in float lanes (vectorised), sums across planes in double: the
// planes are short enough for float, the whole batch is not.
inline float plane_sum(const float* p, int64_t len) {
  float s = 0.f;
#pragma omp simd reduction(+ : s)
  for (int64_t k = 0; k < len; ++k) s += p[k];
  return s;
}

inline float plane_sq_dev(const float* p, int64_t len, float mean) {
  float s = 0.f;
#pragma omp simd reduction(+ : s)
  for (int64_t k = 0; k < len; ++k) s += (p[k] - mean) * (p[k] - mean);
  return s;
}

// Below this many elements a parallel team costs more than it saves.
constexpr int64_t kParallelWork = int64_t(1) << 16;

}  // namespace

void batchnorm2d_forward_train(const float* x, const float* gamma, const float* beta, float* y,
                               float* running_mean, float* running_var, float* save_mean,
                               float* save_invstd, int n, int c, int64_t hw, float momentum,
                               float eps) {
  const int64_t chw = int64_t(c) * hw;
  const double m = double(n) * double(hw);
#pragma omp parallel for schedule(static) if (n * chw > kParallelWork)
  for (int ch = 0; ch < c; ++ch) {
    // Per plane, two passes while the plane sits in L1/L2 (mean, then squared deviations
    // from it: one-pass E[x^2] - E[x]^2 cancels badly); planes are then combined exactly in
    // double: M2 = sum of plane M2 + hw * sum (plane mean - mean)^2. x is read from memory
    // once for the statistics instead of twice.
    std::vector<float> plane_mean(static_cast<size_t>(n));
    double s = 0, ss = 0;  // sum of plane means, of plane M2
    for (int i = 0; i < n; ++i) {
      const float* p = x + i * chw + ch * hw;
      const float pm = plane_sum(p, hw) / float(hw);
      plane_mean[i] = pm;
      s += pm;
      ss += plane_sq_dev(p, hw, pm);
    }
    const double mean = s / n;
    for (int i = 0; i < n; ++i) ss += double(hw) * (plane_mean[i] - mean) * (plane_mean[i] - mean);
    const double var = ss / m;
    const float invstd = float(1.0 / std::sqrt(var + eps));
    const float scale = gamma[ch] * invstd;
    const float shift = beta[ch] - float(mean) * scale;
    for (int i = 0; i < n; ++i) {
      const float* p = x + i * chw + ch * hw;
      float* q = y + i * chw + ch * hw;
      for (int64_t k = 0; k < hw; ++k) q[k] = p[k] * scale + shift;
    }
    save_mean[ch] = float(mean);
    save_invstd[ch] = invstd;
    const double unbiased = m > 1 ? var * m / (m - 1) : var;
    running_mean[ch] = float((1.0 - momentum) * running_mean[ch] + momentum * mean);
    running_var[ch] = float((1.0 - momentum) * running_var[ch] + momentum * unbiased);
  }
}

void batchnorm2d_forward_eval(const float* x, const float* gamma, const float* beta, float* y,
                              const float* running_mean, const float* running_var, int n, int c,
                              int64_t hw, float eps) {
  const int64_t chw = int64_t(c) * hw;
#pragma omp parallel for schedule(static) if (n * chw > kParallelWork)
  for (int ch = 0; ch < c; ++ch) {
    const float invstd = 1.f / std::sqrt(running_var[ch] + eps);
    const float scale = gamma[ch] * invstd;
    const float shift = beta[ch] - running_mean[ch] * scale;
    for (int i = 0; i < n; ++i) {
      const float* p = x + i * chw + ch * hw;
      float* q = y + i * chw + ch * hw;
      for (int64_t k = 0; k < hw; ++k) q[k] = p[k] * scale + shift;
    }
  }
}

void batchnorm2d_backward(const float* x, const float* gamma, const float* dy, const float* mean,
                          const float* invstd, bool batch_stats, float* dx, float* dgamma,
                          float* dbeta, int n, int c, int64_t hw) {
  const int64_t chw = int64_t(c) * hw;
  const double m = double(n) * double(hw);
#pragma omp parallel for schedule(static) if (n * chw > kParallelWork)
  for (int ch = 0; ch < c; ++ch) {
    const float mu = mean[ch], is = invstd[ch];
    double sdy = 0, sdyx = 0;  // sum(dy), sum(dy * xhat)
    for (int i = 0; i < n; ++i) {
      const float* p = x + i * chw + ch * hw;
      const float* d = dy + i * chw + ch * hw;
      float a = 0.f, b = 0.f;
#pragma omp simd reduction(+ : a, b)
      for (int64_t k = 0; k < hw; ++k) {
        a += d[k];
        b += d[k] * (p[k] - mu);
      }
      sdy += a;
      sdyx += double(b) * is;
    }
    if (dgamma) dgamma[ch] += float(sdyx);
    if (dbeta) dbeta[ch] += float(sdy);
    if (!dx) continue;
    const float g = gamma[ch] * is;
    if (batch_stats) {
      const float mean_dy = float(sdy / m), mean_dyx = float(sdyx / m);
      for (int i = 0; i < n; ++i) {
        const float* p = x + i * chw + ch * hw;
        const float* d = dy + i * chw + ch * hw;
        float* q = dx + i * chw + ch * hw;
        for (int64_t k = 0; k < hw; ++k) q[k] += g * (d[k] - mean_dy - (p[k] - mu) * is * mean_dyx);
      }
    } else {
      for (int i = 0; i < n; ++i) {
        const float* d = dy + i * chw + ch * hw;
        float* q = dx + i * chw + ch * hw;
        for (int64_t k = 0; k < hw; ++k) q[k] = bn_eval_input_grad(q[k], g, d[k]);
      }
    }
  }
}

}  // namespace mgr::kernels::cpu
