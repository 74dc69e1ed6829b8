#include "kernels/cuda/augment.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/shared/augment.h"

namespace mgr::kernels::cuda {

namespace {

#define MGR_GRID_LOOP(i, n)                                                 \
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < (n); \
       i += int64_t(gridDim.x) * blockDim.x)

__global__ void mask_kernel(float* x, int64_t B, int64_t C, int64_t D, int64_t T, int axis,
                            const int32_t* start, const int32_t* width, int count, float fill) {
  const int64_t n = B * C * D * T;
  MGR_GRID_LOOP(e, n) {
    const int64_t t = e % T;
    const int64_t d = (e / T) % D;
    const int64_t b = e / (C * D * T);
    if (augment_masked(axis == 2 ? d : t, start + b * count, width + b * count, count)) x[e] = fill;
  }
}

__global__ void mix_kernel(float* y, const float* x, int64_t B, int64_t row, const int32_t* partner,
                           float lambda, float mu) {
  MGR_GRID_LOOP(e, B * row) {
    const int64_t b = e / row, i = e % row;
    y[e] = kernels::augment_mix(x[e], x[int64_t(partner[b]) * row + i], lambda, mu);
  }
}

__global__ void scale_kernel(float* x, int64_t B, int64_t S, const float* factor) {
  MGR_GRID_LOOP(e, B * S) x[e] = fmul(x[e], factor[e / S]);
}

__global__ void shift_kernel(float* y, const float* x, int64_t B, int64_t S, const int32_t* shift,
                             bool circular) {
  MGR_GRID_LOOP(e, B * S) {
    const int64_t b = e / S, i = e % S;
    const int64_t j = augment_shift_source(i, shift[b], S, circular);
    y[e] = j < 0 ? 0.f : x[b * S + j];
  }
}

__global__ void noise_kernel(float* x, int64_t B, int64_t S, const float* sigma, uint64_t key) {
  MGR_GRID_LOOP(e, B * S) {
    const int64_t b = e / S, i = e % S;
    if (sigma[b] == 0.f) continue;
    x[e] = augment_noisy(x[e], sigma[b],
                         augment_normal(augment_row_key(key, uint64_t(b)), uint64_t(i)));
  }
}

// One thread per output sample; the table (a few tens of KB) is read through the cache.
__global__ void resample_kernel(float* y, const float* x, int64_t B, int64_t W, int64_t S,
                                int64_t pad, const float* rate, const float* cutoff,
                                const float* table, int zeros, int per_zero) {
  MGR_GRID_LOOP(e, B * S) {
    const int64_t b = e / S, i = e % S;
    const float* in = x + b * W;
    y[e] = rate[b] == 1.f ? in[pad + i]
                          : augment_resample_at(in, W, augment_resample_pos(i, pad, rate[b]),
                                                cutoff[b], table, zeros, per_zero);
  }
}

#undef MGR_GRID_LOOP

}  // namespace

void augment_mask(float* x, int64_t B, int64_t C, int64_t D, int64_t T, int axis,
                  const int32_t* start, const int32_t* width, int count, float fill,
                  cudaStream_t stream) {
  const int64_t n = B * C * D * T;
  if (n == 0 || count == 0) return;
  mask_kernel<<<grid_for(n), 256, 0, stream>>>(x, B, C, D, T, axis, start, width, count, fill);
  MGR_CUDA_LAUNCH_CHECK("augment mask_kernel");
}

void augment_mix(float* y, const float* x, int64_t B, int64_t row, const int32_t* partner,
                 float lambda, float mu, cudaStream_t stream) {
  if (B * row == 0) return;
  mix_kernel<<<grid_for(B * row), 256, 0, stream>>>(y, x, B, row, partner, lambda, mu);
  MGR_CUDA_LAUNCH_CHECK("augment mix_kernel");
}

void augment_scale(float* x, int64_t B, int64_t S, const float* factor, cudaStream_t stream) {
  if (B * S == 0) return;
  scale_kernel<<<grid_for(B * S), 256, 0, stream>>>(x, B, S, factor);
  MGR_CUDA_LAUNCH_CHECK("augment scale_kernel");
}

void augment_shift(float* y, const float* x, int64_t B, int64_t S, const int32_t* shift,
                   bool circular, cudaStream_t stream) {
  if (B * S == 0) return;
  shift_kernel<<<grid_for(B * S), 256, 0, stream>>>(y, x, B, S, shift, circular);
  MGR_CUDA_LAUNCH_CHECK("augment shift_kernel");
}

void augment_noise(float* x, int64_t B, int64_t S, const float* sigma, uint64_t key,
                   cudaStream_t stream) {
  if (B * S == 0) return;
  noise_kernel<<<grid_for(B * S), 256, 0, stream>>>(x, B, S, sigma, key);
  MGR_CUDA_LAUNCH_CHECK("augment noise_kernel");
}

void augment_resample(float* y, const float* x, int64_t B, int64_t W, int64_t S, int64_t pad,
                      const float* rate, const float* cutoff, const float* table, int zeros,
                      int per_zero, cudaStream_t stream) {
  if (B * S == 0) return;
  resample_kernel<<<grid_for(B * S), 256, 0, stream>>>(y, x, B, W, S, pad, rate, cutoff, table,
                                                       zeros, per_zero);
  MGR_CUDA_LAUNCH_CHECK("augment resample_kernel");
}

}  // namespace mgr::kernels::cuda
