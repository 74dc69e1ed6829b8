#include "kernels/cuda/check.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/griffin_lim.h"
#include "kernels/shared/mel_inversion.h"

namespace mgr::kernels::cuda {

namespace {

// One thread per output sample: gathers the frames that cover it in ascending order (no atomics,
// the CPU twin's order).
__global__ void overlap_add_kernel(float* __restrict__ audio, const float* __restrict__ frames,
                                   IstftShape s, const float* __restrict__ window,
                                   const float* __restrict__ window_sum, float inv_n) {
  const int64_t total = s.clips * s.length;
  const int64_t off = s.offset();
  const int64_t padded = s.padded();
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = i / s.length;
    const int64_t p = i % s.length + off;
    audio[i] = p < padded ? istft_sample(frames + c * s.frames * int64_t(s.n_fft), s.frames,
                                         s.n_fft, s.hop, window, inv_n, p, window_sum[p])
                          : 0.f;
  }
}

__global__ void init_kernel(float* __restrict__ angles, float* __restrict__ tprev,
                            const float* __restrict__ magnitude, const float* __restrict__ phase,
                            int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    griffin_lim_init(angles + 2 * i, phase ? phase + 2 * i : nullptr, magnitude[i]);
    tprev[2 * i] = 0.f;
    tprev[2 * i + 1] = 0.f;
  }
}

__global__ void update_kernel(float* __restrict__ angles, float* __restrict__ tprev,
                              const float* __restrict__ rebuilt,
                              const float* __restrict__ magnitude, int64_t n, float beta) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    griffin_lim_update(angles + 2 * i, tprev + 2 * i, rebuilt + 2 * i, magnitude[i], beta);
}

}  // namespace

CufftC2R::CufftC2R(int n, int count) : n_(n), count_(count) {
  MGR_CHECK(n >= 2 && count >= 1, "CufftC2R: bad size n = " << n << ", count = " << count);
  MGR_CUFFT_CHECK(cufftCreate(&plan_));
  try {
    MGR_CUFFT_CHECK(cufftSetAutoAllocation(plan_, 0));
    int len = n;
    int inembed = n / 2 + 1;
    int onembed = n;
    MGR_CUFFT_CHECK(cufftMakePlanMany(plan_, 1, &len, &inembed, 1, n / 2 + 1, &onembed, 1, n,
                                      CUFFT_C2R, count, &workspace_bytes_));
  } catch (...) {
    cufftDestroy(plan_);
    throw;
  }
}

CufftC2R::~CufftC2R() {
  if (!plan_) return;
  // As CufftR2C: queued transforms may still read the plan's device data.
  if (last_stream_) cudaStreamSynchronize(last_stream_);
  cufftDestroy(plan_);
}

void CufftC2R::inverse(float* in, float* out, void* workspace, cudaStream_t stream) {
  MGR_CUFFT_CHECK(cufftSetStream(plan_, stream));
  last_stream_ = stream;
  if (workspace_bytes_ > 0) {
    MGR_CHECK(workspace != nullptr,
              "CufftC2R::inverse: needs a work area of " << workspace_bytes_ << " bytes");
    MGR_CUFFT_CHECK(cufftSetWorkArea(plan_, workspace));
  }
  MGR_CUFFT_CHECK(cufftExecC2R(plan_, reinterpret_cast<cufftComplex*>(in), out));
}

void istft(float* audio, float* spec, float* frames_buf, const IstftShape& s, const float* window,
           const float* window_sum, CufftC2R& ifft, void* workspace, cudaStream_t stream) {
  MGR_CHECK(ifft.n() == s.n_fft && ifft.count() == s.clips * s.frames,
            "istft (CUDA): plan for " << ifft.count() << " x " << ifft.n() << ", call for "
                                      << s.clips * s.frames << " x " << s.n_fft);
  ifft.inverse(spec, frames_buf, workspace, stream);
  const int64_t total = s.clips * s.length;
  if (total == 0) return;
  overlap_add_kernel<<<grid_for(total), 256, 0, stream>>>(audio, frames_buf, s, window, window_sum,
                                                          1.f / float(s.n_fft));
  MGR_CUDA_LAUNCH_CHECK("overlap_add_kernel");
}

void griffin_lim(float* audio, const float* magnitude, const float* init_phase, const IstftShape& s,
                 const float* window, const float* window_sum, int n_iter, float momentum,
                 CufftR2C& fft, CufftC2R& ifft, const GriffinLimBuffers& buf, cudaStream_t stream,
                 const std::function<void(int)>& progress) {
  const int64_t rows = s.clips * s.frames;
  if (rows == 0) return;
  MGR_CHECK(fft.n() == s.n_fft && fft.count() == rows,
            "griffin_lim (CUDA): R2C plan for " << fft.count() << " x " << fft.n() << ", call for "
                                                << rows << " x " << s.n_fft);
  const int bins = s.n_fft / 2 + 1;
  const int64_t values = rows * bins;
  init_kernel<<<grid_for(values), 256, 0, stream>>>(buf.angles, buf.tprev, magnitude, init_phase,
                                                    values);
  MGR_CUDA_LAUNCH_CHECK("init_kernel");
  const float beta = static_cast<float>(double(momentum) / (1.0 + double(momentum)));
  for (int it = 0; it < n_iter; ++it) {
    istft(audio, buf.angles, buf.frames, s, window, window_sum, ifft, buf.workspace, stream);
    frame_signal(buf.frames, audio, s.clips, s.length, s.frames, s.n_fft, s.hop, window, s.center,
                 s.reflect, stream);
    fft.forward(buf.frames, buf.rebuilt, buf.workspace, stream);
    update_kernel<<<grid_for(values), 256, 0, stream>>>(buf.angles, buf.tprev, buf.rebuilt,
                                                        magnitude, values, it == 0 ? 0.f : beta);
    MGR_CUDA_LAUNCH_CHECK("update_kernel");
    if (progress) progress(it + 1);
  }
  istft(audio, buf.angles, buf.frames, s, window, window_sum, ifft, buf.workspace, stream);
}

}  // namespace mgr::kernels::cuda
