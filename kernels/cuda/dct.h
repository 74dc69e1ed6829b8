// DCT over the band axis (MFCC) on the GPU: the same function as kernels::cpu::dct_apply.
#pragma once

#include <cublas_v2.h>

#include <cstdint>

namespace mgr::kernels::cuda {

// out [batch, n_out, frames] = D [n_out, n_in] x [batch, n_in, frames] per clip, one cuBLAS
// strided-batched SGEMM (D shared, stride 0). The handle must be bound to the caller's stream
// and use CUBLAS_DEFAULT_MATH (no TF32), like mgr::cuda::cublas(dev).
void dct_apply(cublasHandle_t handle, float* out, const float* x, int64_t batch, int n_in,
               int64_t frames, const float* dct, int n_out);

}  // namespace mgr::kernels::cuda
