#include "framework/tensor/pinned.h"

#include <cstdlib>
#include <utility>

#include "framework/tensor/device.h"
#include "kernels/error.h"

#if MGR_WITH_CUDA
#include "kernels/cuda/check.h"
#endif

namespace mgr {

PinnedBuffer::PinnedBuffer(size_t bytes) { reserve(bytes); }
PinnedBuffer::~PinnedBuffer() { release(); }

PinnedBuffer::PinnedBuffer(PinnedBuffer&& o) noexcept
    : ptr_(std::exchange(o.ptr_, nullptr)),
      bytes_(std::exchange(o.bytes_, 0)),
      pinned_(o.pinned_) {}

PinnedBuffer& PinnedBuffer::operator=(PinnedBuffer&& o) noexcept {
  if (this != &o) {
    release();
    ptr_ = std::exchange(o.ptr_, nullptr);
    bytes_ = std::exchange(o.bytes_, 0);
    pinned_ = o.pinned_;
  }
  return *this;
}

void PinnedBuffer::reserve(size_t bytes) {
  if (bytes <= bytes_) return;
  release();
#if MGR_WITH_CUDA
  if (cuda_available()) {
    MGR_CUDA_CHECK(cudaHostAlloc(&ptr_, bytes, cudaHostAllocDefault));
    pinned_ = true;
    bytes_ = bytes;
    return;
  }
#endif
  ptr_ = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
  MGR_CHECK(ptr_ != nullptr, "out of host memory allocating " << bytes << " bytes");
  pinned_ = false;
  bytes_ = bytes;
}

void PinnedBuffer::release() {
  if (!ptr_) return;
#if MGR_WITH_CUDA
  if (pinned_) {
    cudaFreeHost(ptr_);
    ptr_ = nullptr;
    bytes_ = 0;
    return;
  }
#endif
  std::free(ptr_);
  ptr_ = nullptr;
  bytes_ = 0;
}

}  // namespace mgr
