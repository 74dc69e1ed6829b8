#include "kernels/cuda/check.h"
#include "kernels/cuda/gather.h"

namespace mgr::kernels::cuda {

namespace {
// One block row per gathered row: the copy of a row is contiguous, so loads and stores coalesce.
__global__ void gather_rows_kernel(float* out, const float* src, const int32_t* index,
                                   int64_t row_elems) {
  const int64_t i = blockIdx.y;
  const float* s = src + int64_t(index[i]) * row_elems;
  float* o = out + i * row_elems;
  for (int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; j < row_elems;
       j += int64_t(gridDim.x) * blockDim.x)
    o[j] = s[j];
}
}  // namespace

void gather_rows(float* out, const float* src, const int32_t* index, int64_t n, int64_t row_elems,
                 cudaStream_t stream) {
  if (n == 0 || row_elems == 0) return;
  MGR_CHECK(n <= 65535, "gather_rows: at most 65535 rows per call, got " << n);
  int64_t bx = (row_elems + 255) / 256;
  if (bx > 1024) bx = 1024;
  gather_rows_kernel<<<dim3(static_cast<unsigned>(bx), static_cast<unsigned>(n)), 256, 0, stream>>>(
      out, src, index, row_elems);
  MGR_CUDA_LAUNCH_CHECK("gather_rows_kernel");
}

}  // namespace mgr::kernels::cuda
