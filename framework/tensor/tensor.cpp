#include "framework/tensor/tensor.h"

#include <cstring>
#include <sstream>

#include "framework/tensor/allocator.h"
#include "kernels/cpu/elementwise.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/elementwise.h"
#endif

namespace mgr {

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) {
    MGR_CHECK(d >= 0, "negative dimension in shape " << shape_str(s));
    n *= d;
  }
  return n;
}

std::string shape_str(const Shape& s) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << "]";
  return os.str();
}

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  Tensor t;
  t.shape_ = shape;
  t.numel_ = shape_numel(shape);
  t.dtype_ = dtype;
  t.device_ = device;
  t.storage_ = allocate(device, t.nbytes());
  return t;
}

Tensor Tensor::zeros(const Shape& shape, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, device);
  t.zero_();
  return t;
}

Tensor Tensor::full(const Shape& shape, float value, Device device) {
  Tensor t = empty(shape, DType::F32, device);
  t.fill_(value);
  return t;
}

Tensor Tensor::from_vector(const std::vector<float>& v, const Shape& shape, Device device) {
  MGR_CHECK(static_cast<int64_t>(v.size()) == shape_numel(shape),
            "from_vector: " << v.size() << " values for shape " << shape_str(shape));
  Tensor host = empty(shape, DType::F32, Device::cpu());
  if (!v.empty()) std::memcpy(host.raw(), v.data(), host.nbytes());
  return host.to(device);
}

Tensor Tensor::from_vector(const std::vector<int32_t>& v, const Shape& shape, Device device) {
  MGR_CHECK(static_cast<int64_t>(v.size()) == shape_numel(shape),
            "from_vector: " << v.size() << " values for shape " << shape_str(shape));
  Tensor host = empty(shape, DType::I32, Device::cpu());
  if (!v.empty()) std::memcpy(host.raw(), v.data(), host.nbytes());
  return host.to(device);
}

int64_t Tensor::dim(int i) const {
  const int n = ndim();
  const int j = i < 0 ? i + n : i;
  MGR_CHECK(j >= 0 && j < n, "dimension " << i << " out of range for " << str());
  return shape_[j];
}

void* Tensor::raw() const {
  MGR_CHECK(defined(), "access to an undefined tensor");
  return static_cast<char*>(storage_.get()) + offset_bytes_;
}

void Tensor::check_dtype(DType want) const {
  MGR_CHECK(dtype_ == want, "tensor " << str() << " accessed as " << dtype_name(want));
}

Tensor Tensor::to(Device device) const {
  if (device == device_) return *this;
  Tensor out = empty(shape_, dtype_, device);
  out.copy_from(*this);
  return out;
}

Tensor Tensor::clone() const {
  Tensor out = empty(shape_, dtype_, device_);
  out.copy_from(*this);
  return out;
}

Tensor Tensor::reshape(const Shape& shape) const {
  Shape s = shape;
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      MGR_CHECK(infer < 0, "reshape: more than one -1 in " << shape_str(shape));
      infer = static_cast<int>(i);
    } else {
      known *= s[i];
    }
  }
  if (infer >= 0) {
    MGR_CHECK(known > 0 && numel_ % known == 0,
              "reshape: cannot infer -1 in " << shape_str(shape) << " for " << str());
    s[infer] = numel_ / known;
  }
  MGR_CHECK(shape_numel(s) == numel_,
            "reshape " << str() << " to " << shape_str(shape) << ": element count differs");
  Tensor t = *this;
  t.shape_ = s;
  return t;
}

std::vector<float> Tensor::to_vector() const {
  Tensor h = cpu();
  const float* p = h.f32();
  return std::vector<float>(p, p + numel_);
}

std::vector<int32_t> Tensor::to_vector_i32() const {
  Tensor h = cpu();
  const int32_t* p = h.i32();
  return std::vector<int32_t>(p, p + numel_);
}

float Tensor::item() const {
  MGR_CHECK(numel_ == 1, "item() on " << str() << ": needs exactly one element");
  return to_vector()[0];
}

void Tensor::zero_() {
  if (numel_ == 0) return;
  if (device_.is_cpu()) {
    std::memset(raw(), 0, nbytes());
    return;
  }
#if MGR_WITH_CUDA
  cuda::DeviceGuard g(device_.index);
  MGR_CUDA_CHECK(cudaMemsetAsync(raw(), 0, nbytes(), cuda::stream(device_.index)));
#endif
}

