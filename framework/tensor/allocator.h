// Memory for tensors. CPU memory is 64-byte aligned (vector loads, FFTW) and cached per size
// class like device memory. CUDA memory comes
// from a caching allocator: freed blocks are kept per device and size class and handed out
// again, because cudaMalloc/cudaFree synchronise the device and cost far more than a training
// step's kernels. All device work runs on one stream per device (see cuda_context.h), so a
// block freed on the host may be reused by later work on that stream without an event.
#pragma once

#include <cstddef>
#include <memory>

#include "framework/tensor/device.h"

namespace mgr {

struct AllocatorStats {
  size_t bytes_in_use = 0;  // handed out to live tensors
  size_t bytes_cached = 0;  // held in free lists
  size_t peak_bytes_in_use = 0;
  size_t device_mallocs = 0;  // calls that reached cudaMalloc
};

// Returns memory of at least `bytes` on `device`; released by the shared_ptr's deleter.
std::shared_ptr<void> allocate(Device device, size_t bytes);

// Statistics of the caching allocator on one CUDA device (zeros when built without CUDA).
AllocatorStats cuda_allocator_stats(int device);

// Returns every cached (free) block of every device to the driver.
void cuda_empty_cache();

}  // namespace mgr
