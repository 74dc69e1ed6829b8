// Binary cross-entropy with logits on the CPU (arithmetic: kernels/shared/bce_logits.h).
#pragma once

#include <cstdint>

namespace mgr::kernels::cpu {

// elem[i] = loss(x[i], t[i]) (scratch); returns their mean, summed in double in the fixed order
// of ordered_sum (kernels/shared/framewise_common.h), as the CUDA twin's block does.
float bce_logits_forward(float* elem, const float* x, const float* t, int64_t n);

// dx[i] += (dloss / n) * (sigmoid(x[i]) - t[i]).
void bce_logits_backward(float* dx, const float* x, const float* t, float dloss, int64_t n);

}  // namespace mgr::kernels::cpu
