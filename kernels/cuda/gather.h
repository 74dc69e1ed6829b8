#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace mgr::kernels::cuda {

// out[i, :] = src[index[i], :]; `index` is a device array of n int32.
void gather_rows(float* out, const float* src, const int32_t* index, int64_t n, int64_t row_elems,
                 cudaStream_t stream);

}  // namespace mgr::kernels::cuda
