// Shape and layout ops: reshape (a view), permute (a materialised copy), select_time, and the
// combining ops of YAML-declared networks: add, concat, slice.
#pragma once

#include <vector>

#include "framework/autograd/var.h"

namespace mgr::ops {

// Same storage, new shape (one dimension may be -1). Backward reshapes the gradient back.
Var reshape(const Var& x, const Shape& shape);

// y's dimension i is x's dimension dims[i] (like torch.permute), rank <= 6; negative entries
// count from the end. Materialised (contiguous) copy; backward applies the inverse permutation.
Var permute(const Var& x, const std::vector<int>& dims);

// x [B, T, F] -> [B, F] at time step t (negative t counts from the end, -1 is the last step).
// Backward scatters the gradient into step t of dx.
Var select_time(const Var& x, int t);

// a + b, elementwise, for tensors of the same shape on one device (no broadcasting). Both
// inputs receive dy.
Var add(const Var& a, const Var& b);

// torch.cat(xs, axis): the inputs joined along `axis` (negative counts from the end). All must
// have the same rank, the same size in every other dimension and the same device; a size of 0
// along the axis is allowed. Backward hands each input its slice of the gradient.
Var concat(const std::vector<Var>& xs, int axis);

// torch.narrow(x, axis, start, length): indices start .. start + length - 1 of `axis` (a copy).
// Negative axis and start count from the end. Backward adds the gradient into that slice of dx
// (zero elsewhere).
Var slice(const Var& x, int axis, int64_t start, int64_t length);

}  // namespace mgr::ops
