#include "framework/optim/clip_grad.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/reduce.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/reduce.h"
#endif

namespace mgr::optim {

namespace {

// The defined, non-empty gradients of `params`, in parameter order.
std::vector<Tensor> gradients(const std::vector<Var*>& params, const char* who) {
  std::vector<Tensor> out;
  for (Var* p : params) {
    MGR_CHECK(p && p->defined(), who << ": undefined parameter");
    const Tensor& g = p->grad();
    if (!g.defined() || g.numel() == 0) continue;
    MGR_CHECK(g.dtype() == DType::F32, who << ": f32 gradient expected, got " << g.str());
    out.push_back(g);
  }
  return out;
}

// The [rows, cols] view the reduction uses (see clip_grad.h).
int64_t reduction_rows(const Tensor& g) { return g.ndim() >= 2 ? g.dim(0) : 1; }

}  // namespace

double global_grad_norm(const std::vector<Var*>& params) {
  const std::vector<Tensor> grads = gradients(params, "global_grad_norm");
  // Per gradient, the sums of squares of its rows (filled on the host or copied back).
  std::vector<std::vector<double>> row_sq(grads.size());
#if MGR_WITH_CUDA
  std::map<int, std::vector<size_t>> on_device;  // device index -> gradients there
#endif
  for (size_t i = 0; i < grads.size(); ++i) {
    const Tensor& g = grads[i];
    const int64_t rows = reduction_rows(g), cols = g.numel() / rows;
    row_sq[i].assign(rows, 0.0);
    if (g.is_cuda()) {
#if MGR_WITH_CUDA
      on_device[g.device().index].push_back(i);
#endif
    } else {
      std::vector<double> row_sum(rows);
      kernels::cpu::row_moments(row_sum.data(), row_sq[i].data(), g.f32(), rows, cols);
    }
  }
#if MGR_WITH_CUDA
  for (const auto& [dev, idx] : on_device) {
    int64_t total_rows = 0;
    for (size_t i : idx) total_rows += reduction_rows(grads[i]);
    cuda::DeviceGuard guard(dev);
    const cudaStream_t st = cuda::stream(dev);
    // 2 * total_rows doubles (sums, then sums of squares) in an f32 tensor of twice the count.
    Tensor buf = Tensor::empty({4 * total_rows}, DType::F32, Device::cuda(dev));
    double* dsum = static_cast<double*>(buf.raw());
    double* dsq = dsum + total_rows;
    int64_t off = 0;
    for (size_t i : idx) {
      const int64_t rows = reduction_rows(grads[i]);
      kernels::cuda::row_moments(dsum + off, dsq + off, grads[i].f32(), rows,
                                 grads[i].numel() / rows, st);
      off += rows;
    }
    std::vector<double> host(total_rows);
    MGR_CUDA_CHECK(
        cudaMemcpyAsync(host.data(), dsq, total_rows * sizeof(double), cudaMemcpyDeviceToHost, st));
    MGR_CUDA_CHECK(cudaStreamSynchronize(st));
    off = 0;
    for (size_t i : idx) {
      std::copy(host.begin() + off, host.begin() + off + row_sq[i].size(), row_sq[i].begin());
      off += static_cast<int64_t>(row_sq[i].size());
    }
  }
#endif
  double total = 0;
  for (const std::vector<double>& rs : row_sq)
    for (double r : rs) total += r;
  return std::sqrt(total);
}

double clip_grad_norm(const std::vector<Var*>& params, double max_norm) {
  MGR_CHECK(max_norm > 0, "clip_grad_norm: max_norm must be > 0, got " << max_norm);
  const double total = global_grad_norm(params);
  const double coef = max_norm / (total + 1e-6);
  if (!(coef < 1.0)) return total;  // also a NaN total: nothing sensible to scale by
  const float c = static_cast<float>(coef);
  for (Tensor g : gradients(params, "clip_grad_norm")) {
    if (g.is_cuda()) {
#if MGR_WITH_CUDA
      const int d = g.device().index;
      cuda::DeviceGuard guard(d);
      kernels::cuda::scale(g.f32(), g.f32(), g.numel(), c, cuda::stream(d));
#endif
    } else {
      kernels::cpu::scale(g.f32(), g.f32(), g.numel(), c);
    }
  }
  return total;
}

}  // namespace mgr::optim
