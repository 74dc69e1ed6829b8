#include "kernels/error.h"

#if MGR_WITH_CUDA
#include <memory>
#include <mutex>

#include "framework/tensor/allocator.h"
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/check.h"

namespace mgr::cuda {

DeviceGuard::DeviceGuard(int device) {
  MGR_CUDA_CHECK(cudaGetDevice(&previous_));
  if (previous_ != device) MGR_CUDA_CHECK(cudaSetDevice(device));
}

DeviceGuard::~DeviceGuard() {
  int now = -1;
  if (cudaGetDevice(&now) == cudaSuccess && now != previous_) cudaSetDevice(previous_);
}

namespace {

// Each library's handle is created the first time it is asked for, under its own flag: a cuDNN
// that fails to load (a missing sub-library, a version mismatch) then fails only the calls that
// use cuDNN, and the kernels, cuFFT and cuBLAS work that needs no cuDNN keeps running. A failed
// creation is not remembered: the next call tries again and reports the same error.
struct Context {
  cudaStream_t stream = nullptr;
  std::mutex handle_mu;
  cublasHandle_t cublas = nullptr;
  cudnnHandle_t cudnn = nullptr;
  void* workspace = nullptr;
  size_t workspace_bytes = 0;
};

constexpr int kMaxDevices = 64;
std::mutex g_mu;
std::unique_ptr<Context> g_contexts[kMaxDevices];

// The stream is created with the context; the handles live for the whole process: destroying
// them at exit races with the CUDA runtime's own teardown.
Context& context(int device) {
  MGR_CHECK(device >= 0 && device < kMaxDevices, "bad CUDA device index " << device);
  std::lock_guard<std::mutex> lock(g_mu);
  auto& ctx = g_contexts[device];
  if (!ctx) {
    DeviceGuard guard(device);
    auto c = std::make_unique<Context>();
    MGR_CUDA_CHECK(cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking));
    ctx = std::move(c);
  }
  return *ctx;
}

}  // namespace

cudaStream_t stream(int device) { return context(device).stream; }

cublasHandle_t cublas(int device) {
  Context& c = context(device);
  std::lock_guard<std::mutex> lock(c.handle_mu);
  if (!c.cublas) {
    DeviceGuard guard(device);
    cublasHandle_t h = nullptr;
    MGR_CUBLAS_CHECK(cublasCreate(&h));
    MGR_CUBLAS_CHECK(cublasSetStream(h, c.stream));
    // Deterministic, full-precision float32 GEMMs (no TF32) so CUDA matches the CPU reference.
    MGR_CUBLAS_CHECK(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH));
    c.cublas = h;
  }
  return c.cublas;
}

cudnnHandle_t cudnn(int device) {
  Context& c = context(device);
  std::lock_guard<std::mutex> lock(c.handle_mu);
  if (!c.cudnn) {
    DeviceGuard guard(device);
    cudnnHandle_t h = nullptr;
    MGR_CUDNN_CHECK(cudnnCreate(&h));
    MGR_CUDNN_CHECK(cudnnSetStream(h, c.stream));
    c.cudnn = h;
  }
  return c.cudnn;
}

void synchronize(int device) {
  DeviceGuard guard(device);
  MGR_CUDA_CHECK(cudaStreamSynchronize(stream(device)));
}

void* workspace(int device, size_t bytes) {
  Context& c = context(device);
  if (bytes > c.workspace_bytes) {
    DeviceGuard guard(device);
    if (c.workspace) {
      MGR_CUDA_CHECK(cudaStreamSynchronize(c.stream));  // the old block may still be in use
      MGR_CUDA_CHECK(cudaFree(c.workspace));
      c.workspace = nullptr;  // never hand out the freed block if the allocation below fails
      c.workspace_bytes = 0;
    }
    void* p = nullptr;
    cudaError_t e = cudaMalloc(&p, bytes);
    if (e == cudaErrorMemoryAllocation) {  // the tensor cache may hold the memory we need
      cudaGetLastError();
      cuda_empty_cache();
      e = cudaMalloc(&p, bytes);
    }
    MGR_CUDA_CHECK(e);
    c.workspace = p;
    c.workspace_bytes = bytes;
  }
  return c.workspace;
}

}  // namespace mgr::cuda
#endif
