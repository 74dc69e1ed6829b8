#include "kernels/cuda/check.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/permute.h"

namespace mgr::kernels::cuda {

namespace {

// Passed by value (kernel parameter space), so no device copy of the index tables is needed.
struct PermuteParams {
  int ndim;
  int64_t out_shape[kMaxPermuteDims];
  int64_t src_stride[kMaxPermuteDims];  // input stride of each output dimension
};

// One thread per output element (coalesced writes); the input address is rebuilt from the
// output coordinates.
__global__ void permute_kernel(float* y, const float* x, int64_t n, PermuteParams prm,
                               bool accumulate) {
  for (int64_t o = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; o < n;
       o += int64_t(gridDim.x) * blockDim.x) {
    int64_t rest = o, src = 0;
    for (int d = prm.ndim - 1; d >= 0; --d) {
      const int64_t q = rest / prm.out_shape[d];
      src += (rest - q * prm.out_shape[d]) * prm.src_stride[d];
      rest = q;
    }
    if (accumulate)
      y[o] += x[src];
    else
      y[o] = x[src];
  }
}

__global__ void select_middle_kernel(float* y, const float* x, int64_t outer, int64_t t_len,
                                     int64_t inner, int64_t t) {
  const int64_t n = outer * inner;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t o = i / inner;
    y[i] = x[(o * t_len + t) * inner + (i - o * inner)];
  }
}

__global__ void select_middle_backward_kernel(float* dx, const float* dy, int64_t outer,
                                              int64_t t_len, int64_t inner, int64_t t) {
  const int64_t n = outer * inner;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t o = i / inner;
    dx[(o * t_len + t) * inner + (i - o * inner)] += dy[i];
  }
}

}  // namespace

void permute(float* y, const float* x, const int64_t* in_shape, const int* perm, int ndim,
             bool accumulate, cudaStream_t stream) {
  MGR_CHECK(ndim >= 1 && ndim <= kMaxPermuteDims, "permute: rank " << ndim << " unsupported");
  PermuteParams prm{};
  prm.ndim = ndim;
  int64_t in_stride[kMaxPermuteDims];
  int64_t n = 1;
  for (int d = ndim - 1; d >= 0; --d) {
    in_stride[d] = n;
    n *= in_shape[d];
  }
  for (int d = 0; d < ndim; ++d) {
    prm.out_shape[d] = in_shape[perm[d]];
    prm.src_stride[d] = in_stride[perm[d]];
  }
  if (n == 0) return;
  permute_kernel<<<grid_for(n), 256, 0, stream>>>(y, x, n, prm, accumulate);
  MGR_CUDA_LAUNCH_CHECK("permute_kernel");
}

void select_middle(float* y, const float* x, int64_t outer, int64_t t_len, int64_t inner, int64_t t,
                   cudaStream_t stream) {
  if (outer * inner == 0) return;
  select_middle_kernel<<<grid_for(outer * inner), 256, 0, stream>>>(y, x, outer, t_len, inner, t);
  MGR_CUDA_LAUNCH_CHECK("select_middle_kernel");
}

void select_middle_backward(float* dx, const float* dy, int64_t outer, int64_t t_len, int64_t inner,
                            int64_t t, cudaStream_t stream) {
  if (outer * inner == 0) return;
  select_middle_backward_kernel<<<grid_for(outer * inner), 256, 0, stream>>>(dx, dy, outer, t_len,
                                                                             inner, t);
  MGR_CUDA_LAUNCH_CHECK("select_middle_backward_kernel");
}

}  // namespace mgr::kernels::cuda
