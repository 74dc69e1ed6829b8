// Layout kernels (CPU reference): general permutation of up to 6 dimensions, selecting one
// index of a middle dimension ([outer, T, inner] -> [outer, inner]), and copying a block of a
// middle dimension between two such arrays (concat, slice).
#pragma once

#include <cstdint>

#include "kernels/shared/permute_index.h"  // kMaxPermuteDims, the index maps

namespace mgr::kernels::cpu {

// y = x.permute(perm): y's dimension i is x's dimension perm[i]. in_shape has `ndim` entries.
// When accumulate, y += permuted x instead of y = permuted x.
void permute(float* y, const float* x, const int64_t* in_shape, const int* perm, int ndim,
             bool accumulate);

// y[o, i] = x[o, t, i] for x [outer, T, inner].
void select_middle(float* y, const float* x, int64_t outer, int64_t t_len, int64_t inner,
                   int64_t t);
// dx[o, t, i] += dy[o, i].
void select_middle_backward(float* dx, const float* dy, int64_t outer, int64_t t_len, int64_t inner,
                            int64_t t);

// The block copy of concat and slice (kernels/shared/permute_index.h, NarrowPlan):
// y[o, y_start + k, i] = x[o, x_start + k, i] for k < len (y += ... when accumulate).
void narrow_copy(float* y, const float* x, const NarrowPlan& plan, bool accumulate);

}  // namespace mgr::kernels::cpu
