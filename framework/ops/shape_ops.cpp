#include "framework/ops/shape_ops.h"

#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/permute.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/permute.h"
#endif

namespace mgr::ops {

Var reshape(const Var& x, const Shape& shape) {
  Tensor y = x.value().reshape(shape);
  return make_var(
      y, {x}, [x](const Tensor& dy) { accumulate_grad(x, dy.reshape(x.value().shape())); },
      "reshape");
}

namespace {

// dst (+)= src permuted by perm, on src's device.
void permute_into(Tensor& dst, const Tensor& src, const std::vector<int>& perm, bool accumulate) {
  const int nd = src.ndim();
  const int64_t* shape = src.shape().data();
  if (src.is_cuda()) {
#if MGR_WITH_CUDA
    const int d = src.device().index;
    cuda::DeviceGuard g(d);
    kernels::cuda::permute(dst.f32(), src.f32(), shape, perm.data(), nd, accumulate,
                           cuda::stream(d));
#endif
  } else {
    kernels::cpu::permute(dst.f32(), src.f32(), shape, perm.data(), nd, accumulate);
  }
}

}  // namespace

Var permute(const Var& x, const std::vector<int>& dims) {
  const Tensor& xv = x.value();
  const int nd = xv.ndim();
  MGR_CHECK(xv.dtype() == DType::F32, "permute: f32 input expected, got " << xv.str());
  MGR_CHECK(nd >= 1 && nd <= kernels::kMaxPermuteDims,
            "permute: rank 1.." << kernels::kMaxPermuteDims << " supported, got " << xv.str());
  MGR_CHECK(static_cast<int>(dims.size()) == nd,
            "permute: " << dims.size() << " dims given for " << xv.str());
  std::vector<int> perm(nd), inverse(nd, -1);
  for (int i = 0; i < nd; ++i) {
    const int d = dims[i] < 0 ? dims[i] + nd : dims[i];
    MGR_CHECK(d >= 0 && d < nd && inverse[d] < 0, "permute: dims is not a permutation of 0.."
                                                      << nd - 1 << " (entry " << dims[i] << ")");
    perm[i] = d;
    inverse[d] = i;
  }
  Shape y_shape(nd);
  for (int i = 0; i < nd; ++i) y_shape[i] = xv.shape()[perm[i]];
  Tensor y = Tensor::empty(y_shape, DType::F32, xv.device());
  permute_into(y, xv, perm, false);
  return make_var(
      y, {x},
      [x, inverse](const Tensor& dy) {
        Tensor& dx = grad_buffer(x);
        permute_into(dx, dy, inverse, true);
      },
      "permute");
}

Var select_time(const Var& x, int t) {
  const Tensor& xv = x.value();
  MGR_CHECK(xv.dtype() == DType::F32 && xv.ndim() == 3,
            "select_time: f32 [B, T, F] expected, got " << xv.str());
  const int64_t B = xv.dim(0), T = xv.dim(1), F = xv.dim(2);
  const int64_t tt = t < 0 ? t + T : t;
  MGR_CHECK(tt >= 0 && tt < T, "select_time: step " << t << " out of range for " << xv.str());
  Tensor y = Tensor::empty({B, F}, DType::F32, xv.device());
  if (xv.is_cuda()) {
#if MGR_WITH_CUDA
    const int d = xv.device().index;
    cuda::DeviceGuard g(d);
    kernels::cuda::select_middle(y.f32(), xv.f32(), B, T, F, tt, cuda::stream(d));
#endif
  } else {
    kernels::cpu::select_middle(y.f32(), xv.f32(), B, T, F, tt);
  }
  return make_var(
      y, {x},
      [x, B, T, F, tt](const Tensor& dy) {
        Tensor& dx = grad_buffer(x);
        if (dy.is_cuda()) {
#if MGR_WITH_CUDA
          const int d = dy.device().index;
          cuda::DeviceGuard g(d);
          kernels::cuda::select_middle_backward(dx.f32(), dy.f32(), B, T, F, tt, cuda::stream(d));
#endif
        } else {
          kernels::cpu::select_middle_backward(dx.f32(), dy.f32(), B, T, F, tt);
        }
      },
      "select_time");
}

Var add(const Var& a, const Var& b) {
  const Tensor& av = a.value();
  const Tensor& bv = b.value();
  MGR_CHECK(av.dtype() == DType::F32 && bv.dtype() == DType::F32,
            "add: f32 inputs expected, got " << av.str() << " and " << bv.str());
  MGR_CHECK(av.shape() == bv.shape(), "add: shapes " << shape_str(av.shape()) << " and "
                                                     << shape_str(bv.shape())
                                                     << " differ (no broadcasting)");
  check_same_device({&av, &bv}, "add");
  Tensor y = Tensor::empty_like(av);
  if (av.is_cuda()) {
#if MGR_WITH_CUDA
    const int d = av.device().index;
    cuda::DeviceGuard g(d);
    kernels::cuda::add(y.f32(), av.f32(), bv.f32(), av.numel(), cuda::stream(d));
#endif
  } else {
    kernels::cpu::add(y.f32(), av.f32(), bv.f32(), av.numel());
  }
  return make_var(
      y, {a, b},
      [a, b](const Tensor& dy) {
        accumulate_grad(a, dy);
        accumulate_grad(b, dy);
      },
      "add");
}

namespace {

int normalize_axis(int axis, int ndim, const char* op, const Tensor& t) {
  const int a = axis < 0 ? axis + ndim : axis;
  MGR_CHECK(a >= 0 && a < ndim, op << ": axis " << axis << " out of range for " << t.str());
  return a;
}

// t viewed as [outer, shape[axis], inner].
int64_t outer_of(const Shape& s, int axis) {
  int64_t n = 1;
  for (int i = 0; i < axis; ++i) n *= s[i];
  return n;
}
int64_t inner_of(const Shape& s, int axis) {
  int64_t n = 1;
  for (size_t i = static_cast<size_t>(axis) + 1; i < s.size(); ++i) n *= s[i];
  return n;
}

// The block copy of kernels/cpu/permute.h on dst's device.
void narrow_into(Tensor& dst, const Tensor& src, const kernels::NarrowPlan& plan, bool accumulate) {
  if (dst.is_cuda()) {
#if MGR_WITH_CUDA
    const int d = dst.device().index;
    cuda::DeviceGuard g(d);
    kernels::cuda::narrow_copy(dst.f32(), src.f32(), plan, accumulate, cuda::stream(d));
#endif
  } else {
    kernels::cpu::narrow_copy(dst.f32(), src.f32(), plan, accumulate);
  }
}

}  // namespace

Var concat(const std::vector<Var>& xs, int axis) {
  MGR_CHECK(!xs.empty(), "concat: no inputs");
  const Tensor& x0 = xs[0].value();
  const int nd = x0.ndim();
  MGR_CHECK(nd >= 1, "concat: inputs must have at least one dimension, got " << x0.str());
  const int ax = normalize_axis(axis, nd, "concat", x0);
  Shape y_shape = x0.shape();
  y_shape[ax] = 0;
  std::vector<int64_t> offsets;  // start of each input along the axis of y
  for (size_t i = 0; i < xs.size(); ++i) {
    const Tensor& xi = xs[i].value();
    MGR_CHECK(xi.dtype() == DType::F32,
              "concat: f32 inputs expected, input " << i << " is " << xi.str());
    MGR_CHECK(xi.device() == x0.device(), "concat: input " << i << " is " << xi.str()
                                                           << ", input 0 is " << x0.str()
                                                           << " (one device expected)");
    bool same = xi.ndim() == nd;
    for (int d = 0; same && d < nd; ++d) same = d == ax || xi.dim(d) == x0.dim(d);
    MGR_CHECK(same, "concat: input " << i << " has shape " << shape_str(xi.shape())
                                     << ", input 0 has " << shape_str(x0.shape())
                                     << "; all dimensions but axis " << ax << " must match");
    offsets.push_back(y_shape[ax]);
    y_shape[ax] += xi.dim(ax);
  }
  const int64_t outer = outer_of(y_shape, ax), inner = inner_of(y_shape, ax), len = y_shape[ax];
  Tensor y = Tensor::empty(y_shape, DType::F32, x0.device());
  for (size_t i = 0; i < xs.size(); ++i) {
    const int64_t li = xs[i].value().dim(ax);
    narrow_into(y, xs[i].value(), {outer, li, inner, li, 0, len, offsets[i]}, false);
  }
  return make_var(
      y, xs,
      [xs, offsets, outer, inner, len, ax](const Tensor& dy) {
        for (size_t i = 0; i < xs.size(); ++i) {
          if (!xs[i].requires_grad()) continue;
          const int64_t li = xs[i].value().dim(ax);
          narrow_into(grad_buffer(xs[i]), dy, {outer, li, inner, len, offsets[i], li, 0}, true);
        }
      },
      "concat");
}

Var slice(const Var& x, int axis, int64_t start, int64_t length) {
  const Tensor& xv = x.value();
  MGR_CHECK(xv.dtype() == DType::F32, "slice: f32 input expected, got " << xv.str());
  MGR_CHECK(xv.ndim() >= 1, "slice: input must have at least one dimension, got " << xv.str());
  const int ax = normalize_axis(axis, xv.ndim(), "slice", xv);
  const int64_t n = xv.dim(ax);
  const int64_t s = start < 0 ? start + n : start;
  MGR_CHECK(s >= 0 && s <= n && length >= 0 && length <= n - s,
            "slice: start " << start << ", length " << length << " out of range for axis " << ax
                            << " (size " << n << ") of " << xv.str());
  Shape y_shape = xv.shape();
  y_shape[ax] = length;
  const int64_t outer = outer_of(y_shape, ax), inner = inner_of(y_shape, ax);
  Tensor y = Tensor::empty(y_shape, DType::F32, xv.device());
  narrow_into(y, xv, {outer, length, inner, n, s, length, 0}, false);
  return make_var(
      y, {x},
      [x, outer, inner, n, s, length](const Tensor& dy) {
        narrow_into(grad_buffer(x), dy, {outer, length, inner, length, 0, n, s}, true);
      },
      "slice");
}

}  // namespace mgr::ops
