#include "kernels/cpu/elementwise.h"

#include "kernels/shared/elementwise_ops.h"

// Large elementwise loops use both cores: single-threaded, the CRNN's ReLU forward and backward
// were about a third of the CPU time of its convolutional front end. Small loops stay serial,
// where an OpenMP team costs more than the work.
#define MGR_PARALLEL_FOR_LARGE(n) _Pragma("omp parallel for simd schedule(static) if (n > 65536)")

namespace mgr::kernels::cpu {

void fill(float* y, int64_t n, float value) {
  MGR_PARALLEL_FOR_LARGE(n)
  for (int64_t i = 0; i < n; ++i) y[i] = value;
}

void add(float* y, const float* a, const float* b, int64_t n) {
  MGR_PARALLEL_FOR_LARGE(n)
  for (int64_t i = 0; i < n; ++i) y[i] = add_value(a[i], b[i]);
}

void axpy(float* y, const float* x, int64_t n, float a) {
  MGR_PARALLEL_FOR_LARGE(n)
  for (int64_t i = 0; i < n; ++i) y[i] = axpy_value(y[i], a, x[i]);
}

void scale(float* y, const float* x, int64_t n, float a) {
  MGR_PARALLEL_FOR_LARGE(n)
  for (int64_t i = 0; i < n; ++i) y[i] = fmul(a, x[i]);
}

void leaky_relu_forward(float* y, const float* x, int64_t n, float slope) {
  MGR_PARALLEL_FOR_LARGE(n)
  for (int64_t i = 0; i < n; ++i) y[i] = leaky_relu_value(x[i], slope);
}

void leaky_relu_backward(float* dx, const float* dy, const float* x, int64_t n, float slope,
                         bool accumulate) {
  if (accumulate) {
    MGR_PARALLEL_FOR_LARGE(n)
    for (int64_t i = 0; i < n; ++i) dx[i] = leaky_relu_grad_accum(dx[i], dy[i], x[i], slope);
  } else {
    MGR_PARALLEL_FOR_LARGE(n)
    for (int64_t i = 0; i < n; ++i) dx[i] = leaky_relu_grad(dy[i], x[i], slope);
  }
}

void elu_forward(float* y, const float* x, int64_t n, float alpha) {
  MGR_PARALLEL_FOR_LARGE(n)
  for (int64_t i = 0; i < n; ++i) y[i] = elu_value(x[i], alpha);
}

void elu_backward(float* dx, const float* dy, const float* x, int64_t n, float alpha) {
  MGR_PARALLEL_FOR_LARGE(n)
  for (int64_t i = 0; i < n; ++i) dx[i] = elu_grad_accum(dx[i], dy[i], x[i], alpha);
}

void tanh_forward(float* y, const float* x, int64_t n) {
  MGR_PARALLEL_FOR_LARGE(n)
  for (int64_t i = 0; i < n; ++i) y[i] = tanh_value(x[i]);
}

void tanh_backward(float* dx, const float* dy, const float* y, int64_t n) {
  MGR_PARALLEL_FOR_LARGE(n)
  for (int64_t i = 0; i < n; ++i) dx[i] = tanh_grad_accum(dx[i], dy[i], y[i]);
}

void sigmoid_forward(float* y, const float* x, int64_t n) {
  MGR_PARALLEL_FOR_LARGE(n)
  for (int64_t i = 0; i < n; ++i) y[i] = sigmoid_value(x[i]);
}

void sigmoid_backward(float* dx, const float* dy, const float* y, int64_t n) {
  MGR_PARALLEL_FOR_LARGE(n)
  for (int64_t i = 0; i < n; ++i) dx[i] = sigmoid_grad_accum(dx[i], dy[i], y[i]);
}

}  // namespace mgr::kernels::cpu
