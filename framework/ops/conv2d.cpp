#include "framework/ops/conv2d.h"

#include "kernels/cpu/conv2d.h"

#if MGR_WITH_CUDA
#include <map>
#include <mutex>
#include <tuple>

#include "framework/cuda/cudnn_descriptors.h"
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/check.h"
#endif

namespace mgr::ops {

namespace {

using kernels::cpu::Conv2dGeometry;

#if MGR_WITH_CUDA

// cuDNN descriptors for one convolution geometry.
struct CudnnConv {
  cuda::TensorDescriptor x, y, b;
  cuda::FilterDescriptor w;
  cuda::ConvolutionDescriptor conv;
  explicit CudnnConv(const Conv2dGeometry& g)
      : x(g.n, g.c, g.h, g.w),
        y(g.n, g.k, g.out_h(), g.out_w()),
        b(1, g.k, 1, 1),
        w(g.k, g.c, g.kh, g.kw),
        conv(g.ph, g.pw, g.sh, g.sw, g.dh, g.dw) {}
};

struct ConvAlgos {
  cudnnConvolutionFwdAlgo_t fwd;
  cudnnConvolutionBwdDataAlgo_t bwd_data;
  cudnnConvolutionBwdFilterAlgo_t bwd_filter;
  size_t fwd_ws, bwd_data_ws, bwd_filter_ws;
};

// Workspaces above this are not worth the memory for the layer sizes mgr trains.
constexpr size_t kMaxWorkspace = size_t(1) << 30;

// The first algorithm in cuDNN's heuristic ranking that is supported, deterministic (so a
// training run repeats bit for bit), fits the workspace cap and computes in plain FP32: entries
// reported with FMA math first, then any not using tensor-op (TF32) math. Heuristics rather
// than cudnnFind*: the choice is then itself reproducible and allocates nothing.
template <typename Perf>
const Perf& pick(const Perf* perf, int count, const char* what) {
  auto usable = [](const Perf& p) {
    return p.status == CUDNN_STATUS_SUCCESS && p.determinism == CUDNN_DETERMINISTIC &&
           p.memory <= kMaxWorkspace;
  };
  for (int i = 0; i < count; ++i)
    if (usable(perf[i]) && perf[i].mathType == CUDNN_FMA_MATH) return perf[i];
  for (int i = 0; i < count; ++i)
    if (usable(perf[i]) && perf[i].mathType != CUDNN_TENSOR_OP_MATH &&
        perf[i].mathType != CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION)
      return perf[i];
  MGR_FAIL("conv2d: cuDNN offers no deterministic FP32 " << what << " algorithm for this shape ("
                                                         << count << " candidates)");
}

// Algorithms chosen once per (device, geometry) and cached for the life of the process.
const ConvAlgos& conv_algos(int device, const Conv2dGeometry& g, const CudnnConv& d) {
  using Key = std::tuple<int, int, int, int, int, int, int, int, int, int, int, int, int, int>;
  static std::mutex mu;
  static std::map<Key, ConvAlgos> cache;
  const Key key{device, g.n, g.c, g.h, g.w, g.k, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw};
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  cudnnHandle_t h = cuda::cudnn(device);
  ConvAlgos a{};
  {
    cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    int count = 0;
    MGR_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(
        h, d.x, d.w, d.conv, d.y, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &count, perf));
    const auto& p = pick(perf, count, "forward");
    a.fwd = p.algo;
    MGR_CUDNN_CHECK(
        cudnnGetConvolutionForwardWorkspaceSize(h, d.x, d.w, d.conv, d.y, a.fwd, &a.fwd_ws));
  }
  {
    cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
    int count = 0;
    MGR_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(
        h, d.w, d.y, d.conv, d.x, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &count, perf));
    const auto& p = pick(perf, count, "backward-data");
    a.bwd_data = p.algo;
    MGR_CUDNN_CHECK(cudnnGetConvolutionBackwardDataWorkspaceSize(h, d.w, d.y, d.conv, d.x,
                                                                 a.bwd_data, &a.bwd_data_ws));
  }
  {
    cudnnConvolutionBwdFilterAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
    int count = 0;
    MGR_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(
        h, d.x, d.y, d.conv, d.w, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &count, perf));
    const auto& p = pick(perf, count, "backward-filter");
    a.bwd_filter = p.algo;
    MGR_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterWorkspaceSize(h, d.x, d.y, d.conv, d.w,
                                                                   a.bwd_filter, &a.bwd_filter_ws));
  }
  return cache.emplace(key, a).first->second;
}

void conv2d_forward_cuda(const Tensor& x, const Tensor& w, const Tensor* b, Tensor& y,
                         const Conv2dGeometry& g) {
  const int dev = x.device().index;
  cuda::DeviceGuard guard(dev);
  CudnnConv d(g);
  const ConvAlgos& a = conv_algos(dev, g, d);
  cudnnHandle_t h = cuda::cudnn(dev);
  void* ws = a.fwd_ws ? cuda::workspace(dev, a.fwd_ws) : nullptr;
  const float one = 1.f, zero = 0.f;
  MGR_CUDNN_CHECK(cudnnConvolutionForward(h, &one, d.x, x.f32(), d.w, w.f32(), d.conv, a.fwd, ws,
                                          a.fwd_ws, &zero, d.y, y.f32()));
  if (b) MGR_CUDNN_CHECK(cudnnAddTensor(h, &one, d.b, b->f32(), &one, d.y, y.f32()));
}

