// Per-band normalisation statistics over the training clips only, and their application.
// Features are f32 [N, D, T] (frame-wise) or [N, D] (clip-level vectors, T = 1); band d is row
// d. The statistics are computed in double on the features' device, in a summation order
// both devices share, so they are the same bits whichever device holds the features.
#pragma once

#include <vector>

#include "framework/tensor/tensor.h"

namespace mgr::features {

struct BandStats {
  std::vector<float> mean, stddev;  // one per band
};

// Mean and population standard deviation of each band over the clips listed in train_clips
// (indices into N; non-empty, in range, no repeats) and all their frames. Other clips are
// never read. Two passes (mean, then mean squared deviation), in double.
BandStats band_statistics(const Tensor& features, const std::vector<int>& train_clips);

// In place, on the features' device: x = (x - mean[d]) / max(stddev[d], 1e-8), in float.
// Same bits on either device.
void apply_band_normalisation_(Tensor& features, const BandStats& s);

}  // namespace mgr::features
