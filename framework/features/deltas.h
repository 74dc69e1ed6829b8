// Delta features: librosa.feature.delta(x, width, order, axis=-1, mode='interp'), i.e.
// scipy.signal.savgol_filter(x, width, polyorder=order, deriv=order, mode='interp') along the
// frame axis: the order-th derivative of the least-squares polynomial of degree `order` through
// each centred window of `width` frames; the first and last width/2 frames take the derivative
// of the polynomial fitted to the first / last `width` frames (scipy's interp edges). Both the
// interior and the edge weights are computed on the host in double; the kernels are plain
// weighted sums (CPU: double accumulation; CUDA: float).
#pragma once

#include "framework/tensor/tensor.h"

namespace mgr::features {

// x f32 [B, D, T] (any rank >= 1: the last axis is frames), CPU or CUDA -> same shape/device.
// Errors as librosa (mgr::Error): width > T ("width=9 cannot exceed data.shape[axis]=5"), width
// not an odd integer >= 3, order < 1, and scipy's order >= width.
Tensor delta(const Tensor& x, int width = 9, int order = 1);

}  // namespace mgr::features
