// Layout kernels on the GPU: the functions of kernels/cpu/permute.h.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/shared/permute_index.h"  // kMaxPermuteDims, PermutePlan

namespace mgr::kernels::cuda {

void permute(float* y, const float* x, const int64_t* in_shape, const int* perm, int ndim,
             bool accumulate, cudaStream_t stream);
void select_middle(float* y, const float* x, int64_t outer, int64_t t_len, int64_t inner, int64_t t,
                   cudaStream_t stream);
void select_middle_backward(float* dx, const float* dy, int64_t outer, int64_t t_len, int64_t inner,
                            int64_t t, cudaStream_t stream);

void narrow_copy(float* y, const float* x, const NarrowPlan& plan, bool accumulate,
                 cudaStream_t stream);

}  // namespace mgr::kernels::cuda
