#include "framework/features/compress.h"

#include "kernels/cpu/compress.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/compress.h"
#endif

namespace mgr::features {

namespace {

constexpr int kInBins = 1025;
constexpr int kKept = 16;        // bins 0..15 pass through
constexpr int kFirstOctave = 3;  // k = 3..9: bins 2^k + 1 .. 2^(k+1)
constexpr int kLastOctave = 9;
constexpr int kGroupsPerOctave = 8;

kernels::cpu::BinGroups octave_groups() {
  kernels::cpu::BinGroups g;
  for (const auto& [begin, count] : octave_bin_ranges()) {
    g.begin[g.groups] = begin;
    g.count[g.groups] = count;
    ++g.groups;
  }
  return g;
}

}  // namespace

std::vector<std::pair<int, int>> octave_bin_ranges() {
  std::vector<std::pair<int, int>> r;
  for (int k = 0; k < kKept; ++k) r.emplace_back(k, 1);
  for (int k = kFirstOctave; k <= kLastOctave; ++k) {
    const int first = (1 << k) + 1;
    const int width = (1 << k) / kGroupsPerOctave;
    for (int j = 0; j < kGroupsPerOctave; ++j) r.emplace_back(first + j * width, width);
  }
  return r;  // 16 + 7 * 8 = 72 ranges; the last ends at bin 1024
}

Tensor compress_octaves(const Tensor& spec) {
  MGR_CHECK(
      spec.defined() && spec.dtype() == DType::F32 && spec.ndim() == 3 && spec.dim(1) == kInBins,
      "compress_octaves: spec must be f32 [B, 1025, T] (a 2048-point STFT), got "
          << (spec.defined() ? spec.str() : "undefined"));
  static const kernels::cpu::BinGroups groups = octave_groups();
  const int64_t batch = spec.dim(0);
  const int64_t frames = spec.dim(2);
  Tensor out = Tensor::empty({batch, groups.groups, frames}, DType::F32, spec.device());
  if (out.numel() == 0) return out;
  if (spec.is_cuda()) {
#if MGR_WITH_CUDA
    const int dev = spec.device().index;
    cuda::DeviceGuard g(dev);
    kernels::cuda::average_bin_groups(out.f32(), spec.f32(), batch, kInBins, frames, groups,
                                      cuda::stream(dev));
#endif
  } else {
    kernels::cpu::average_bin_groups(out.f32(), spec.f32(), batch, kInBins, frames, groups);
  }
  return out;
}

}  // namespace mgr::features
