#include "framework/tensor/index.h"

#include "kernels/cpu/gather.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/gather.h"
#endif

namespace mgr {

Tensor gather_rows(const Tensor& src, const std::vector<int32_t>& index) {
  MGR_CHECK(src.ndim() >= 1 && src.dtype() == DType::F32,
            "gather_rows: f32 tensor expected, got " << src.str());
  const int64_t rows = src.dim(0);
  for (int32_t i : index)
    MGR_CHECK(i >= 0 && i < rows, "gather_rows: index " << i << " out of range for " << src.str());
  Shape shape = src.shape();
  shape[0] = static_cast<int64_t>(index.size());
  Tensor out = Tensor::empty(shape, DType::F32, src.device());
  const int64_t row_elems = rows == 0 ? 0 : src.numel() / rows;
  if (src.is_cuda()) {
#if MGR_WITH_CUDA
    Tensor idx = Tensor::from_vector(index, {static_cast<int64_t>(index.size())}, src.device());
    cuda::DeviceGuard g(src.device().index);
    kernels::cuda::gather_rows(out.f32(), src.f32(), idx.i32(), shape[0], row_elems,
                               cuda::stream(src.device().index));
#endif
  } else {
    kernels::cpu::gather_rows(out.f32(), src.f32(), index.data(), shape[0], row_elems);
  }
  return out;
}

}  // namespace mgr

#include <cstring>

#include "kernels/cpu/reduce.h"
#if MGR_WITH_CUDA
#include "kernels/cuda/check.h"
#include "kernels/cuda/reduce.h"
#endif

namespace mgr {

void copy_rows(Tensor& dst, int64_t row0, const Tensor& src) {
  MGR_CHECK(dst.device() == src.device() && dst.dtype() == src.dtype() && dst.ndim() == src.ndim(),
            "copy_rows: " << src.str() << " into " << dst.str());
  for (int i = 1; i < dst.ndim(); ++i)
    MGR_CHECK(dst.dim(i) == src.dim(i),
              "copy_rows: trailing shapes differ: " << src.str() << " into " << dst.str());
  MGR_CHECK(row0 >= 0 && row0 + src.dim(0) <= dst.dim(0), "copy_rows: rows out of range");
  const size_t row_bytes = dst.dim(0) ? dst.nbytes() / dst.dim(0) : 0;
  char* d = static_cast<char*>(dst.raw()) + row0 * row_bytes;
  if (dst.is_cuda()) {
#if MGR_WITH_CUDA
    cuda::DeviceGuard g(dst.device().index);
    MGR_CUDA_CHECK(cudaMemcpyAsync(d, src.raw(), src.nbytes(), cudaMemcpyDeviceToDevice,
                                   cuda::stream(dst.device().index)));
#endif
  } else {
    std::memcpy(d, src.raw(), src.nbytes());
  }
}

void row_moments(const Tensor& x, std::vector<double>& sum, std::vector<double>& sumsq) {
  MGR_CHECK(x.ndim() >= 1 && x.dtype() == DType::F32, "row_moments: f32 tensor expected");
  const int64_t rows = x.dim(0), cols = rows ? x.numel() / rows : 0;
  sum.assign(rows, 0.0);
  sumsq.assign(rows, 0.0);
  if (x.is_cuda()) {
#if MGR_WITH_CUDA
    const int dev = x.device().index;
    cuda::DeviceGuard g(dev);
    auto buf = Tensor::empty({2 * rows * 2}, DType::F32, x.device());  // 2 * rows doubles
    double* dsum = static_cast<double*>(buf.raw());
    kernels::cuda::row_moments(dsum, dsum + rows, x.f32(), rows, cols, cuda::stream(dev));
    MGR_CUDA_CHECK(cudaMemcpyAsync(sum.data(), dsum, rows * sizeof(double), cudaMemcpyDeviceToHost,
                                   cuda::stream(dev)));
    MGR_CUDA_CHECK(cudaMemcpyAsync(sumsq.data(), dsum + rows, rows * sizeof(double),
                                   cudaMemcpyDeviceToHost, cuda::stream(dev)));
    MGR_CUDA_CHECK(cudaStreamSynchronize(cuda::stream(dev)));
#endif
  } else {
    kernels::cpu::row_moments(sum.data(), sumsq.data(), x.f32(), rows, cols);
  }
}

void affine_(Tensor& x, float a, float b) {
  MGR_CHECK(x.dtype() == DType::F32, "affine_: f32 tensor expected");
  if (x.is_cuda()) {
#if MGR_WITH_CUDA
    cuda::DeviceGuard g(x.device().index);
    kernels::cuda::affine(x.f32(), x.f32(), x.numel(), a, b, cuda::stream(x.device().index));
#endif
  } else {
    kernels::cpu::affine(x.f32(), x.f32(), x.numel(), a, b);
  }
}

}  // namespace mgr
