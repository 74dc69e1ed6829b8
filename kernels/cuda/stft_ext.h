// STFT spectrogram CUDA kernel: the cuFFT output [clips * frames, bins] (complex) turned into
// |X|^p in the feature layout [clips, bins, frames]. Extends kernels/cuda/stft.h.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace mgr::kernels::cuda {

// out[b, k, t] = |spec[(b * num_frames + t) * bins + k]|^power (spec interleaved complex).
// A tiled transpose through shared memory: reads coalesced along bins, writes along frames.
// clips <= 65535 per call.
void spectrum_to_bins_frames(float* out, const float* spec, int64_t clips, int num_frames, int bins,
                             float power, cudaStream_t stream);

}  // namespace mgr::kernels::cuda
