// Elementwise CUDA kernels: the same functions as kernels/cpu/elementwise.h, on a stream.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace mgr::kernels::cuda {

void fill(float* y, int64_t n, float value, cudaStream_t stream);
void add(float* y, const float* a, const float* b, int64_t n, cudaStream_t stream);
void axpy(float* y, const float* x, int64_t n, float a, cudaStream_t stream);
void scale(float* y, const float* x, int64_t n, float a, cudaStream_t stream);
void leaky_relu_forward(float* y, const float* x, int64_t n, float slope, cudaStream_t stream);
void leaky_relu_backward(float* dx, const float* dy, const float* x, int64_t n, float slope,
                         cudaStream_t stream);
void elu_forward(float* y, const float* x, int64_t n, float alpha, cudaStream_t stream);
void elu_backward(float* dx, const float* dy, const float* x, int64_t n, float alpha,
                  cudaStream_t stream);
void tanh_forward(float* y, const float* x, int64_t n, cudaStream_t stream);
void tanh_backward(float* dx, const float* dy, const float* y, int64_t n, cudaStream_t stream);
void sigmoid_forward(float* y, const float* x, int64_t n, cudaStream_t stream);
void sigmoid_backward(float* dx, const float* dy, const float* y, int64_t n, cudaStream_t stream);

// Grid size for a grid-stride loop over n elements with `block` threads.
inline unsigned grid_for(int64_t n, int block = 256) {
  int64_t g = (n + block - 1) / block;
  if (g > 65535LL * 8) g = 65535LL * 8;
  return static_cast<unsigned>(g < 1 ? 1 : g);
}

}  // namespace mgr::kernels::cuda
