// The index maps of the layout kernels, written once for both devices: the permutation's plan
// (output shape and the input stride of each output dimension) and the input offset of an output
// element, and select_middle's row offset. The CUDA kernels (kernels/cuda/permute.cu) rebuild
// each element's input offset with permute_source; the CPU twin (kernels/cpu/permute.cpp) walks
// the same plan with an odometer (no divisions), and tests/test_shape_ops.cpp checks that the two
// walks agree on every element.
#pragma once

#include <cstdint>

#include "kernels/shared/host_device.h"

namespace mgr::kernels {

constexpr int kMaxPermuteDims = 6;

struct PermutePlan {
  int ndim = 0;
  int64_t numel = 1;
  int64_t out_shape[kMaxPermuteDims] = {};
  int64_t src_stride[kMaxPermuteDims] = {};  // input stride of each output dimension
};

// y = x.permute(perm): y's dimension i is x's dimension perm[i]; in_shape has ndim entries
// (1 <= ndim <= kMaxPermuteDims, checked by the callers).
MGR_HOST_DEVICE inline PermutePlan permute_plan(const int64_t* in_shape, const int* perm,
                                                int ndim) {
  PermutePlan p;
  p.ndim = ndim;
  int64_t in_stride[kMaxPermuteDims] = {};
  for (int d = ndim - 1; d >= 0; --d) {
    in_stride[d] = p.numel;
    p.numel *= in_shape[d];
  }
  for (int d = 0; d < ndim; ++d) {
    p.out_shape[d] = in_shape[perm[d]];
    p.src_stride[d] = in_stride[perm[d]];
  }
  return p;
}

// Input offset of output element o (row-major over out_shape).
MGR_HOST_DEVICE inline int64_t permute_source(int64_t o, const PermutePlan& p) {
  int64_t rest = o, src = 0;
  for (int d = p.ndim - 1; d >= 0; --d) {
    const int64_t q = rest / p.out_shape[d];
    src += (rest - q * p.out_shape[d]) * p.src_stride[d];
    rest = q;
  }
  return src;
}

// Offset of row (o, t) of x [outer, t_len, inner] (select_middle reads it, its backward adds
// into it).
MGR_HOST_DEVICE inline int64_t middle_row(int64_t o, int64_t t_len, int64_t inner, int64_t t) {
  return (o * t_len + t) * inner;
}

// narrow_copy (concat and slice, forward and backward) copies a block of `len` indices of the
// middle dimension: y [outer, y_len, inner] at y_start .. y_start + len from
// x [outer, x_len, inner] at x_start .. x_start + len. Element e of the block (row-major over
// [outer, len, inner]) reads x at *src and writes y at *dst. The CPU twin copies whole rows of
// len * inner contiguous floats from middle_row(o, x_len, inner, x_start) to
// middle_row(o, y_len, inner, y_start), the same offsets.
struct NarrowPlan {
  int64_t outer = 0, len = 0, inner = 0;
  int64_t x_len = 0, x_start = 0, y_len = 0, y_start = 0;
};

MGR_HOST_DEVICE inline void narrow_offsets(int64_t e, const NarrowPlan& p, int64_t* src,
                                           int64_t* dst) {
  const int64_t row = p.len * p.inner;
  const int64_t o = e / row, r = e - o * row;
  *src = middle_row(o, p.x_len, p.inner, p.x_start) + r;
  *dst = middle_row(o, p.y_len, p.inner, p.y_start) + r;
}

}  // namespace mgr::kernels
