// Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_ (norm_type 2): the L2 norm
// of every existing gradient taken together, and all gradients scaled by
// max_norm / (total + 1e-6) when that is below 1.
//
// The sum of squares runs on each gradient's device, in the fixed order of
// kernels/shared/row_moments.h (the row_moments kernel and its CPU twin), so a CUDA gradient
// gives the same bits as the CPU: a tensor of two or more dimensions is reduced as dim(0) rows
// (one block per row), a 1-D tensor as one row; the row sums and then the tensors (in parameter
// order) are added on the host in double. CUDA gradients are reduced with one copy back and one
// synchronisation per device. The scaling is the elementwise scale kernel (kernels/*/elementwise).
#pragma once

#include <vector>

#include "framework/autograd/var.h"

namespace mgr::optim {

// sqrt of the sum of squares of every defined gradient of `params` (0 when none has one).
// Parameters without a gradient are skipped.
double global_grad_norm(const std::vector<Var*>& params);

// Clips in place and returns the total norm before clipping. max_norm must be > 0 (infinity:
// never clip). A non-finite total (a NaN or Inf gradient) is returned as it is; with an Inf total
// the gradients are scaled by 0 (Inf elements become NaN), with a NaN total they are left alone
// (PyTorch multiplies them by NaN), so the caller should test the returned norm.
double clip_grad_norm(const std::vector<Var*>& params, double max_norm);

}  // namespace mgr::optim
