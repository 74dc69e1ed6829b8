// Where a tensor lives, and how the user picks a device (--device auto|cpu|cuda[:N]).
#pragma once

#include <iosfwd>
#include <string>

namespace mgr {

enum class DeviceType { CPU, CUDA };

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;

  static Device cpu() { return {}; }
  static Device cuda(int i = 0) { return {DeviceType::CUDA, i}; }
  bool is_cpu() const { return type == DeviceType::CPU; }
  bool is_cuda() const { return type == DeviceType::CUDA; }
  bool operator==(const Device& o) const {
    return type == o.type && (is_cpu() || index == o.index);
  }
  bool operator!=(const Device& o) const { return !(*this == o); }
  std::string str() const;  // "cpu" or "cuda:N"
};

std::ostream& operator<<(std::ostream& os, const Device& d);

// True when mgr was compiled with CUDA support.
constexpr bool built_with_cuda() { return MGR_WITH_CUDA != 0; }

// Number of usable CUDA devices: 0 when built without CUDA, or when there is no driver or device.
int cuda_device_count();
inline bool cuda_available() { return cuda_device_count() > 0; }

// Parses "auto", "cpu", "cuda", "cuda:N". "auto" picks cuda:0 when a GPU is usable and otherwise
// CPU, writing one line to `log` that says so. Asking for CUDA when none is usable is an error.
Device resolve_device(const std::string& spec, std::ostream& log);

}  // namespace mgr
