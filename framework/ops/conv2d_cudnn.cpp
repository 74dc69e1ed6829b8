#include "framework/ops/conv2d_cudnn.h"

#if MGR_WITH_CUDA
#include <cstdio>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <tuple>

#include "framework/cuda/cudnn_descriptors.h"
#include "framework/ops/conv2d_algo_choice.h"
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/check.h"

namespace mgr::ops::detail {

namespace {

std::string describe(const Conv2dGeometry& g) {
  std::ostringstream os;
  os << "input " << g.n << "x" << g.c << "x" << g.h << "x" << g.w << ", filter " << g.k << "x"
     << g.c << "x" << g.kh << "x" << g.kw << ", stride " << g.sh << "x" << g.sw << ", padding "
     << g.ph << "x" << g.pw << ", dilation " << g.dh << "x" << g.dw;
  return os.str();
}

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

// The algorithm choose_conv_algo picks from cuDNN's ranking; a non-deterministic fallback is
// said once per geometry and direction on stderr (the run is then not repeatable bit for bit).
template <typename Perf>
const Perf& pick(const Perf* perf, int count, const char* what, const Conv2dGeometry& g) {
  const ConvAlgoChoice c = choose_conv_algo(perf, count);
  MGR_CHECK(c.index >= 0, "conv2d: cuDNN offers no FP32 " << what << " algorithm for this shape ("
                                                          << count << " candidates, " << describe(g)
                                                          << ")");
  if (!c.deterministic)
    std::fprintf(stderr,
                 "mgr: warning: conv2d %s: cuDNN offers no deterministic FP32 algorithm for %s; "
                 "using algorithm %d, whose results may differ between runs in the last bits\n",
                 what, describe(g).c_str(), int(perf[c.index].algo));
  return perf[c.index];
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
    const auto& p = pick(perf, count, "forward", g);
    a.fwd = p.algo;
    MGR_CUDNN_CHECK(
        cudnnGetConvolutionForwardWorkspaceSize(h, d.x, d.w, d.conv, d.y, a.fwd, &a.fwd_ws));
  }
  {
    cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
    int count = 0;
    MGR_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(
        h, d.w, d.y, d.conv, d.x, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &count, perf));
    const auto& p = pick(perf, count, "backward-data", g);
    a.bwd_data = p.algo;
    MGR_CUDNN_CHECK(cudnnGetConvolutionBackwardDataWorkspaceSize(h, d.w, d.y, d.conv, d.x,
                                                                 a.bwd_data, &a.bwd_data_ws));
  }
  {
    cudnnConvolutionBwdFilterAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
    int count = 0;
    MGR_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(
        h, d.x, d.y, d.conv, d.w, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &count, perf));
    const auto& p = pick(perf, count, "backward-filter", g);
    a.bwd_filter = p.algo;
    MGR_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterWorkspaceSize(h, d.x, d.y, d.conv, d.w,
                                                                   a.bwd_filter, &a.bwd_filter_ws));
  }
  return cache.emplace(key, a).first->second;
}

}  // namespace

void conv2d_forward_cuda(const Tensor& x, const Tensor& w, const Tensor* b, Tensor& y,
                         const Conv2dGeometry& g, bool accumulate) {
  const int dev = x.device().index;
  cuda::DeviceGuard guard(dev);
  CudnnConv d(g);
  const ConvAlgos& a = conv_algos(dev, g, d);
  cudnnHandle_t h = cuda::cudnn(dev);
  void* ws = a.fwd_ws ? cuda::workspace(dev, a.fwd_ws) : nullptr;
  const float one = 1.f, beta = accumulate ? 1.f : 0.f;
  MGR_CUDNN_CHECK(cudnnConvolutionForward(h, &one, d.x, x.f32(), d.w, w.f32(), d.conv, a.fwd, ws,
                                          a.fwd_ws, &beta, d.y, y.f32()));
  if (b) MGR_CUDNN_CHECK(cudnnAddTensor(h, &one, d.b, b->f32(), &one, d.y, y.f32()));
}

void conv2d_backward_cuda(const Tensor* x, const Tensor& w, const Tensor& dy, Tensor* dx,
                          Tensor* dw, Tensor* db, const Conv2dGeometry& g) {
  const int dev = dy.device().index;
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
    MGR_CUDNN_CHECK(cudnnConvolutionBackwardFilter(h, &one, d.x, x->f32(), d.y, dy.f32(), d.conv,
                                                   a.bwd_filter, ws, a.bwd_filter_ws, &one, d.w,
                                                   dw->f32()));
  }
  if (db)
    MGR_CUDNN_CHECK(cudnnConvolutionBackwardBias(h, &one, d.y, dy.f32(), &one, d.b, db->f32()));
}

}  // namespace mgr::ops::detail

#endif  // MGR_WITH_CUDA
