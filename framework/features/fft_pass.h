// The GPU STFT front end shared by the log-mel and STFT extractors, and its pass size.
//
// Pass size: how many frames one cuFFT pass holds. The frame buffer and the complex spectrum
// buffer are sized for it, rounded down to whole clips (at least one). Larger passes mean fewer
// launches; smaller ones can keep both buffers in L2 (a 30 s clip at n_fft 2048 is 1,292 frames,
// 10.6 MB per buffer; H100 L2: 50 MB). It changes speed, not the function computed; a
// process-wide tuning knob for benchmarks (bench_features --pass-frames). Default: 2^24 / n_fft
// (~64 MiB per buffer).
#pragma once

#include <cstdint>

#if MGR_WITH_CUDA
#include <cuda_runtime.h>

#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "framework/tensor/tensor.h"
#include "kernels/cuda/stft.h"
#endif

namespace mgr::features {

void set_cuda_pass_frames(int64_t frames);  // 0 restores the default
int64_t cuda_pass_frames(int n_fft);

#if MGR_WITH_CUDA
// Frames a batch of device clips [batch, num_samples] (window, centre padding), runs cuFFT pass
// by pass and hands each pass's complex spectrum to `consume` on the device's stream: clips
// [first, first + count), spectrum [count * frames, n_fft / 2 + 1] as interleaved (re, im)
// floats, valid until consume returns. cuFFT plans are kept by transform count (the full pass
// and a batch's last, shorter one).
class CudaFramedFft {
 public:
  using Consume =
      std::function<void(int64_t first, int64_t count, const float* spectrum, cudaStream_t)>;

  CudaFramedFft(int n_fft, int hop_length, bool center, bool reflect,
                const std::vector<float>& window, Device device);

  void run(const float* audio, int64_t batch, int64_t num_samples, int frames,
           const Consume& consume);

 private:
  kernels::cuda::CufftR2C& plan_for(int64_t count);

  int n_fft_, hop_;
  bool center_, reflect_;
  Device device_;
  Tensor window_;  // [n_fft] on the device
  std::map<int64_t, std::unique_ptr<kernels::cuda::CufftR2C>> plans_;
};
#endif

}  // namespace mgr::features
