// Mel projection of an already computed spectrogram: mel[b] = W S[b] with the dense librosa
// filterbank W [n_mels, bins]. The pipeline uses it when a type also needs the STFT itself
// (beat_chroma), so one STFT per batch feeds both the chroma and the mel/onset branch.
#pragma once

#include <vector>

#include "framework/tensor/tensor.h"

namespace mgr::features {

// spec f32 [B, bins, T] (|X|^power) and the filterbank [n_mels, bins] on spec's device
// -> [B, n_mels, T]. cuBLAS (default math, no TF32) on CUDA, OpenBLAS on CPU.
Tensor mel_from_spectrogram(const Tensor& spec, const Tensor& filterbank);

}  // namespace mgr::features
