// Row selection on tensors (mini-batch assembly from a feature table kept on the device).
#pragma once

#include <vector>

#include "framework/tensor/tensor.h"

namespace mgr {

// Returns src[index[i], ...] for each i, shape [index.size(), src.shape[1:]...], on src's device.
Tensor gather_rows(const Tensor& src, const std::vector<int32_t>& index);

}  // namespace mgr

namespace mgr {

// dst[row0 : row0 + src.dim(0), ...] = src (same trailing shape and device).
void copy_rows(Tensor& dst, int64_t row0, const Tensor& src);

// Per-row sum and sum of squares (in double) of a tensor viewed as [dim(0), rest].
void row_moments(const Tensor& x, std::vector<double>& sum, std::vector<double>& sumsq);

// x = a * x + b in place.
void affine_(Tensor& x, float a, float b);

}  // namespace mgr
