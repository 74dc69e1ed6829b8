#include "framework/features/normalise.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/cpu/band_stats.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/band_stats.h"
#endif

namespace mgr::features {

namespace {

struct BandDims {
  int64_t N, D, T;
};

BandDims band_dims(const Tensor& x, const char* fn) {
  MGR_CHECK(x.defined() && x.dtype() == DType::F32 && (x.ndim() == 2 || x.ndim() == 3),
            fn << ": features f32 [N, D, T] or [N, D] expected, got "
               << (x.defined() ? x.str() : std::string("an undefined tensor")));
  return {x.dim(0), x.dim(1), x.ndim() == 3 ? x.dim(2) : 1};
}

#if MGR_WITH_CUDA
// Doubles on `device`, held by an i32 tensor (Tensor has no f64 dtype); the allocator's blocks
// are at least 64-byte aligned.
Tensor double_buffer(int64_t n, Device device) {
  return Tensor::empty({2 * std::max<int64_t>(n, 1)}, DType::I32, device);
}
double* dptr(Tensor& t) { return reinterpret_cast<double*>(t.raw()); }

std::vector<double> to_doubles(const Tensor& t, int64_t n) {
  const Tensor h = t.cpu();
  std::vector<double> v(static_cast<size_t>(n));
  std::memcpy(v.data(), h.raw(), size_t(n) * sizeof(double));
  return v;
}
#endif

}  // namespace

BandStats band_statistics(const Tensor& features, const std::vector<int>& train_clips) {
  const BandDims s = band_dims(features, "band_statistics");
  MGR_CHECK(!train_clips.empty(), "band_statistics: train_clips is empty");
  MGR_CHECK(s.T >= 1 && s.D >= 1, "band_statistics: no bands or frames in " << features.str());
  std::vector<char> seen(size_t(s.N), 0);
  for (int c : train_clips) {
    MGR_CHECK(c >= 0 && c < s.N,
              "band_statistics: train clip index " << c << " is outside [0, " << s.N << ")");
    MGR_CHECK(!seen[size_t(c)], "band_statistics: train clip index " << c << " is repeated");
    seen[size_t(c)] = 1;
  }
  const int64_t C = static_cast<int64_t>(train_clips.size());
  const double count = double(C) * double(s.T);
  std::vector<int32_t> idx(train_clips.begin(), train_clips.end());
  std::vector<double> mean, var;
  if (features.is_cuda()) {
#if MGR_WITH_CUDA
    const Device dev = features.device();
    cuda::DeviceGuard g(dev.index);
    cudaStream_t st = cuda::stream(dev.index);
    Tensor clips = Tensor::from_vector(idx, {C}, dev);
    Tensor partial = double_buffer(C * s.D, dev);
    Tensor mean_d = double_buffer(s.D, dev);
    Tensor var_d = double_buffer(s.D, dev);
    kernels::cuda::band_partial_sums(dptr(partial), features.f32(), clips.i32(), C, s.D, s.T,
                                     nullptr, st);
    kernels::cuda::band_reduce_clips(dptr(mean_d), dptr(partial), C, s.D, count, st);
    kernels::cuda::band_partial_sums(dptr(partial), features.f32(), clips.i32(), C, s.D, s.T,
                                     dptr(mean_d), st);
    kernels::cuda::band_reduce_clips(dptr(var_d), dptr(partial), C, s.D, count, st);
    mean = to_doubles(mean_d, s.D);
    var = to_doubles(var_d, s.D);
#endif
  } else {
    std::vector<double> partial(size_t(C * s.D));
    mean.resize(size_t(s.D));
    var.resize(size_t(s.D));
    kernels::cpu::band_partial_sums(partial.data(), features.f32(), idx.data(), C, s.D, s.T,
                                    nullptr);
    kernels::cpu::band_reduce_clips(mean.data(), partial.data(), C, s.D, count);
    kernels::cpu::band_partial_sums(partial.data(), features.f32(), idx.data(), C, s.D, s.T,
                                    mean.data());
    kernels::cpu::band_reduce_clips(var.data(), partial.data(), C, s.D, count);
  }
  BandStats out;
  out.mean.resize(size_t(s.D));
  out.stddev.resize(size_t(s.D));
  for (int64_t d = 0; d < s.D; ++d) {
    out.mean[size_t(d)] = static_cast<float>(mean[size_t(d)]);
    out.stddev[size_t(d)] = static_cast<float>(std::sqrt(var[size_t(d)]));
  }
  return out;
}

void apply_band_normalisation_(Tensor& features, const BandStats& s) {
  const BandDims d = band_dims(features, "apply_band_normalisation_");
  MGR_CHECK(int64_t(s.mean.size()) == d.D && int64_t(s.stddev.size()) == d.D,
            "apply_band_normalisation_: statistics for "
                << s.mean.size() << " / " << s.stddev.size() << " bands, features have " << d.D);
  std::vector<float> denom(size_t(d.D));
  for (size_t i = 0; i < denom.size(); ++i) denom[i] = std::max(s.stddev[i], 1e-8f);
  if (features.is_cuda()) {
#if MGR_WITH_CUDA
    const Device dev = features.device();
    cuda::DeviceGuard g(dev.index);
    Tensor mean_d = Tensor::from_vector(s.mean, {d.D}, dev);
    Tensor denom_d = Tensor::from_vector(denom, {d.D}, dev);
    kernels::cuda::normalise_bands(features.f32(), d.N, d.D, d.T, mean_d.f32(), denom_d.f32(),
                                   cuda::stream(dev.index));
#endif
  } else {
    kernels::cpu::normalise_bands(features.f32(), d.N, d.D, d.T, s.mean.data(), denom.data());
  }
}

}  // namespace mgr::features
