#include "framework/store/environment_info.h"

#include <omp.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <thread>

#include "mgr_git_commit.h"  // generated at build time (cmake/git_commit.cmake)

#if MGR_WITH_CUDA
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>
#include <cufft.h>
#endif

namespace mgr {

const char* git_commit() { return MGR_GIT_COMMIT; }

nlohmann::json environment_info(Device device) {
  nlohmann::json j;
  j["git_commit"] = git_commit();
  j["device"] = device.str();
  j["built_with_cuda"] = built_with_cuda();
#if defined(__VERSION__)
  j["compiler"] = __VERSION__;
#endif
#ifdef NDEBUG
  j["build_type"] = "release";
#else
  j["build_type"] = "debug";
#endif
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) == 0) j["hostname"] = host;
  j["host_threads"] = std::thread::hardware_concurrency();
  j["omp_max_threads"] = omp_get_max_threads();
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  j["started_utc"] = buf;
#if MGR_WITH_CUDA
  j["cuda_compiled_version"] = CUDART_VERSION;
  j["cudnn_compiled_version"] = CUDNN_VERSION;
  if (device.is_cuda()) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, device.index) == cudaSuccess) {
      j["gpu_name"] = prop.name;
      j["gpu_compute_capability"] = std::to_string(prop.major) + "." + std::to_string(prop.minor);
      j["gpu_memory_bytes"] = prop.totalGlobalMem;
      j["gpu_multiprocessors"] = prop.multiProcessorCount;
    }
    int v = 0;
    if (cudaDriverGetVersion(&v) == cudaSuccess) j["cuda_driver_version"] = v;
    if (cudaRuntimeGetVersion(&v) == cudaSuccess) j["cuda_runtime_version"] = v;
    j["cudnn_runtime_version"] = cudnnGetVersion();
    if (cufftGetVersion(&v) == CUFFT_SUCCESS) j["cufft_version"] = v;
    int major = 0, minor = 0, patch = 0;
    cublasGetProperty(MAJOR_VERSION, &major);
    cublasGetProperty(MINOR_VERSION, &minor);
    cublasGetProperty(PATCH_LEVEL, &patch);
    j["cublas_version"] =
        std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
  }
#endif
  return j;
}

}  // namespace mgr
