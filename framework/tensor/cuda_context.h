// Per-device CUDA state: the stream all mgr work runs on, and cuBLAS/cuDNN handles bound to it.
// Only for CUDA-enabled translation units (MGR_WITH_CUDA).
#pragma once

#if !MGR_WITH_CUDA
#error "cuda_context.h is only available in CUDA builds"
#endif

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <cstddef>

namespace mgr::cuda {

// Makes `device` current for the lifetime of the guard and restores the previous one after.
class DeviceGuard {
 public:
  explicit DeviceGuard(int device);
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_ = -1;
};

cudaStream_t stream(int device);
cublasHandle_t cublas(int device);
cudnnHandle_t cudnn(int device);

// Waits for all work queued on the device's stream.
void synchronize(int device);

// Scratch memory for library workspaces (cuDNN, cuFFT), grown on demand and reused.
void* workspace(int device, size_t bytes);

}  // namespace mgr::cuda
