#include "framework/features/mel_project.h"

#include "kernels/cpu/gemm.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/gemm.h"
#endif

namespace mgr::features {

Tensor mel_from_spectrogram(const Tensor& spec, const Tensor& filterbank) {
  MGR_CHECK(spec.defined() && spec.dtype() == DType::F32 && spec.ndim() == 3,
            "mel_from_spectrogram: spec must be f32 [B, bins, T], got "
                << (spec.defined() ? spec.str() : "undefined"));
  MGR_CHECK(
      filterbank.ndim() == 2 && filterbank.dim(1) == spec.dim(1),
      "mel_from_spectrogram: filterbank " << filterbank.str() << " does not match " << spec.str());
  check_same_device({&spec, &filterbank}, "mel_from_spectrogram");
  const int64_t batch = spec.dim(0), bins = spec.dim(1), frames = spec.dim(2);
  const int64_t n_mels = filterbank.dim(0);
  Tensor mel = Tensor::empty({batch, n_mels, frames}, DType::F32, spec.device());
  for (int64_t b = 0; b < batch; ++b) {
    const float* s = spec.f32() + b * bins * frames;
    float* m = mel.f32() + b * n_mels * frames;
    if (spec.is_cuda()) {
#if MGR_WITH_CUDA
      const int dev = spec.device().index;
      cuda::DeviceGuard g(dev);
      kernels::cuda::sgemm(cuda::cublas(dev), false, false, n_mels, frames, bins, 1.0f,
                           filterbank.f32(), bins, s, frames, 0.0f, m, frames);
#endif
    } else {
      kernels::cpu::sgemm(false, false, n_mels, frames, bins, 1.0f, filterbank.f32(), bins, s,
                          frames, 0.0f, m, frames);
    }
  }
  return mel;
}

}  // namespace mgr::features
