// Checked calls into the CUDA runtime, cuBLAS, cuDNN and cuFFT. Each failure names the call,
// the library's reason and the source location. Include only from CUDA-enabled translation units.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>
#include <cufft.h>

#include "kernels/error.h"

namespace mgr::cuda {

const char* cublas_status_name(cublasStatus_t s);
const char* cufft_status_name(cufftResult s);

}  // namespace mgr::cuda

#define MGR_CUDA_CHECK(call)                                            \
  do {                                                                  \
    cudaError_t mgr_e_ = (call);                                        \
    if (mgr_e_ != cudaSuccess)                                          \
      MGR_FAIL(#call << " failed: " << cudaGetErrorName(mgr_e_) << ": " \
                     << cudaGetErrorString(mgr_e_));                    \
  } while (0)

// After a kernel launch: reports bad launch configurations (and earlier asynchronous errors).
#define MGR_CUDA_LAUNCH_CHECK(kernel_name)                                                    \
  do {                                                                                        \
    cudaError_t mgr_e_ = cudaGetLastError();                                                  \
    if (mgr_e_ != cudaSuccess)                                                                \
      MGR_FAIL("launch of " << kernel_name << " failed: " << cudaGetErrorName(mgr_e_) << ": " \
                            << cudaGetErrorString(mgr_e_));                                   \
  } while (0)

#define MGR_CUBLAS_CHECK(call)                                                   \
  do {                                                                           \
    cublasStatus_t mgr_s_ = (call);                                              \
    if (mgr_s_ != CUBLAS_STATUS_SUCCESS)                                         \
      MGR_FAIL(#call << " failed: " << ::mgr::cuda::cublas_status_name(mgr_s_)); \
  } while (0)

#define MGR_CUDNN_CHECK(call)                                                                      \
  do {                                                                                             \
    cudnnStatus_t mgr_s_ = (call);                                                                 \
    if (mgr_s_ != CUDNN_STATUS_SUCCESS) {                                                          \
      char mgr_detail_[512] = {0}; /* cuDNN 9: which parameter / sub-library, and why */           \
      cudnnGetLastErrorString(mgr_detail_, sizeof(mgr_detail_));                                   \
      MGR_FAIL(#call << " failed: " << cudnnGetErrorString(mgr_s_) << " [" << mgr_detail_ << "]"); \
    }                                                                                              \
  } while (0)

#define MGR_CUFFT_CHECK(call)                                                   \
  do {                                                                          \
    cufftResult mgr_s_ = (call);                                                \
    if (mgr_s_ != CUFFT_SUCCESS)                                                \
      MGR_FAIL(#call << " failed: " << ::mgr::cuda::cufft_status_name(mgr_s_)); \
  } while (0)
