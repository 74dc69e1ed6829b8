// Paper 003's frequency compression of a 2048-point STFT (1025 bins) to 72 bins. Paper text:
// "The first 16 points in F is preserved, the 2^k+1 ~ 2^(k+1) th points, k = 3 ~ 9, is
// compressed into 8 points by separating the points into 8 groups uniformly and using their
// average value." 16 + 7 x 8 = 72. With 0-based bin numbers (as the issue writes them):
//   outputs  0..15: bins 0..15 unchanged;
//   outputs 16..23: k = 3, bins 9..16, one bin per group (bins 9..15 thus appear twice; bin 16
//                   appears only here, as output 23);
//   outputs 24..71: k = 4..9, bins 17..32, 33..64, ..., 513..1024, each octave of 2^k bins split
//                   into 8 consecutive groups of 2^(k-3) bins and averaged (bin 1024, Nyquist,
//                   is the last bin of output 71's group 961..1024).
// docs/features.md discusses the choice (k from 3, as the paper says, is what makes 72).
#pragma once

#include <utility>
#include <vector>

#include "framework/tensor/tensor.h"

namespace mgr::features {

// The 72 (first bin, bin count) ranges above, in output order.
std::vector<std::pair<int, int>> octave_bin_ranges();

// spec f32 [B, 1025, T] (any non-negative spectrogram: magnitude, power or dB), CPU or CUDA ->
// f32 [B, 72, T] on the same device; each output is the mean of its range.
Tensor compress_octaves(const Tensor& spec);

}  // namespace mgr::features
