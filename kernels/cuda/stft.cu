#include "kernels/cuda/check.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/stft.h"
#include "kernels/shared/stft_frame.h"

namespace mgr::kernels::cuda {

namespace {

// One block per (frame, clip); threads stride over the frame's n_fft samples, so both the
// audio reads and the frame writes are coalesced.
__global__ void frame_signal_kernel(float* __restrict__ frames, const float* __restrict__ audio,
                                    int64_t num_samples, int num_frames, int n_fft, int hop,
                                    const float* __restrict__ window, int64_t offset,
                                    bool reflect) {
  const int t = blockIdx.x;
  const int64_t b = blockIdx.y;
  const float* clip = audio + b * num_samples;
  float* row = frames + (b * num_frames + t) * int64_t(n_fft);
  const int64_t start = int64_t(t) * hop - offset;
  const PadMode pad = reflect ? PadMode::Reflect : PadMode::Constant;
  for (int j = threadIdx.x; j < n_fft; j += blockDim.x)
    row[j] = framed_sample(clip, num_samples, start + j, window[j], pad);
}

__global__ void power_kernel(float* __restrict__ power, const float2* __restrict__ spec,
                             int64_t count, float p) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < count;
       i += int64_t(gridDim.x) * blockDim.x) {
    const float2 z = spec[i];
    power[i] = magnitude_pow(z.x, z.y, p);
  }
}

}  // namespace

void frame_signal(float* frames, const float* audio, int64_t batch, int64_t num_samples,
                  int num_frames, int n_fft, int hop, const float* window, bool center,
                  bool reflect, cudaStream_t stream) {
  if (batch == 0 || num_frames == 0) return;
  MGR_CHECK(batch <= 65535, "frame_signal (CUDA): batch " << batch << " exceeds grid.y 65535");
  const int block = n_fft >= 256 ? 256 : ((n_fft + 31) / 32) * 32;
  const dim3 grid(static_cast<unsigned>(num_frames), static_cast<unsigned>(batch));
  frame_signal_kernel<<<grid, block, 0, stream>>>(frames, audio, num_samples, num_frames, n_fft,
                                                  hop, window, center ? n_fft / 2 : 0, reflect);
  MGR_CUDA_LAUNCH_CHECK("frame_signal_kernel");
}

void power_spectrum(float* power, const float* spec, int64_t count, float p, cudaStream_t stream) {
  if (count == 0) return;
  power_kernel<<<grid_for(count), 256, 0, stream>>>(power, reinterpret_cast<const float2*>(spec),
                                                    count, p);
  MGR_CUDA_LAUNCH_CHECK("power_kernel");
}

CufftR2C::CufftR2C(int n, int count) : n_(n), count_(count) {
  MGR_CHECK(n >= 2 && count >= 1, "CufftR2C: bad size n = " << n << ", count = " << count);
  MGR_CUFFT_CHECK(cufftCreate(&plan_));
  try {
    // The work area comes from the caller (mgr::cuda::workspace), shared with other libraries.
    MGR_CUFFT_CHECK(cufftSetAutoAllocation(plan_, 0));
    int len = n;
    int inembed = n;
    int onembed = n / 2 + 1;
    MGR_CUFFT_CHECK(cufftMakePlanMany(plan_, 1, &len, &inembed, 1, n, &onembed, 1, n / 2 + 1,
                                      CUFFT_R2C, count, &workspace_bytes_));
  } catch (...) {
    cufftDestroy(plan_);
    throw;
  }
}

CufftR2C::~CufftR2C() {
  if (!plan_) return;
  // cuFFT does not promise that cufftDestroy waits for queued transforms that may still read
  // the plan's own device data (twiddles), so wait for them. No throw from a destructor: a
  // failure here surfaces at the next checked call anyway.
  if (last_stream_) cudaStreamSynchronize(last_stream_);
  cufftDestroy(plan_);
}

void CufftR2C::forward(const float* in, float* out, void* workspace, cudaStream_t stream) {
  MGR_CUFFT_CHECK(cufftSetStream(plan_, stream));
  last_stream_ = stream;
  if (workspace_bytes_ > 0) {
    MGR_CHECK(workspace != nullptr,
              "CufftR2C::forward: needs a work area of " << workspace_bytes_ << " bytes");
    MGR_CUFFT_CHECK(cufftSetWorkArea(plan_, workspace));
  }
  MGR_CUFFT_CHECK(
      cufftExecR2C(plan_, const_cast<cufftReal*>(in), reinterpret_cast<cufftComplex*>(out)));
}

}  // namespace mgr::kernels::cuda
