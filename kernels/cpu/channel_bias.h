// A bias per channel of an NCHW tensor on the CPU (conv_transpose2d's bias; conv2d folds its
// own into the GEMM). The CUDA side uses cuDNN's AddTensor / ConvolutionBackwardBias.
#pragma once

#include <cstdint>

namespace mgr::kernels::cpu {

// y[n, c, p] += b[c] for y [N, C, HW].
void add_channel_bias(float* y, const float* b, int64_t n, int64_t c, int64_t hw);

// db[c] += sum over n and p of dy[n, c, p], summed per (n, c) row first, rows in order (the
// result does not depend on the thread count).
void channel_bias_grad(float* db, const float* dy, int64_t n, int64_t c, int64_t hw);

}  // namespace mgr::kernels::cpu
