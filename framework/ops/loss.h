// Classification loss and the softmax used to turn logits into class probabilities.
#pragma once

#include "framework/autograd/var.h"

namespace mgr::ops {

// Mean softmax cross-entropy over the batch. logits [N, C] f32, labels i32 [N] in [0, C).
// Returns shape [1]. Stable (log-sum-exp with the row maximum subtracted). Backward:
// dlogits += dloss * (softmax - onehot) / N.
// Labels on the CPU are validated (an out-of-range label throws) and uploaded to the logits'
// device when needed. Labels already on a CUDA device are not read back (that would stall the
// stream); the kernel never indexes with an out-of-range label, it makes that row's loss NaN,
// so the mean loss is NaN. The data path validates labels on the host (check_labels) before
// uploading them.
Var softmax_cross_entropy(const Var& logits, const Tensor& labels);

// Mean binary cross-entropy on logits over every element (torch's BCEWithLogitsLoss, reduction
// mean): max(x, 0) - x t + log(1 + exp(-|x|)), stable for any logit. logits f32 of any shape,
// targets f32 of the same shape in [0, 1] (a CPU tensor is uploaded to the logits' device).
// Returns shape [1]. Backward: dlogits += dloss * (sigmoid(x) - t) / numel.
Var bce_with_logits(const Var& logits, const Tensor& targets);

// Throws unless labels is an i32 CPU tensor of shape [n] whose values lie in [0, num_classes).
void check_labels(const Tensor& labels, int64_t n, int64_t num_classes);

// Row-wise softmax over the last dimension, no autograd (evaluation: clip scores, votes).
Tensor softmax(const Tensor& logits);

}  // namespace mgr::ops
