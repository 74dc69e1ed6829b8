// Griffin-Lim and the inverse STFT on the GPU: the functions of kernels/cpu/griffin_lim.h on a
// stream, with cuFFT's batched R2C / C2R plans. The iteration loop only queues work: no host
// round trip, no synchronisation inside it.
#pragma once

#include <cuda_runtime.h>
#include <cufft.h>

#include <cstddef>
#include <cstdint>
#include <functional>

#include "kernels/cpu/griffin_lim.h"  // IstftShape
#include "kernels/cuda/stft.h"        // CufftR2C

namespace mgr::kernels::cuda {

using IstftShape = ::mgr::kernels::cpu::IstftShape;

// A batched out-of-place C2R plan (count transforms of length n; input rows n/2+1 complex
// apart, output rows n floats apart), the inverse of CufftR2C. cuFFT may overwrite the input.
// Auto-allocation off: pass a work area of workspace_bytes().
class CufftC2R {
 public:
  CufftC2R(int n, int count);
  ~CufftC2R();
  CufftC2R(const CufftC2R&) = delete;
  CufftC2R& operator=(const CufftC2R&) = delete;

  int n() const { return n_; }
  int count() const { return count_; }
  size_t workspace_bytes() const { return workspace_bytes_; }
  void inverse(float* in, float* out, void* workspace, cudaStream_t stream);

 private:
  cufftHandle plan_ = 0;
  cudaStream_t last_stream_ = nullptr;
  int n_;
  int count_;
  size_t workspace_bytes_ = 0;
};

// Device buffers of one Griffin-Lim call (rows = clips * frames, bins = n_fft / 2 + 1).
struct GriffinLimBuffers {
  float* angles;    // [rows, 2 bins]
  float* tprev;     // [rows, 2 bins]
  float* rebuilt;   // [rows, 2 bins]
  float* frames;    // [rows, n_fft]
  void* workspace;  // max of both plans' workspace_bytes()
};

// kernels::cpu::istft: spec (destroyed) -> audio [clips, length].
void istft(float* audio, float* spec, float* frames_buf, const IstftShape& s, const float* window,
           const float* window_sum, CufftC2R& ifft, void* workspace, cudaStream_t stream);

// kernels::cpu::griffin_lim with plans for rows = clips * frames transforms. progress(i) is
// called after iteration i has been queued (not finished).
void griffin_lim(float* audio, const float* magnitude, const float* init_phase, const IstftShape& s,
                 const float* window, const float* window_sum, int n_iter, float momentum,
                 CufftR2C& fft, CufftC2R& ifft, const GriffinLimBuffers& buf, cudaStream_t stream,
                 const std::function<void(int)>& progress);

}  // namespace mgr::kernels::cuda
