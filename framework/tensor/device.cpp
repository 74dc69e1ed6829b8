#include "framework/tensor/device.h"

#include <ostream>

#include "kernels/error.h"

#if MGR_WITH_CUDA
#include <cuda_runtime.h>
#endif

namespace mgr {

std::string Device::str() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index); }

std::ostream& operator<<(std::ostream& os, const Device& d) { return os << d.str(); }

int cuda_device_count() {
#if MGR_WITH_CUDA
  static const int count = [] {
    int n = 0;
    // No driver (cudaErrorInsufficientDriver) or no device (cudaErrorNoDevice) both mean zero.
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
      cudaGetLastError();  // clear the sticky error so later calls are not confused by it
      return 0;
    }
    return n;
  }();
  return count;
#else
  return 0;
#endif
}

namespace {
std::string cuda_unavailable_reason() {
  if (!built_with_cuda()) return "mgr was built without CUDA (MGR_WITH_CUDA=OFF)";
#if MGR_WITH_CUDA
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  cudaGetLastError();
  if (e != cudaSuccess) return std::string("the CUDA runtime reports ") + cudaGetErrorString(e);
#endif
  return "no CUDA device is present";
}
}  // namespace

Device resolve_device(const std::string& spec, std::ostream& log) {
  if (spec == "auto") {
    if (cuda_available()) return Device::cuda(0);
    log << "mgr: no usable GPU (" << cuda_unavailable_reason() << "); running on CPU\n";
    return Device::cpu();
  }
  if (spec == "cpu") return Device::cpu();
  if (spec.rfind("cuda", 0) == 0) {
    int index = 0;
    if (spec.size() > 4) {
      MGR_CHECK(spec[4] == ':' && spec.size() > 5,
                "bad device '" << spec << "': expected auto, cpu, cuda or cuda:N");
      try {
        size_t used = 0;
        index = std::stoi(spec.substr(5), &used);
        MGR_CHECK(used == spec.size() - 5, "bad device index in '" << spec << "'");
      } catch (const std::logic_error&) {
        MGR_FAIL("bad device index in '" << spec << "'");
      }
    }
    MGR_CHECK(cuda_available(),
              "device " << spec << " requested but " << cuda_unavailable_reason());
    MGR_CHECK(index >= 0 && index < cuda_device_count(), "device " << spec << " requested but only "
                                                                   << cuda_device_count()
                                                                   << " CUDA device(s) present");
    return Device::cuda(index);
  }
  MGR_FAIL("bad device '" << spec << "': expected auto, cpu, cuda or cuda:N");
}

}  // namespace mgr
