#include "kernels/cuda/audio_convert.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/shared/pcm16.h"

namespace mgr::kernels::cuda {

namespace {

// Two samples per thread through one 32-bit load (the buffer is 4-byte aligned; n may be odd).
__global__ void int16_to_float_kernel(float* out, const int16_t* in, int64_t n) {
  const int64_t pairs = n / 2;
  const auto* in2 = reinterpret_cast<const short2*>(in);
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < pairs;
       i += int64_t(gridDim.x) * blockDim.x) {
    const short2 v = in2[i];
    out[2 * i] = pcm16_to_float(v.x);
    out[2 * i + 1] = pcm16_to_float(v.y);
  }
  if (n % 2 == 1 && blockIdx.x == 0 && threadIdx.x == 0) out[n - 1] = pcm16_to_float(in[n - 1]);
}

}  // namespace

void int16_to_float(float* out, const int16_t* in, int64_t n, cudaStream_t stream) {
  if (n <= 0) return;
  // The kernel reads sample pairs (short2).
  MGR_CHECK(
      reinterpret_cast<uintptr_t>(in) % alignof(short2) == 0,
      "int16_to_float (CUDA): the int16 source must be " << alignof(short2) << "-byte aligned");
  int16_to_float_kernel<<<grid_for((n + 1) / 2), 256, 0, stream>>>(out, in, n);
  MGR_CUDA_LAUNCH_CHECK("int16_to_float_kernel");
}

}  // namespace mgr::kernels::cuda