// Accumulates (beta = 1) into whichever gradient buffers are given.
void conv2d_backward_cuda(const Tensor& x, const Tensor& w, const Tensor& dy, Tensor* dx,
                          Tensor* dw, Tensor* db, const Conv2dGeometry& g) {
  const int dev = x.device().index;
  cuda::DeviceGuard guard(dev);
  CudnnConv d(g);
  const ConvAlgos& a = conv_algos(dev, g, d);
  cudnnHandle_t h = cuda::cudnn(dev);
  const float one = 1.f;
  if (dx) {
    void* ws = a.bwd_data_ws ? cuda::workspace(dev, a.bwd_data_ws) : nullptr;
    MGR_CUDNN_CHECK(cudnnConvolutionBackwardData(h, &one, d.w, w.f32(), d.y, dy.f32(), d.conv,
                                                 a.bwd_data, ws, a.bwd_data_ws, &one, d.x,
                                                 dx->f32()));
  }
  if (dw) {
    void* ws = a.bwd_filter_ws ? cuda::workspace(dev, a.bwd_filter_ws) : nullptr;
    MGR_CUDNN_CHECK(cudnnConvolutionBackwardFilter(h, &one, d.x, x.f32(), d.y, dy.f32(), d.conv,
                                                   a.bwd_filter, ws, a.bwd_filter_ws, &one, d.w,
                                                   dw->f32()));
  }
  if (db)
    MGR_CUDNN_CHECK(cudnnConvolutionBackwardBias(h, &one, d.y, dy.f32(), &one, d.b, db->f32()));
}

#endif  // MGR_WITH_CUDA

}  // namespace

Var conv2d(const Var& x, const Var& w, const Var& b, int stride_h, int stride_w, int pad_h,
           int pad_w, int dilation_h, int dilation_w) {
  const Tensor& xv = x.value();
  const Tensor& wv = w.value();
  const bool has_bias = b.defined();
  MGR_CHECK(xv.dtype() == DType::F32 && wv.dtype() == DType::F32,
            "conv2d: f32 tensors expected, got x " << xv.str() << ", w " << wv.str());
  MGR_CHECK(xv.ndim() == 4, "conv2d: x must be [N,C,H,W], got " << xv.str());
  MGR_CHECK(wv.ndim() == 4, "conv2d: w must be [K,C,kh,kw], got " << wv.str());
  MGR_CHECK(wv.dim(1) == xv.dim(1), "conv2d: x has " << xv.dim(1) << " channels but w expects "
                                                     << wv.dim(1) << " (" << wv.str() << ")");
  MGR_CHECK(stride_h >= 1 && stride_w >= 1 && pad_h >= 0 && pad_w >= 0,
            "conv2d: bad stride " << stride_h << "x" << stride_w << " or padding " << pad_h << "x"
                                  << pad_w);
  MGR_CHECK(dilation_h >= 1 && dilation_w >= 1,
            "conv2d: bad dilation " << dilation_h << "x" << dilation_w << " (must be >= 1)");
  check_same_device({&xv, &wv}, "conv2d");
  if (has_bias) {
    check_shape(b.value(), {wv.dim(0)}, "conv2d bias");
    check_same_device({&xv, &b.value()}, "conv2d");
  }
  const Conv2dGeometry g{int(xv.dim(0)), int(xv.dim(1)), int(xv.dim(2)), int(xv.dim(3)),
                         int(wv.dim(0)), int(wv.dim(2)), int(wv.dim(3)), stride_h,
                         stride_w,       pad_h,          pad_w,          dilation_h,
                         dilation_w};
  MGR_CHECK(xv.dim(2) + 2 * pad_h >= g.span_h() && xv.dim(3) + 2 * pad_w >= g.span_w(),
            "conv2d: kernel " << wv.dim(2) << "x" << wv.dim(3) << " (dilation " << dilation_h << "x"
                              << dilation_w << ", extent " << g.span_h() << "x" << g.span_w()
                              << ") larger than padded input " << xv.str() << " (padding " << pad_h
                              << "x" << pad_w << ")");
  MGR_CHECK(g.n > 0 && g.c > 0 && g.k > 0,
            "conv2d: empty input " << xv.str() << " or weight " << wv.str());
  Tensor y = Tensor::empty({g.n, g.k, g.out_h(), g.out_w()}, DType::F32, xv.device());

  if (xv.is_cuda()) {
#if MGR_WITH_CUDA
    conv2d_forward_cuda(xv, wv, has_bias ? &b.value() : nullptr, y, g);
#endif
  } else {
    kernels::cpu::conv2d_forward(xv.f32(), wv.f32(), has_bias ? b.value().f32() : nullptr, y.f32(),
                                 g);
  }

  std::vector<Var> inputs{x, w};
  if (has_bias) inputs.push_back(b);
  return make_var(
      y, inputs,
      [x, w, b, g](const Tensor& dy) {
        bool dx_fresh = false;
        Tensor* dx = x.requires_grad() ? &grad_buffer(x, &dx_fresh) : nullptr;
        Tensor* dw = w.requires_grad() ? &grad_buffer(w) : nullptr;
        Tensor* db = b.defined() && b.requires_grad() ? &grad_buffer(b) : nullptr;
        if (dy.is_cuda()) {
#if MGR_WITH_CUDA
          conv2d_backward_cuda(x.value(), w.value(), dy, dx, dw, db, g);
#endif
        } else {
          kernels::cpu::conv2d_backward(x.value().f32(), w.value().f32(), dy.f32(),
                                        dx ? dx->f32() : nullptr, dw ? dw->f32() : nullptr,
                                        db ? db->f32() : nullptr, g, !dx_fresh);
        }
      },
      "conv2d");
}

}  // namespace mgr::ops
