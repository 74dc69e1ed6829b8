#include "framework/tensor/allocator.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <map>
#include <mutex>
#include <vector>

#include "kernels/error.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/check.h"
#endif

namespace mgr {

namespace {

// Size classes: multiples of 512 B below 1 MiB, multiples of 2 MiB above. Blocks are reused only
// for the same class, which keeps the caches simple and waste bounded.
size_t size_class(size_t bytes) {
  if (bytes == 0) bytes = 1;
  if (bytes < (1u << 20)) return (bytes + 511) / 512 * 512;
  return (bytes + (2u << 20) - 1) / (2u << 20) * (2u << 20);
}

// The host cache's cap: MGR_HOST_CACHE_MB when set, else half the physical memory, at least
// 2 GiB. A step of the whole-track networks (paper 002's CRNN on 1280 frames) holds 5-7 GB of
// activations and gradients; with a fixed 2 GiB cap most of them came back as fresh pages every
// step, and zeroing those pages was a fifth of the step. Cached blocks are memory the process
// held live at its peak anyway; the cap bounds what a shrinking workload keeps.
size_t host_cache_cap() {
  if (const char* mb = std::getenv("MGR_HOST_CACHE_MB"); mb && *mb)
    return size_t(std::strtoull(mb, nullptr, 10)) << 20;
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  const size_t half = pages > 0 && page > 0 ? size_t(pages) * size_t(page) / 2 : 0;
  return std::max(half, size_t(2) << 30);
}

// Host memory is cached too: a training step allocates the same large activations every time,
// and fresh pages from the kernel (page faults, zeroing) cost more than the step's arithmetic
// in some layers. Above the cap, freed blocks go back to the system.
struct HostCache {
  std::mutex mu;
  std::multimap<size_t, void*> free_blocks;
  size_t cached = 0;
  const size_t cap = host_cache_cap();
};

// Most recently freed block of exactly `size` bytes (LIFO), or end(). LIFO keeps reuse
// deterministic (a block freed just now is the next one handed out) and warm in caches/TLBs;
// std::multimap::find returns the OLDEST of equal keys (emplace appends to the equal range).
std::multimap<size_t, void*>::iterator newest(std::multimap<size_t, void*>& m, size_t size) {
  auto hi = m.upper_bound(size);
  if (hi == m.begin()) return m.end();
  auto it = std::prev(hi);
  return it->first == size ? it : m.end();
}

HostCache& host_cache() {
  static HostCache* c = new HostCache;  // never destroyed: tensors may outlive static teardown
  return *c;
}

std::shared_ptr<void> allocate_cpu(size_t bytes) {
  const size_t size = size_class(bytes);
  HostCache& c = host_cache();
  void* p = nullptr;
  {
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = newest(c.free_blocks, size);
    if (it != c.free_blocks.end()) {
      p = it->second;
      c.free_blocks.erase(it);
      c.cached -= size;
    }
  }
  if (!p) {
    p = std::aligned_alloc(64, size);
    MGR_CHECK(p != nullptr, "out of host memory allocating " << bytes << " bytes");
  }
  return std::shared_ptr<void>(p, [size](void* q) {
    HostCache& hc = host_cache();
    std::lock_guard<std::mutex> lock(hc.mu);
    if (hc.cached + size > hc.cap) {
      std::free(q);
      return;
    }
    hc.free_blocks.emplace(size, q);
    hc.cached += size;
  });
}

#if MGR_WITH_CUDA

struct DeviceCache {
  std::mutex mu;
  std::multimap<size_t, void*> free_blocks;
  AllocatorStats stats;
};

constexpr int kMaxDevices = 64;
DeviceCache& cache(int device) {
  // Never destroyed, like the host cache: CUDA tensors held by function-local statics (e.g. the
  // chroma filterbank cache) are released during static teardown, possibly after this array.
  static DeviceCache* caches = new DeviceCache[kMaxDevices];
  MGR_CHECK(device >= 0 && device < kMaxDevices, "bad CUDA device index " << device);
  return caches[device];
}

void release_cached_locked(DeviceCache& c, int device) {
  cuda::DeviceGuard guard(device);
  // Cached blocks may still be read or written by queued work (they were freed on the host in
  // stream order); wait for the device before handing them back to the driver.
  cudaDeviceSynchronize();
  for (auto& [size, p] : c.free_blocks) {
    cudaFree(p);
    c.stats.bytes_cached -= size;
  }
  c.free_blocks.clear();
}

// MGR_CUDA_NO_CACHE=1: one exact-size cudaMalloc per tensor, cudaFree on release, so that
// compute-sanitizer memcheck sees each tensor's true bounds (size classes round up to 512 B /
// 2 MiB, and block reuse hides use-after-free). Slow: for sanitizer runs only.
bool cuda_cache_disabled() {
  static const bool off = std::getenv("MGR_CUDA_NO_CACHE") != nullptr;
  return off;
}

std::shared_ptr<void> allocate_cuda_uncached(int device, size_t bytes) {
  cuda::DeviceGuard guard(device);
  void* p = nullptr;
  MGR_CUDA_CHECK(cudaMalloc(&p, bytes ? bytes : 1));
  return std::shared_ptr<void>(p, [device](void* q) {  // a deleter must not throw: no checks
    int previous = device;
    cudaGetDevice(&previous);
    cudaSetDevice(device);
    cudaDeviceSynchronize();  // queued work on the stream may still use the block
    cudaFree(q);
    cudaSetDevice(previous);
  });
}

std::shared_ptr<void> allocate_cuda(int device, size_t bytes) {
  if (cuda_cache_disabled()) return allocate_cuda_uncached(device, bytes);
  const size_t size = size_class(bytes);
  DeviceCache& c = cache(device);
  std::lock_guard<std::mutex> lock(c.mu);
  void* p = nullptr;
  auto it = newest(c.free_blocks, size);
  if (it != c.free_blocks.end()) {
    p = it->second;
    c.free_blocks.erase(it);
    c.stats.bytes_cached -= size;
  } else {
    cuda::DeviceGuard guard(device);
    cudaError_t e = cudaMalloc(&p, size);
    if (e == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      release_cached_locked(c, device);  // give the cache back and try once more
      e = cudaMalloc(&p, size);
    }
    if (e != cudaSuccess) {
      cudaGetLastError();
      size_t free_b = 0, total_b = 0;
      cudaMemGetInfo(&free_b, &total_b);
      MGR_FAIL("cudaMalloc of " << size << " bytes on cuda:" << device
                                << " failed: " << cudaGetErrorString(e) << " (in use by mgr "
                                << c.stats.bytes_in_use << " B, free on device " << free_b << " of "
                                << total_b << " B)");
    }
    ++c.stats.device_mallocs;
  }
  c.stats.bytes_in_use += size;
  if (c.stats.bytes_in_use > c.stats.peak_bytes_in_use)
    c.stats.peak_bytes_in_use = c.stats.bytes_in_use;
  return std::shared_ptr<void>(p, [device, size](void* q) {
    DeviceCache& dc = cache(device);
    std::lock_guard<std::mutex> l(dc.mu);
    dc.free_blocks.emplace(size, q);
    dc.stats.bytes_in_use -= size;
    dc.stats.bytes_cached += size;
  });
}
#endif

}  // namespace

std::shared_ptr<void> allocate(Device device, size_t bytes) {
  if (device.is_cpu()) return allocate_cpu(bytes);
#if MGR_WITH_CUDA
  return allocate_cuda(device.index, bytes);
#else
  MGR_FAIL("cannot allocate on " << device << ": mgr was built without CUDA");
#endif
}

AllocatorStats cuda_allocator_stats(int device) {
#if MGR_WITH_CUDA
  DeviceCache& c = cache(device);
  std::lock_guard<std::mutex> lock(c.mu);
  return c.stats;
#else
  (void)device;
  return {};
#endif
}

void cuda_empty_cache() {
#if MGR_WITH_CUDA
  for (int d = 0; d < cuda_device_count(); ++d) {
    DeviceCache& c = cache(d);
    std::lock_guard<std::mutex> lock(c.mu);
    release_cached_locked(c, d);
  }
#endif
}

}  // namespace mgr
