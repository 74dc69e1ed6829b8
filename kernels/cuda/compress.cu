#include "kernels/cuda/check.h"
#include "kernels/cuda/compress.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/shared/bin_groups.h"

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
    float mean;  // the CPU twin's row arithmetic on one frame (kernels/shared/bin_groups.h)
    bin_group_mean(&mean, in + (b * bins + g.begin[j]) * frames + t, frames, g.count[j], 1);
    out[i] = mean;
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
