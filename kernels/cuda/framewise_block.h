// Block-level pieces shared by the framewise and band_stats kernels (include from .cu only).
// A block of kLanes threads reduces in the order of kernels/shared/framewise_common.h: thread l
// sums elements l, l + kLanes, ... in increasing order, then the lanes are folded half onto
// half in shared memory, so the total is bit-identical to the CPU twin's ordered_sum.
#pragma once

#include <cuda_runtime.h>

#include "kernels/shared/framewise_common.h"

namespace mgr::kernels::cuda {

using ::mgr::kernels::dadd;
using ::mgr::kernels::dmul;
using ::mgr::kernels::cpu::kLanes;
using ::mgr::kernels::cpu::pad_index;
using ::mgr::kernels::cpu::PadMode;
using ::mgr::kernels::cpu::rms_square;
using ::mgr::kernels::cpu::rms_value;
using ::mgr::kernels::cpu::zcr_negative;
using ::mgr::kernels::cpu::zcr_value;

// Folds each thread's lane partial (blockDim.x == kLanes) and returns the total to every
// thread. `sh` is kLanes doubles of shared memory; safe to call repeatedly in one kernel.
__device__ __forceinline__ double fold_block(double lane, double* sh) {
  sh[threadIdx.x] = lane;
  __syncthreads();
  for (int s = kLanes / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) sh[threadIdx.x] = dadd(sh[threadIdx.x], sh[threadIdx.x + s]);
    __syncthreads();
  }
  const double total = sh[0];
  __syncthreads();  // sh may be reused at once by the caller
  return total;
}

// Integer block sum (exact, any order), returned to every thread. `sh` is kLanes ints.
__device__ __forceinline__ int sum_block_int(int v, int* sh) {
  sh[threadIdx.x] = v;
  __syncthreads();
  for (int s = kLanes / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) sh[threadIdx.x] += sh[threadIdx.x + s];
    __syncthreads();
  }
  const int total = sh[0];
  __syncthreads();
  return total;
}

// Grid dimension for an index that the kernel also strides over (y and z are limited to 65535).
inline unsigned grid_dim_yz(int64_t n) {
  return static_cast<unsigned>(n < 1 ? 1 : (n > 65535 ? 65535 : n));
}

}  // namespace mgr::kernels::cuda
