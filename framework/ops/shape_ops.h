// Shape and layout ops: reshape (a view), permute (a materialised copy), select_time.
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

}  // namespace mgr::ops
