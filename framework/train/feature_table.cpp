#include "framework/train/feature_table.h"

#include <fmt/format.h>

#include <chrono>
#include <numeric>

#include "framework/tensor/index.h"
#include "framework/tensor/pinned.h"
#include "framework/train/progress.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/check.h"
#endif

namespace mgr::train {

Tensor compute_log_mel_table(const data::Dataset& ds, const features::LogMelParams& params,
                             Device device, int batch_clips, bool quiet) {
  const int64_t n = static_cast<int64_t>(ds.clips.size());
  const int64_t s = ds.clip_samples;
  MGR_CHECK(n > 0 && s > 0, "no clips to compute features for");
  features::LogMelExtractor extract(params, device);
  const int64_t frames = params.num_frames(s);
  Tensor table = Tensor::empty({n, params.n_mels, frames}, DType::F32, device);
  Progress progress;
  const auto t0 = std::chrono::steady_clock::now();

  // Two host staging buffers: the host gathers batch k+1 while the device still works on k.
  PinnedBuffer staging[2];
#if MGR_WITH_CUDA
  cudaEvent_t uploaded[2] = {nullptr, nullptr};
  if (device.is_cuda()) {
    cuda::DeviceGuard g(device.index);
    for (auto& e : uploaded) MGR_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
  }
#endif
  int k = 0;
  for (int64_t start = 0; start < n; start += batch_clips, k ^= 1) {
    const int64_t b = std::min<int64_t>(batch_clips, n - start);
    std::vector<int> idx(static_cast<size_t>(b));
    std::iota(idx.begin(), idx.end(), static_cast<int>(start));
    Tensor audio;
    if (device.is_cpu()) {
      audio = Tensor::empty({b, s}, DType::F32, device);
      data::gather_clips(ds, idx, audio.f32());
    } else {
#if MGR_WITH_CUDA
      cuda::DeviceGuard g(device.index);
      // The buffer we are about to overwrite was last read by the upload two batches ago.
      if (start >= 2 * batch_clips) MGR_CUDA_CHECK(cudaEventSynchronize(uploaded[k]));
      staging[k].reserve(static_cast<size_t>(b * s) * sizeof(float));
      data::gather_clips(ds, idx, staging[k].as<float>());
      audio = Tensor::empty({b, s}, DType::F32, device);
      cudaStream_t st = cuda::stream(device.index);
      MGR_CUDA_CHECK(cudaMemcpyAsync(audio.raw(), staging[k].data(), audio.nbytes(),
                                     cudaMemcpyHostToDevice, st));
      MGR_CUDA_CHECK(cudaEventRecord(uploaded[k], st));
#endif
    }
    copy_rows(table, start, extract(audio));
    if (!quiet) {
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      progress.update(fmt::format("features: {}/{} clips ({:.0f} clips/s)", start + b, n,
                                  (start + b) / std::max(secs, 1e-9)));
    }
  }
#if MGR_WITH_CUDA
  if (device.is_cuda()) {
    cuda::synchronize(device.index);
    for (auto& e : uploaded) cudaEventDestroy(e);
  }
#endif
  if (!quiet) {
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    progress.finish(fmt::format("features: {} clips of {} x {} log-mel on {} in {:.1f} s", n,
                                params.n_mels, frames, device.str(), secs));
  }
  return table;
}

}  // namespace mgr::train
