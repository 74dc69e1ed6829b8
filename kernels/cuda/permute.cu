#include "kernels/cuda/check.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/permute.h"

namespace mgr::kernels::cuda {

namespace {

// One thread per output element (coalesced writes); the input address is rebuilt from the
// output coordinates by kernels/shared/permute_index.h. The plan is passed by value (kernel
// parameter space), so no device copy of the index tables is needed.
__global__ void permute_kernel(float* y, const float* x, int64_t n, PermutePlan plan,
                               bool accumulate) {
  for (int64_t o = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; o < n;
       o += int64_t(gridDim.x) * blockDim.x) {
    const int64_t src = permute_source(o, plan);
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
    y[i] = x[middle_row(o, t_len, inner, t) + (i - o * inner)];
  }
}

__global__ void select_middle_backward_kernel(float* dx, const float* dy, int64_t outer,
                                              int64_t t_len, int64_t inner, int64_t t) {
  const int64_t n = outer * inner;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t o = i / inner;
    dx[middle_row(o, t_len, inner, t) + (i - o * inner)] += dy[i];
  }
}

// One thread per element of the [outer, len, inner] block; offsets from narrow_offsets.
__global__ void narrow_copy_kernel(float* y, const float* x, int64_t n, NarrowPlan plan,
                                   bool accumulate) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < n;
       e += int64_t(gridDim.x) * blockDim.x) {
    int64_t src = 0, dst = 0;
    narrow_offsets(e, plan, &src, &dst);
    if (accumulate)
      y[dst] += x[src];
    else
      y[dst] = x[src];
  }
}

}  // namespace

void permute(float* y, const float* x, const int64_t* in_shape, const int* perm, int ndim,
             bool accumulate, cudaStream_t stream) {
  MGR_CHECK(ndim >= 1 && ndim <= kMaxPermuteDims, "permute: rank " << ndim << " unsupported");
  const PermutePlan plan = permute_plan(in_shape, perm, ndim);
  const int64_t n = plan.numel;
  if (n == 0) return;
  permute_kernel<<<grid_for(n), 256, 0, stream>>>(y, x, n, plan, accumulate);
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

void narrow_copy(float* y, const float* x, const NarrowPlan& plan, bool accumulate,
                 cudaStream_t stream) {
  const int64_t n = plan.outer * plan.len * plan.inner;
  if (n == 0) return;
  narrow_copy_kernel<<<grid_for(n), 256, 0, stream>>>(y, x, n, plan, accumulate);
  MGR_CUDA_LAUNCH_CHECK("narrow_copy_kernel");
}

}  // namespace mgr::kernels::cuda
