// Inverted dropout with a reproducible, device-independent mask.
#pragma once

#include <cstdint>

#include "framework/autograd/var.h"

namespace mgr::ops {

// Training: each element is kept with probability 1 - p and scaled by 1 / (1 - p), else zeroed.
// Identity (returns x itself) when !training or p == 0. 0 <= p < 1.
// The mask is a pure function of (seed, step, flat element index) (kernels/shared/dropout_hash.h),
// so CPU and CUDA drop the same elements for the same seed and step, and the backward pass
// recomputes it rather than storing it.
Var dropout(const Var& x, float p, bool training, uint64_t seed, uint64_t step);

}  // namespace mgr::ops
