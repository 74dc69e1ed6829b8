#include "kernels/cpu/elementwise.h"

namespace mgr::kernels::cpu {

void fill(float* y, int64_t n, float value) {
  for (int64_t i = 0; i < n; ++i) y[i] = value;
}

void axpy(float* y, const float* x, int64_t n, float a) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

void scale(float* y, const float* x, int64_t n, float a) {
  for (int64_t i = 0; i < n; ++i) y[i] = a * x[i];
}

void leaky_relu_forward(float* y, const float* x, int64_t n, float slope) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.f ? x[i] : slope * x[i];
}

void leaky_relu_backward(float* dx, const float* dy, const float* x, int64_t n, float slope) {
  for (int64_t i = 0; i < n; ++i) dx[i] += x[i] > 0.f ? dy[i] : slope * dy[i];
}

}  // namespace mgr::kernels::cpu
