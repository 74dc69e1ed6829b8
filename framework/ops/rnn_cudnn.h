// The CUDA side of ops::rnn, beside its CPU twin (as conv2d_cudnn is): cuDNN 9's RNN API
// (cudnnRNNForward, cudnnRNNBackwardData_v8, cudnnRNNBackwardWeights_v8) on batch-major unpacked
// data, so [B, T, F] tensors are used as they are. The PyTorch-layout weights are packed into
// cuDNN's weight space on every forward, and the weight gradients are unpacked from a dweight space
// the same way.
#pragma once

#if !MGR_WITH_CUDA
#error "rnn_cudnn.h is only available in CUDA builds"
#endif

#include "framework/ops/rnn.h"

namespace mgr::cuda {

// Arguments as ops::rnn (already checked; everything on one CUDA device). need_grad selects
// CUDNN_FWD_MODE_TRAINING (reserve space kept for the returned backward) or INFERENCE.
ops::detail::RnnForward cudnn_rnn_forward(const Var& x, const ops::RnnWeights& w, ops::RnnMode mode,
                                          int hidden, int num_layers, bool bidirectional,
                                          bool need_grad);

}  // namespace mgr::cuda
