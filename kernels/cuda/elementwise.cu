#include "kernels/cuda/check.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/shared/elementwise_ops.h"

namespace mgr::kernels::cuda {

namespace {

__global__ void fill_kernel(float* y, int64_t n, float value) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = value;
}

__global__ void add_kernel(float* y, const float* a, const float* b, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = add_value(a[i], b[i]);
}

__global__ void axpy_kernel(float* y, const float* x, int64_t n, float a) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = axpy_value(y[i], a, x[i]);
}

__global__ void scale_kernel(float* y, const float* x, int64_t n, float a) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = fmul(a, x[i]);
}

__global__ void leaky_relu_forward_kernel(float* y, const float* x, int64_t n, float slope) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = leaky_relu_value(x[i], slope);
}

__global__ void leaky_relu_backward_kernel(float* dx, const float* dy, const float* x, int64_t n,
                                           float slope) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    dx[i] = leaky_relu_grad_accum(dx[i], dy[i], x[i], slope);
}

__global__ void elu_forward_kernel(float* y, const float* x, int64_t n, float alpha) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = elu_value(x[i], alpha);
}

__global__ void elu_backward_kernel(float* dx, const float* dy, const float* x, int64_t n,
                                    float alpha) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    dx[i] = elu_grad_accum(dx[i], dy[i], x[i], alpha);
}

__global__ void tanh_forward_kernel(float* y, const float* x, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = tanh_value(x[i]);
}

__global__ void tanh_backward_kernel(float* dx, const float* dy, const float* y, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    dx[i] = tanh_grad_accum(dx[i], dy[i], y[i]);
}

__global__ void sigmoid_forward_kernel(float* y, const float* x, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = sigmoid_value(x[i]);
}

__global__ void sigmoid_backward_kernel(float* dx, const float* dy, const float* y, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    dx[i] = sigmoid_grad_accum(dx[i], dy[i], y[i]);
}

}  // namespace

void fill(float* y, int64_t n, float value, cudaStream_t stream) {
  if (n == 0) return;
  fill_kernel<<<grid_for(n), 256, 0, stream>>>(y, n, value);
  MGR_CUDA_LAUNCH_CHECK("fill_kernel");
}

void add(float* y, const float* a, const float* b, int64_t n, cudaStream_t stream) {
  if (n == 0) return;
  add_kernel<<<grid_for(n), 256, 0, stream>>>(y, a, b, n);
  MGR_CUDA_LAUNCH_CHECK("add_kernel");
}

void axpy(float* y, const float* x, int64_t n, float a, cudaStream_t stream) {
  if (n == 0) return;
  axpy_kernel<<<grid_for(n), 256, 0, stream>>>(y, x, n, a);
  MGR_CUDA_LAUNCH_CHECK("axpy_kernel");
}

void scale(float* y, const float* x, int64_t n, float a, cudaStream_t stream) {
  if (n == 0) return;
  scale_kernel<<<grid_for(n), 256, 0, stream>>>(y, x, n, a);
  MGR_CUDA_LAUNCH_CHECK("scale_kernel");
}

void leaky_relu_forward(float* y, const float* x, int64_t n, float slope, cudaStream_t stream) {
  if (n == 0) return;
  leaky_relu_forward_kernel<<<grid_for(n), 256, 0, stream>>>(y, x, n, slope);
  MGR_CUDA_LAUNCH_CHECK("leaky_relu_forward_kernel");
}

void leaky_relu_backward(float* dx, const float* dy, const float* x, int64_t n, float slope,
                         cudaStream_t stream) {
  if (n == 0) return;
  leaky_relu_backward_kernel<<<grid_for(n), 256, 0, stream>>>(dx, dy, x, n, slope);
  MGR_CUDA_LAUNCH_CHECK("leaky_relu_backward_kernel");
}

void elu_forward(float* y, const float* x, int64_t n, float alpha, cudaStream_t stream) {
  if (n == 0) return;
  elu_forward_kernel<<<grid_for(n), 256, 0, stream>>>(y, x, n, alpha);
  MGR_CUDA_LAUNCH_CHECK("elu_forward_kernel");
}

void elu_backward(float* dx, const float* dy, const float* x, int64_t n, float alpha,
                  cudaStream_t stream) {
  if (n == 0) return;
  elu_backward_kernel<<<grid_for(n), 256, 0, stream>>>(dx, dy, x, n, alpha);
  MGR_CUDA_LAUNCH_CHECK("elu_backward_kernel");
}

void tanh_forward(float* y, const float* x, int64_t n, cudaStream_t stream) {
  if (n == 0) return;
  tanh_forward_kernel<<<grid_for(n), 256, 0, stream>>>(y, x, n);
  MGR_CUDA_LAUNCH_CHECK("tanh_forward_kernel");
}

void tanh_backward(float* dx, const float* dy, const float* y, int64_t n, cudaStream_t stream) {
  if (n == 0) return;
  tanh_backward_kernel<<<grid_for(n), 256, 0, stream>>>(dx, dy, y, n);
  MGR_CUDA_LAUNCH_CHECK("tanh_backward_kernel");
}

void sigmoid_forward(float* y, const float* x, int64_t n, cudaStream_t stream) {
  if (n == 0) return;
  sigmoid_forward_kernel<<<grid_for(n), 256, 0, stream>>>(y, x, n);
  MGR_CUDA_LAUNCH_CHECK("sigmoid_forward_kernel");
}

void sigmoid_backward(float* dx, const float* dy, const float* y, int64_t n, cudaStream_t stream) {
  if (n == 0) return;
  sigmoid_backward_kernel<<<grid_for(n), 256, 0, stream>>>(dx, dy, y, n);
  MGR_CUDA_LAUNCH_CHECK("sigmoid_backward_kernel");
}

}  // namespace mgr::kernels::cuda
