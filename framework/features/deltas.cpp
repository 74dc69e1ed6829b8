#include "framework/features/deltas.h"

#include <cstring>
#include <map>
#include <mutex>
#include <tuple>
#include <vector>

#include "kernels/cpu/delta.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/delta.h"
#endif

namespace mgr::features {

namespace {

#if MGR_WITH_CUDA
// Double weights per (device, width, order), uploaded once: an upload synchronises the stream.
// Tensors hold f32 or i32 only, so the doubles travel as the bytes of 2 * width^2 floats (the
// allocator's blocks are 64-byte aligned). The map is leaked on purpose so no device memory is
// freed after the CUDA runtime shuts down.
const Tensor& device_weights(Device d, int width, int order, const std::vector<double>& w) {
  using Key = std::tuple<int, int, int>;
  static std::mutex mutex;
  static auto* cache = new std::map<Key, Tensor>();
  std::lock_guard<std::mutex> lock(mutex);
  const Key key{d.index, width, order};
  auto it = cache->find(key);
  if (it == cache->end()) {
    Tensor host = Tensor::empty({int64_t(2) * width * width});
    std::memcpy(host.raw(), w.data(), sizeof(double) * w.size());
    it = cache->emplace(key, host.to(d)).first;
  }
  return it->second;
}
#endif

}  // namespace

Tensor delta(const Tensor& x, int width, int order) {
  MGR_CHECK(x.defined() && x.dtype() == DType::F32 && x.ndim() >= 1,
            "delta: x must be f32 [B, D, T], got " << (x.defined() ? x.str() : "undefined"));
  const int64_t frames = x.dim(x.ndim() - 1);
  // librosa's checks, in librosa's order.
  MGR_CHECK(width <= frames, "delta: when mode='interp', width="
                                 << width << " cannot exceed data.shape[axis]=" << frames);
  MGR_CHECK(width >= 3 && width % 2 == 1,
            "delta: width=" << width << " must be an odd integer >= 3");
  MGR_CHECK(order >= 1, "delta: order=" << order << " must be a positive integer");
  MGR_CHECK(order < width, "delta: polyorder (order=" << order
                                                      << ") must be less than window_length "
                                                         "(width="
                                                      << width << ")");
  const std::vector<double> w = kernels::cpu::savgol_position_weights(width, order, order);
  Tensor y = Tensor::empty(x.shape(), DType::F32, x.device());
  if (x.numel() == 0) return y;
  const int64_t rows = x.numel() / frames;
  if (x.is_cuda()) {
#if MGR_WITH_CUDA
    const int dev = x.device().index;
    cuda::DeviceGuard g(dev);
    const Tensor& dw = device_weights(x.device(), width, order, w);
    kernels::cuda::savgol_interp(y.f32(), x.f32(), rows, frames, width,
                                 static_cast<const double*>(dw.raw()), cuda::stream(dev));
#endif
  } else {
    kernels::cpu::savgol_interp(y.f32(), x.f32(), rows, frames, width, w.data());
  }
  return y;
}

}  // namespace mgr::features
