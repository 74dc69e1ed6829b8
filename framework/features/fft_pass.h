// How many frames one cuFFT pass of the GPU STFT front end holds (log_mel and stft): the frame
// buffer and the complex spectrum buffer are sized for it, rounded down to whole clips (at
// least one). Larger passes mean fewer launches; smaller ones can keep both buffers in L2
// (a 30 s clip at n_fft 2048 is 1,292 frames, 10.6 MB per buffer; H100 L2: 50 MB). It changes
// speed, not the function computed; a process-wide tuning knob for benchmarks
// (bench_features --pass-frames). Default: 2^24 / n_fft (~64 MiB per buffer).
#pragma once

#include <cstdint>

namespace mgr::features {

void set_cuda_pass_frames(int64_t frames);  // 0 restores the default
int64_t cuda_pass_frames(int n_fft);

}  // namespace mgr::features
