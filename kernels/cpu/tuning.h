// librosa.estimate_tuning on power spectrograms (CPU twin; kernels/shared/tuning.h holds the
// arithmetic, kernels/cuda/tuning.cu the device version). Pointers + sizes only.
#pragma once

#include <cstdint>

namespace mgr::kernels::cpu {

// power [clips, bins, frames] (bins = n_fft / 2 + 1) -> out [clips]: per clip, the histogram bin
// i of librosa.estimate_tuning(S=power, sr, bins_per_octave=n_chroma); the estimate is
// tuning::edge(i) (a clip without peaks gets bin 50, tuning 0, as librosa).
void estimate_tuning_index(int32_t* out, const float* power, int64_t clips, int bins, int frames,
                           int sample_rate, int n_fft, int n_chroma);

}  // namespace mgr::kernels::cpu
