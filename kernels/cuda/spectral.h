// Spectral descriptors per frame on the GPU: the same functions as kernels/cpu/spectral.h
// (mag [clips, bins, frames] on the device -> out [clips, frames]).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace mgr::kernels::cuda {

void spectral_centroid(float* out, const float* mag, int64_t clips, int bins, int64_t frames,
                       double bin_hz, cudaStream_t stream);
void spectral_bandwidth(float* out, const float* mag, int64_t clips, int bins, int64_t frames,
                        double bin_hz, double p, cudaStream_t stream);
void spectral_rolloff(float* out, const float* mag, int64_t clips, int bins, int64_t frames,
                      double bin_hz, double roll_percent, cudaStream_t stream);
void spectral_flatness(float* out, const float* mag, int64_t clips, int bins, int64_t frames,
                       double amin, double power, cudaStream_t stream);
void spectral_flux(float* out, const float* mag, int64_t clips, int bins, int64_t frames,
                   cudaStream_t stream);

}  // namespace mgr::kernels::cuda
