// STFT CUDA kernels: the same functions as kernels/cpu/stft.h, on a stream, plus a cuFFT
// batched R2C plan whose work area the caller provides (mgr::cuda::workspace).
#pragma once

#include <cuda_runtime.h>
#include <cufft.h>

#include <cstddef>
#include <cstdint>

namespace mgr::kernels::cuda {

// Same contract as kernels::cpu::frame_signal: frames [batch * num_frames, n_fft] (the cuFFT
// input, written directly), centre padding by zeros or reflection, window [n_fft].
void frame_signal(float* frames, const float* audio, int64_t batch, int64_t num_samples,
                  int num_frames, int n_fft, int hop, const float* window, bool center,
                  bool reflect, cudaStream_t stream);

// power[i] = |spec[i]|^p for count interleaved complex values.
void power_spectrum(float* power, const float* spec, int64_t count, float p, cudaStream_t stream);

// A batched out-of-place R2C plan (cufftPlanMany semantics): count transforms of length n,
// input rows n floats apart, output rows n/2+1 complex apart. Auto-allocation is off: pass a
// work area of at least workspace_bytes() to forward(). Create and use with the plan's device
// current.
class CufftR2C {
 public:
  CufftR2C(int n, int count);
  ~CufftR2C();
  CufftR2C(const CufftR2C&) = delete;
  CufftR2C& operator=(const CufftR2C&) = delete;

  int n() const { return n_; }
  int count() const { return count_; }
  size_t workspace_bytes() const { return workspace_bytes_; }
  // in: [count, n] real; out: [count, n/2+1] complex (interleaved floats).
  void forward(const float* in, float* out, void* workspace, cudaStream_t stream);

 private:
  cufftHandle plan_ = 0;
  cudaStream_t last_stream_ = nullptr;  // where the last transform was queued
  int n_;
  int count_;
  size_t workspace_bytes_ = 0;
};

}  // namespace mgr::kernels::cuda
