// RAII owners of cuDNN descriptors (tensor, filter, convolution, pooling, activation, LRN), so a
// descriptor is destroyed on every path out of an op, exceptions included. Only for
// CUDA-enabled translation units (MGR_WITH_CUDA). All descriptors here describe float32 NCHW
// data.
#pragma once

#if !MGR_WITH_CUDA
#error "cudnn_descriptors.h is only available in CUDA builds"
#endif

#include <cudnn.h>

namespace mgr::cuda {

// Owns one cuDNN descriptor of type T; Destroy is its cudnnDestroy* function.
template <typename T, cudnnStatus_t (*Destroy)(T)>
class CudnnDescriptor {
 public:
  CudnnDescriptor(const CudnnDescriptor&) = delete;
  CudnnDescriptor& operator=(const CudnnDescriptor&) = delete;
  ~CudnnDescriptor() {
    if (desc_) Destroy(desc_);  // destroy errors are not actionable in a destructor
  }
  T get() const { return desc_; }
  operator T() const { return desc_; }  // NOLINT: pass straight into cuDNN calls

 protected:
  CudnnDescriptor() = default;
  T desc_ = nullptr;
};

// A 4-d float32 tensor in NCHW layout, fully packed.
class TensorDescriptor
    : public CudnnDescriptor<cudnnTensorDescriptor_t, cudnnDestroyTensorDescriptor> {
 public:
  TensorDescriptor(int n, int c, int h, int w);
};

// Convolution weights [K, C, kh, kw], float32, NCHW.
class FilterDescriptor
    : public CudnnDescriptor<cudnnFilterDescriptor_t, cudnnDestroyFilterDescriptor> {
 public:
  FilterDescriptor(int k, int c, int kh, int kw);
};

// 2-D cross-correlation (what deep-learning frameworks call convolution) with float32
// accumulation, restricted to FMA math: no TF32 tensor cores, so results match the CPU
// reference to float32 rounding.
class ConvolutionDescriptor
    : public CudnnDescriptor<cudnnConvolutionDescriptor_t, cudnnDestroyConvolutionDescriptor> {
 public:
  ConvolutionDescriptor(int pad_h, int pad_w, int stride_h, int stride_w, int dilation_h = 1,
                        int dilation_w = 1);
};

// 2-D pooling without padding; NaNs are not propagated.
class PoolingDescriptor
    : public CudnnDescriptor<cudnnPoolingDescriptor_t, cudnnDestroyPoolingDescriptor> {
 public:
  PoolingDescriptor(cudnnPoolingMode_t mode, int kh, int kw, int sh, int sw);
};

class ActivationDescriptor
    : public CudnnDescriptor<cudnnActivationDescriptor_t, cudnnDestroyActivationDescriptor> {
 public:
  // coef: the clipping threshold (CLIPPED_RELU) or alpha (ELU); ignored by the others.
  explicit ActivationDescriptor(cudnnActivationMode_t mode, double coef = 0.0);
};

// Cross-channel local response normalisation over a window of n channels (odd n: centred).
// cuDNN divides alpha by n itself, computing y = x * (k + alpha/n * sum x^2)^(-beta), so alpha
// is torch's alpha unchanged.
class LrnDescriptor : public CudnnDescriptor<cudnnLRNDescriptor_t, cudnnDestroyLRNDescriptor> {
 public:
  LrnDescriptor(unsigned n, double alpha, double beta, double k);
};

}  // namespace mgr::cuda
