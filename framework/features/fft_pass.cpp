#include "framework/features/fft_pass.h"

#include <algorithm>
#include <atomic>

#include "kernels/error.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#endif

namespace mgr::features {

namespace {
std::atomic<int64_t> g_pass_frames{0};
}  // namespace

void set_cuda_pass_frames(int64_t frames) {
  MGR_CHECK(frames >= 0, "set_cuda_pass_frames: " << frames << " frames");
  g_pass_frames = frames;
}

int64_t cuda_pass_frames(int n_fft) {
  const int64_t set = g_pass_frames;
  return set > 0 ? set : std::max<int64_t>(1, (int64_t(1) << 24) / std::max(1, n_fft));
}

#if MGR_WITH_CUDA

CudaFramedFft::CudaFramedFft(int n_fft, int hop_length, bool center, bool reflect,
                             const std::vector<float>& window, Device device)
    : n_fft_(n_fft), hop_(hop_length), center_(center), reflect_(reflect), device_(device) {
  MGR_CHECK(device.is_cuda(), "CudaFramedFft: " << device.str() << " is not a CUDA device");
  MGR_CHECK(int64_t(window.size()) == n_fft,
            "CudaFramedFft: window of " << window.size() << " for n_fft " << n_fft);
  window_ = Tensor::from_vector(window, {n_fft}, device);
}

kernels::cuda::CufftR2C& CudaFramedFft::plan_for(int64_t count) {
  auto it = plans_.find(count);
  if (it != plans_.end()) return *it->second;
  if (plans_.size() >= 4) plans_.clear();  // shapes changed: drop old plans, keep memory bounded
  auto plan = std::make_unique<kernels::cuda::CufftR2C>(n_fft_, static_cast<int>(count));
  return *plans_.emplace(count, std::move(plan)).first->second;
}

void CudaFramedFft::run(const float* audio, int64_t batch, int64_t num_samples, int frames,
                        const Consume& consume) {
  if (batch == 0) return;
  const int dev = device_.index;
  cuda::DeviceGuard g(dev);
  cudaStream_t st = cuda::stream(dev);
  const int64_t clips_per_pass =
      std::min<int64_t>({batch, 65535, std::max<int64_t>(1, cuda_pass_frames(n_fft_) / frames)});
  const int64_t rows = clips_per_pass * frames;
  Tensor frame_buf = Tensor::empty({rows, n_fft_}, DType::F32, device_);
  Tensor spec_buf = Tensor::empty({rows, 2 * int64_t(n_fft_ / 2 + 1)}, DType::F32, device_);
  for (int64_t b0 = 0; b0 < batch; b0 += clips_per_pass) {
    const int64_t nb = std::min(clips_per_pass, batch - b0);
    kernels::cuda::frame_signal(frame_buf.f32(), audio + b0 * num_samples, nb, num_samples, frames,
                                n_fft_, hop_, window_.f32(), center_, reflect_, st);
    kernels::cuda::CufftR2C& plan = plan_for(nb * frames);
    plan.forward(frame_buf.f32(), spec_buf.f32(), cuda::workspace(dev, plan.workspace_bytes()), st);
    consume(b0, nb, spec_buf.f32(), st);
  }
}

#endif

}  // namespace mgr::features
