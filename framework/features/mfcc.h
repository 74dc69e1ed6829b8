// MFCC from a dB mel spectrogram: librosa.feature.mfcc(S=mel_db, n_mfcc, dct_type=2,
// norm='ortho', lifter), i.e. the orthonormal DCT-II along the mel axis (scipy), its first
// n_mfcc rows, optionally liftered. CPU: OpenBLAS sgemm; CUDA: one cuBLAS strided-batched sgemm.
#pragma once

#include "framework/tensor/tensor.h"

namespace mgr::features {

struct MfccParams {
  int n_mfcc = 20;
  double lifter = 0;  // 0: none; > 0: row k scaled by 1 + (lifter / 2) sin(pi (k + 1) / lifter)
  // Throws mgr::Error naming the bad field: n_mfcc in [1, 1024], lifter finite and >= 0.
  void validate() const;
};

// mel_db f32 [B, n_mels, T] (CPU or CUDA) -> f32 [B, n_mfcc, T] on the same device.
// Requires n_mfcc <= n_mels (librosa would silently return n_mels rows).
Tensor mfcc_from_db(const Tensor& mel_db, const MfccParams& p);

}  // namespace mgr::features
