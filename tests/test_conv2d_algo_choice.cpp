// The rule that picks a cuDNN convolution algorithm from the heuristic ranking (plain data from
// cudnn.h, so it is tested here without a GPU). CUDA builds only.
#include <gtest/gtest.h>

#if MGR_WITH_CUDA
#include "framework/ops/conv2d_algo_choice.h"

namespace mgr::ops::detail {
namespace {

cudnnConvolutionFwdAlgoPerf_t perf(cudnnConvolutionFwdAlgo_t algo, cudnnStatus_t status,
                                   cudnnDeterminism_t det, cudnnMathType_t math,
                                   size_t memory = 0) {
  cudnnConvolutionFwdAlgoPerf_t p{};
  p.algo = algo;
  p.status = status;
  p.determinism = det;
  p.mathType = math;
  p.memory = memory;
  return p;
}

constexpr auto kOk = CUDNN_STATUS_SUCCESS;
constexpr auto kDet = CUDNN_DETERMINISTIC;
constexpr auto kNonDet = CUDNN_NON_DETERMINISTIC;

TEST(ConvAlgoChoice, PrefersDeterministicFmaInRankingOrder) {
  const cudnnConvolutionFwdAlgoPerf_t ranking[] = {
      perf(CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED, kOk, kDet, CUDNN_TENSOR_OP_MATH),
      perf(CUDNN_CONVOLUTION_FWD_ALGO_FFT, kOk, kNonDet, CUDNN_FMA_MATH),
      perf(CUDNN_CONVOLUTION_FWD_ALGO_GEMM, kOk, kDet, CUDNN_DEFAULT_MATH),
      perf(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, kOk, kDet, CUDNN_FMA_MATH),
      perf(CUDNN_CONVOLUTION_FWD_ALGO_DIRECT, kOk, kDet, CUDNN_FMA_MATH)};
  const ConvAlgoChoice c = choose_conv_algo(ranking, 5);
  EXPECT_EQ(c.index, 3);
  EXPECT_TRUE(c.deterministic);
}

TEST(ConvAlgoChoice, DeterministicDefaultMathBeforeNonDeterministic) {
  const cudnnConvolutionFwdAlgoPerf_t ranking[] = {
      perf(CUDNN_CONVOLUTION_FWD_ALGO_FFT, kOk, kNonDet, CUDNN_FMA_MATH),
      perf(CUDNN_CONVOLUTION_FWD_ALGO_GEMM, kOk, kDet, CUDNN_DEFAULT_MATH)};
  const ConvAlgoChoice c = choose_conv_algo(ranking, 2);
  EXPECT_EQ(c.index, 1);
  EXPECT_TRUE(c.deterministic);
}

TEST(ConvAlgoChoice, FallsBackToNonDeterministicFp32WhenNothingElseIsOffered) {
  // As for some dilated geometries: every deterministic entry is unsupported, too large or TF32.
  const cudnnConvolutionFwdAlgoPerf_t ranking[] = {
      perf(CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, CUDNN_STATUS_NOT_SUPPORTED, kDet,
           CUDNN_FMA_MATH),
      perf(CUDNN_CONVOLUTION_FWD_ALGO_GEMM, kOk, kDet, CUDNN_FMA_MATH, kMaxConvWorkspace + 1),
      perf(CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED, kOk, kDet,
           CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION),
      perf(CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING, kOk, kNonDet, CUDNN_DEFAULT_MATH),
      perf(CUDNN_CONVOLUTION_FWD_ALGO_FFT, kOk, kNonDet, CUDNN_FMA_MATH)};
  const ConvAlgoChoice c = choose_conv_algo(ranking, 5);
  EXPECT_EQ(c.index, 4);
  EXPECT_FALSE(c.deterministic);
}

TEST(ConvAlgoChoice, NothingUsableIsMinusOne) {
  const cudnnConvolutionFwdAlgoPerf_t ranking[] = {
      perf(CUDNN_CONVOLUTION_FWD_ALGO_GEMM, kOk, kDet, CUDNN_TENSOR_OP_MATH),
      perf(CUDNN_CONVOLUTION_FWD_ALGO_FFT, CUDNN_STATUS_NOT_SUPPORTED, kNonDet, CUDNN_FMA_MATH)};
  EXPECT_EQ(choose_conv_algo(ranking, 2).index, -1);
  EXPECT_EQ(choose_conv_algo(ranking, 0).index, -1);
}

}  // namespace
}  // namespace mgr::ops::detail
#endif  // MGR_WITH_CUDA
