// Which of cuDNN's ranked convolution algorithms mgr runs, given the ranking that
// cudnnGetConvolution*Algorithm_v7 returned. Kept apart from the cuDNN calls so that the rule
// is tested without a GPU (the perf structs are plain data from cudnn.h). Only compiled with
// CUDA; internal to framework/ops.
#pragma once

#if MGR_WITH_CUDA

#include <cudnn.h>

#include <cstddef>

namespace mgr::ops::detail {

// Workspaces above this are not worth the memory for the layer sizes mgr trains.
constexpr size_t kMaxConvWorkspace = size_t(1) << 30;

struct ConvAlgoChoice {
  int index = -1;              // into the ranking; -1: nothing usable
  bool deterministic = false;  // false: a run may differ from the last in the last bits
};

// Plain FP32 arithmetic: FMA math, or default math (which cuDNN reports for algorithms that
// have no tensor-op variant). TF32 tensor-op math rounds inputs to 10 mantissa bits and would
// not match the CPU twin.
template <typename Perf>
bool conv_algo_is_fp32(const Perf& p) {
  return p.mathType != CUDNN_TENSOR_OP_MATH && p.mathType != CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
}

// The first algorithm in the heuristic ranking that is supported, fits the workspace cap and
// computes in plain FP32, preferring, in order: deterministic with FMA math, deterministic with
// any FP32 math, then (the fallback for geometries such as some dilated convolutions, where
// cuDNN offers no deterministic algorithm) non-deterministic FP32 with FMA math first. The
// caller logs the fallback. Heuristics rather than cudnnFind*: the choice is then itself
// reproducible and allocates nothing.
template <typename Perf>
ConvAlgoChoice choose_conv_algo(const Perf* perf, int count) {
  auto supported = [](const Perf& p) {
    return p.status == CUDNN_STATUS_SUCCESS && p.memory <= kMaxConvWorkspace &&
           conv_algo_is_fp32(p);
  };
  for (bool deterministic : {true, false})
    for (bool fma_only : {true, false})
      for (int i = 0; i < count; ++i) {
        const Perf& p = perf[i];
        if (!supported(p)) continue;
        if (deterministic && p.determinism != CUDNN_DETERMINISTIC) continue;
        if (fma_only && p.mathType != CUDNN_FMA_MATH) continue;
        return {i, p.determinism == CUDNN_DETERMINISTIC};
      }
  return {};
}

}  // namespace mgr::ops::detail

#endif  // MGR_WITH_CUDA
