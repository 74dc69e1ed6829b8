#if MGR_WITH_CUDA
#include "framework/cuda/cudnn_descriptors.h"

#include "kernels/cuda/check.h"

namespace mgr::cuda {

TensorDescriptor::TensorDescriptor(int n, int c, int h, int w) {
  MGR_CUDNN_CHECK(cudnnCreateTensorDescriptor(&desc_));
  MGR_CUDNN_CHECK(
      cudnnSetTensor4dDescriptor(desc_, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, c, h, w));
}

FilterDescriptor::FilterDescriptor(int k, int c, int kh, int kw) {
  MGR_CUDNN_CHECK(cudnnCreateFilterDescriptor(&desc_));
  MGR_CUDNN_CHECK(
      cudnnSetFilter4dDescriptor(desc_, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, k, c, kh, kw));
}

ConvolutionDescriptor::ConvolutionDescriptor(int pad_h, int pad_w, int stride_h, int stride_w,
                                             int dilation_h, int dilation_w) {
  MGR_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&desc_));
  MGR_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(desc_, pad_h, pad_w, stride_h, stride_w,
                                                  dilation_h, dilation_w, CUDNN_CROSS_CORRELATION,
                                                  CUDNN_DATA_FLOAT));
  // CUDNN_DEFAULT_MATH permits TF32 on Ampere and later; FMA math forbids it.
  MGR_CUDNN_CHECK(cudnnSetConvolutionMathType(desc_, CUDNN_FMA_MATH));
}

PoolingDescriptor::PoolingDescriptor(cudnnPoolingMode_t mode, int kh, int kw, int sh, int sw) {
  MGR_CUDNN_CHECK(cudnnCreatePoolingDescriptor(&desc_));
  MGR_CUDNN_CHECK(
      cudnnSetPooling2dDescriptor(desc_, mode, CUDNN_NOT_PROPAGATE_NAN, kh, kw, 0, 0, sh, sw));
}

ActivationDescriptor::ActivationDescriptor(cudnnActivationMode_t mode, double coef) {
  MGR_CUDNN_CHECK(cudnnCreateActivationDescriptor(&desc_));
  MGR_CUDNN_CHECK(cudnnSetActivationDescriptor(desc_, mode, CUDNN_NOT_PROPAGATE_NAN, coef));
}

LrnDescriptor::LrnDescriptor(unsigned n, double alpha, double beta, double k) {
  MGR_CUDNN_CHECK(cudnnCreateLRNDescriptor(&desc_));
  MGR_CUDNN_CHECK(cudnnSetLRNDescriptor(desc_, n, alpha, beta, k));
}

}  // namespace mgr::cuda
#endif  // MGR_WITH_CUDA
