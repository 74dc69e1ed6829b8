// Inverted dropout (CPU reference). The mask comes from kernels/shared/dropout_hash.h.
#pragma once

#include <cstdint>

namespace mgr::kernels::cpu {

// y[i] = keep(i) ? x[i] * scale : 0, with keep from (key, i, p); scale = 1 / (1 - p).
void dropout_forward(float* y, const float* x, int64_t n, float p, float scale, uint64_t key);
// dx[i] += keep(i) ? dy[i] * scale : 0
void dropout_backward(float* dx, const float* dy, int64_t n, float p, float scale, uint64_t key);

}  // namespace mgr::kernels::cpu
