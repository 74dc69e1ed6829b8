// A dense, contiguous, row-major n-d array on one device. Tensors share storage on copy
// (like a shared_ptr); clone() makes a deep copy. reshape() is a view of the same storage.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "framework/tensor/device.h"
#include "framework/tensor/dtype.h"
#include "kernels/error.h"

namespace mgr {

using Shape = std::vector<int64_t>;

int64_t shape_numel(const Shape& s);
std::string shape_str(const Shape& s);

class Tensor {
 public:
  Tensor() = default;

  static Tensor empty(const Shape& shape, DType dtype = DType::F32, Device device = Device::cpu());
  static Tensor zeros(const Shape& shape, DType dtype = DType::F32, Device device = Device::cpu());
  static Tensor full(const Shape& shape, float value, Device device = Device::cpu());
  static Tensor from_vector(const std::vector<float>& v, const Shape& shape,
                            Device device = Device::cpu());
  static Tensor from_vector(const std::vector<int32_t>& v, const Shape& shape,
                            Device device = Device::cpu());
  static Tensor empty_like(const Tensor& t) { return empty(t.shape(), t.dtype(), t.device()); }
  static Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype(), t.device()); }

  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  int ndim() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int i) const;  // negative i counts from the end
  int64_t numel() const { return numel_; }
  size_t nbytes() const { return static_cast<size_t>(numel_) * dtype_size(dtype_); }
  DType dtype() const { return dtype_; }
  Device device() const { return device_; }
  bool is_cuda() const { return device_.is_cuda(); }

  template <typename T>
  T* data() {
    check_dtype(dtype_of<T>());
    return static_cast<T*>(raw());
  }
  template <typename T>
  const T* data() const {
    check_dtype(dtype_of<T>());
    return static_cast<const T*>(raw());
  }
  float* f32() { return data<float>(); }
  const float* f32() const { return data<float>(); }
  int32_t* i32() { return data<int32_t>(); }
  const int32_t* i32() const { return data<int32_t>(); }
  void* raw() const;

  // Copies to `device` (a no-op returning *this when already there). Device-to-host copies
  // wait for the device's stream, so the result can be read at once.
  Tensor to(Device device) const;
  Tensor cpu() const { return to(Device::cpu()); }
  Tensor clone() const;
  Tensor reshape(const Shape& shape) const;  // same storage; one dimension may be -1

  std::vector<float> to_vector() const;        // f32 only
  std::vector<int32_t> to_vector_i32() const;  // i32 only
  float item() const;                          // single-element f32 tensor

  void zero_();
  void fill_(float value);
  void copy_from(const Tensor& src);  // same shape and dtype, any devices

  std::string str() const;  // "f32[64, 1, 128, 130] on cuda:0"

 private:
  void check_dtype(DType want) const;

  std::shared_ptr<void> storage_;
  size_t offset_bytes_ = 0;
  Shape shape_;
  int64_t numel_ = 0;
  DType dtype_ = DType::F32;
  Device device_;
};

// Throws unless every tensor is on the same device.
void check_same_device(std::initializer_list<const Tensor*> ts, const char* op);
// Throws unless `t` has the given shape.
void check_shape(const Tensor& t, const Shape& want, const char* what);

}  // namespace mgr