void Tensor::fill_(float value) {
  MGR_CHECK(dtype_ == DType::F32, "fill_ on " << str() << ": f32 only");
  if (device_.is_cpu()) {
    kernels::cpu::fill(f32(), numel_, value);
    return;
  }
#if MGR_WITH_CUDA
  cuda::DeviceGuard g(device_.index);
  kernels::cuda::fill(f32(), numel_, value, cuda::stream(device_.index));
#endif
}

void Tensor::copy_from(const Tensor& src) {
  MGR_CHECK(src.shape_ == shape_ && src.dtype_ == dtype_,
            "copy_from: " << src.str() << " into " << str());
  if (numel_ == 0) return;
  if (device_.is_cpu() && src.device_.is_cpu()) {
    std::memcpy(raw(), src.raw(), nbytes());
    return;
  }
#if MGR_WITH_CUDA
  if (device_.is_cuda() && src.device_.is_cuda()) {
    if (device_.index == src.device_.index) {
      cuda::DeviceGuard g(device_.index);
      MGR_CUDA_CHECK(cudaMemcpyAsync(raw(), src.raw(), nbytes(), cudaMemcpyDeviceToDevice,
                                     cuda::stream(device_.index)));
    } else {
      // Our streams are non-blocking: the legacy-stream cudaMemcpyPeer would order with neither
      // device's work. The copy runs on the destination's stream, after the source's queued work
      // has finished (so it reads the final values) and before anything later queued on the
      // destination (so that reads the copy); the source's stream waits for the copy before it
      // may reuse or overwrite the source's memory.
      cuda::synchronize(src.device_.index);
      cuda::DeviceGuard g(device_.index);
      cudaStream_t dst_stream = cuda::stream(device_.index);
      MGR_CUDA_CHECK(cudaMemcpyPeerAsync(raw(), device_.index, src.raw(), src.device_.index,
                                         nbytes(), dst_stream));
      cudaEvent_t copied = nullptr;
      MGR_CUDA_CHECK(cudaEventCreateWithFlags(&copied, cudaEventDisableTiming));
      MGR_CUDA_CHECK(cudaEventRecord(copied, dst_stream));
      {
        cuda::DeviceGuard gs(src.device_.index);
        MGR_CUDA_CHECK(cudaStreamWaitEvent(cuda::stream(src.device_.index), copied, 0));
      }
      MGR_CUDA_CHECK(cudaEventDestroy(copied));  // released once the wait has been satisfied
    }
  } else if (device_.is_cuda()) {  // host to device
    cuda::DeviceGuard g(device_.index);
    cudaStream_t s = cuda::stream(device_.index);
    MGR_CUDA_CHECK(cudaMemcpyAsync(raw(), src.raw(), nbytes(), cudaMemcpyHostToDevice, s));
    // The source may be pageable host memory that the caller frees next: finish the copy now.
    MGR_CUDA_CHECK(cudaStreamSynchronize(s));
  } else {  // device to host
    cuda::DeviceGuard g(src.device_.index);
    cudaStream_t s = cuda::stream(src.device_.index);
    MGR_CUDA_CHECK(cudaMemcpyAsync(raw(), src.raw(), nbytes(), cudaMemcpyDeviceToHost, s));
    MGR_CUDA_CHECK(cudaStreamSynchronize(s));
  }
#else
  MGR_FAIL("copy between " << src.device_ << " and " << device_ << " in a CPU-only build");
#endif
}

std::string Tensor::str() const {
  std::ostringstream os;
  os << dtype_name(dtype_) << shape_str(shape_) << " on " << device_;
  return os.str();
}

void check_same_device(std::initializer_list<const Tensor*> ts, const char* op) {
  const Tensor* first = nullptr;
  for (const Tensor* t : ts) {
    if (!t || !t->defined()) continue;
    if (!first) {
      first = t;
      continue;
    }
    MGR_CHECK(t->device() == first->device(), op << ": tensors on different devices ("
                                                 << first->str() << " and " << t->str() << ")");
  }
}

void check_shape(const Tensor& t, const Shape& want, const char* what) {
  MGR_CHECK(t.shape() == want,
            what << ": expected shape " << shape_str(want) << ", got " << t.str());
}

}  // namespace mgr
