// Page-locked host memory for fast, asynchronous host-to-device copies. Falls back to ordinary
// aligned memory when there is no GPU (or a CPU-only build), so callers need no special case.
#pragma once

#include <cstddef>

namespace mgr {

class PinnedBuffer {
 public:
  PinnedBuffer() = default;
  explicit PinnedBuffer(size_t bytes);
  ~PinnedBuffer();
  PinnedBuffer(PinnedBuffer&& o) noexcept;
  PinnedBuffer& operator=(PinnedBuffer&& o) noexcept;
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;

  void* data() const { return ptr_; }
  template <typename T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }
  size_t size() const { return bytes_; }
  bool pinned() const { return pinned_; }
  // Grows (never shrinks) to hold at least `bytes`; contents are not kept.
  void reserve(size_t bytes);

 private:
  void release();
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
  bool pinned_ = false;
};

}  // namespace mgr
