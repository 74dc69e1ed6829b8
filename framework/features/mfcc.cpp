#include "framework/features/mfcc.h"

#include <cmath>
#include <map>
#include <mutex>
#include <tuple>

#include "kernels/cpu/dct.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/dct.h"
#endif

namespace mgr::features {

void MfccParams::validate() const {
  MGR_CHECK(n_mfcc >= 1 && n_mfcc <= 1024, "mfcc: n_mfcc = " << n_mfcc << " must be in [1, 1024]");
  MGR_CHECK(std::isfinite(lifter) && lifter >= 0,
            "mfcc: lifter = " << lifter << " must be a non-negative number (0: no liftering)");
}

namespace {

#if MGR_WITH_CUDA
// The DCT matrix on each device, uploaded once per (device, n_mfcc, n_mels, lifter): an upload
// synchronises the stream, so it must not happen on every call. Never destroyed (the map is
// leaked on purpose) so no device memory is released after the CUDA runtime shuts down.
const Tensor& device_dct(Device d, int n_out, int n_in, double lifter) {
  using Key = std::tuple<int, int, int, double>;
  static std::mutex mutex;
  static auto* cache = new std::map<Key, Tensor>();
  std::lock_guard<std::mutex> lock(mutex);
  const Key key{d.index, n_out, n_in, lifter};
  auto it = cache->find(key);
  if (it == cache->end())
    it =
        cache
            ->emplace(key, Tensor::from_vector(kernels::cpu::dct2_ortho_matrix(n_out, n_in, lifter),
                                               {n_out, n_in}, d))
            .first;
  return it->second;
}
#endif

}  // namespace

Tensor mfcc_from_db(const Tensor& mel_db, const MfccParams& p) {
  p.validate();
  MGR_CHECK(mel_db.defined() && mel_db.dtype() == DType::F32 && mel_db.ndim() == 3,
            "mfcc: mel_db must be f32 [B, n_mels, T], got "
                << (mel_db.defined() ? mel_db.str() : "undefined"));
  const int64_t batch = mel_db.dim(0);
  const int n_mels = static_cast<int>(mel_db.dim(1));
  const int64_t frames = mel_db.dim(2);
  MGR_CHECK(n_mels >= 1 && p.n_mfcc <= n_mels,
            "mfcc: n_mfcc = " << p.n_mfcc << " must be <= n_mels = " << n_mels);
  Tensor out = Tensor::empty({batch, p.n_mfcc, frames}, DType::F32, mel_db.device());
  if (out.numel() == 0) return out;
  if (mel_db.is_cuda()) {
#if MGR_WITH_CUDA
    const int dev = mel_db.device().index;
    cuda::DeviceGuard g(dev);
    const Tensor& d = device_dct(mel_db.device(), p.n_mfcc, n_mels, p.lifter);
    kernels::cuda::dct_apply(cuda::cublas(dev), out.f32(), mel_db.f32(), batch, n_mels, frames,
                             d.f32(), p.n_mfcc);
#endif
  } else {
    const std::vector<float> d = kernels::cpu::dct2_ortho_matrix(p.n_mfcc, n_mels, p.lifter);
    kernels::cpu::dct_apply(out.f32(), mel_db.f32(), batch, n_mels, frames, d.data(), p.n_mfcc);
  }
  return out;
}

}  // namespace mgr::features
