#include "kernels/cuda/check.h"
#include "kernels/cuda/compress.h"
#include "kernels/cuda/elementwise.h"

namespace mgr::kernels::cuda {

namespace {

// One thread per output element, frames fastest: a warp reads consecutive frames of a bin row.
__global__ void average_bin_groups_kernel(float* __restrict__ out, const float* __restrict__ in,
                                          int64_t total, int bins, int64_t frames, BinGroups g) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t t = i % frames;
    const int64_t bg = i / frames;
    const int j = static_cast<int>(bg % g.groups);
    const int64_t b = bg / g.groups;
    const float* src = in + (b * bins + g.begin[j]) * frames + t;
    float acc = src[0];
    for (int k = 1; k < g.count[j]; ++k) acc += src[int64_t(k) * frames];
    out[i] = g.count[j] > 1 ? acc * (1.f / static_cast<float>(g.count[j])) : acc;
  }
}

}  // namespace

void average_bin_groups(float* out, const float* in, int64_t batch, int bins, int64_t frames,
                        const BinGroups& g, cudaStream_t stream) {
  const int64_t total = batch * g.groups * frames;
  if (total == 0) return;
  average_bin_groups_kernel<<<grid_for(total), 256, 0, stream>>>(out, in, total, bins, frames, g);
  MGR_CUDA_LAUNCH_CHECK("average_bin_groups_kernel");
}

}  // namespace mgr::kernels::cuda
