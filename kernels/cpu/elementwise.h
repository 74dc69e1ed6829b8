// Elementwise reference kernels (plain loops). Pointers + sizes only, no framework types.
#pragma once

#include <cstdint>

namespace mgr::kernels::cpu {

void fill(float* y, int64_t n, float value);
// y = a + b
void add(float* y, const float* a, const float* b, int64_t n);
// y = a * x + y
void axpy(float* y, const float* x, int64_t n, float a);
// y = a * x
void scale(float* y, const float* x, int64_t n, float a);
// y = max(x, 0) * 1 + min(x, 0) * slope  (slope 0 gives ReLU)
void leaky_relu_forward(float* y, const float* x, int64_t n, float slope);
// dx += dy * (x > 0 ? 1 : slope); with accumulate false, dx = (dx is write-only)
void leaky_relu_backward(float* dx, const float* dy, const float* x, int64_t n, float slope,
                         bool accumulate = true);
// y = x > 0 ? x : alpha * (exp(x) - 1)
void elu_forward(float* y, const float* x, int64_t n, float alpha);
// dx += dy * (x > 0 ? 1 : alpha * exp(x))
void elu_backward(float* dx, const float* dy, const float* x, int64_t n, float alpha);
// y = tanh(x); backward from the output: dx += dy * (1 - y^2)
void tanh_forward(float* y, const float* x, int64_t n);
void tanh_backward(float* dx, const float* dy, const float* y, int64_t n);
// y = 1 / (1 + exp(-x)); backward from the output: dx += dy * y * (1 - y)
void sigmoid_forward(float* y, const float* x, int64_t n);
void sigmoid_backward(float* dx, const float* dy, const float* y, int64_t n);

}  // namespace mgr::kernels::cpu
