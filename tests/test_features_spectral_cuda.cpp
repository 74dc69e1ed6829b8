// CUDA kernels of the spectral / frame-wise descriptors and clip aggregates against the CPU
// twin. Both run the same per-frame code and summation order (kernels/shared/framewise_common.h,
// kernels/shared/spectral_frame.h, no FMA), so sums, rolloff, zcr, rms, mean/var and the
// low-energy fraction must match bit for bit; only the log/exp/pow of bandwidth (p != 1, 2)
// and flatness may differ by an ulp of double, hence a 1e-6 relative tolerance there. Every
// case skips at run time without a GPU.
#include <algorithm>
#include <cmath>
#include <string>

#include "framework/features/spectral.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

// Non-negative magnitudes [B, bins, T] with silent frames, a one-bin frame and wide dynamics.
Tensor magnitudes(int64_t B, int bins, int64_t T, uint32_t seed) {
  std::vector<float> v = test::random_tensor({B, bins, T}, seed, 0.f, 1.f).to_vector();
  for (int64_t b = 0; b < B; ++b)
    for (int k = 0; k < bins; ++k)
      for (int64_t t = 0; t < T; ++t) {
        float& x = v[size_t((b * bins + k) * T + t)];
        if (t % 7 == 3) x = 0.f;                             // silent frame
        if (t % 11 == 5) x = k == bins / 3 ? 2.f : 0.f;      // one bin
        x *= std::pow(10.f, float(b) - 1.f - float(k % 5));  // dynamics
      }
  return Tensor::from_vector(v, {B, bins, T});
}

Tensor audio(int64_t B, int64_t N, uint32_t seed) {
  std::vector<float> v = test::random_tensor({B, N}, seed, -0.5f, 0.6f).to_vector();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < std::min<int64_t>(N, 3000); ++i) v[size_t(b * N + i)] = 0.f;
  return Tensor::from_vector(v, {B, N});
}

TEST(SpectralCuda, DescriptorsMatchCpu) {
  MGR_REQUIRE_CUDA();
  struct Shape3 {
    int64_t B;
    int n_fft;
    int64_t T;
  };
  for (const Shape3& s : {Shape3{1, 2048, 300}, Shape3{3, 1024, 129}, Shape3{2, 2048, 1}}) {
    SCOPED_TRACE("B " + std::to_string(s.B) + " n_fft " + std::to_string(s.n_fft) + " T " +
                 std::to_string(s.T));
    const int bins = s.n_fft / 2 + 1;
    Tensor m = magnitudes(s.B, bins, s.T, uint32_t(s.n_fft + s.T));
    Tensor md = m.to(Device::cuda(0));
    auto same = [](const Tensor& g, const Tensor& c) {
      EXPECT_TRUE(g.is_cuda());
      EXPECT_EQ(g.shape(), c.shape());
      EXPECT_EQ(g.cpu().to_vector(), c.to_vector());
    };
    same(features::spectral_centroid(md, 22050, s.n_fft),
         features::spectral_centroid(m, 22050, s.n_fft));
    same(features::spectral_bandwidth(md, 22050, s.n_fft, 2),
         features::spectral_bandwidth(m, 22050, s.n_fft, 2));
    same(features::spectral_bandwidth(md, 22050, s.n_fft, 1),
         features::spectral_bandwidth(m, 22050, s.n_fft, 1));
    EXPECT_TRUE(test::all_close(features::spectral_bandwidth(md, 16000, s.n_fft, 3).cpu(),
                                features::spectral_bandwidth(m, 16000, s.n_fft, 3), 1e-6f, 0.f));
    for (double roll : {0.85, 0.5, 0.99})
      same(features::spectral_rolloff(md, 22050, s.n_fft, roll),
           features::spectral_rolloff(m, 22050, s.n_fft, roll));
    for (double power : {2.0, 1.0, 1.5})
      EXPECT_TRUE(test::all_close(features::spectral_flatness(md, 1e-10, power).cpu(),
                                  features::spectral_flatness(m, 1e-10, power), 1e-6f, 0.f));
    same(features::spectral_flux(md), features::spectral_flux(m));
  }
}

TEST(SpectralCuda, AudioDescriptorsMatchCpu) {
  MGR_REQUIRE_CUDA();
  struct Cfg {
    int64_t B, N;
    int fl, hop;
    bool center;
    std::string pad;
  };
  const Cfg cfgs[] = {
      {2, 22050, 2048, 512, true, "constant"}, {1, 20001, 1023, 300, true, "reflect"},
      {3, 700, 2048, 512, true, "symmetric"},  // pad longer than the clip
      {2, 12345, 1024, 256, true, "edge"},     {2, 9000, 2048, 512, false, "constant"},
      {1, 5000, 100, 37, true, "reflect"}};  // frame shorter than a block
  uint32_t seed = 40;
  for (const Cfg& c : cfgs) {
    SCOPED_TRACE(std::to_string(c.N) + " " + std::to_string(c.fl) + " " + c.pad);
    Tensor y = audio(c.B, c.N, seed++);
    Tensor yd = y.to(Device::cuda(0));
    Tensor zc = features::zero_crossing_rate(y, c.fl, c.hop, c.center);
    Tensor zg = features::zero_crossing_rate(yd, c.fl, c.hop, c.center);
    EXPECT_TRUE(zg.is_cuda());
    EXPECT_EQ(zg.cpu().to_vector(), zc.to_vector());
    Tensor rc = features::rms(y, c.fl, c.hop, c.center, c.pad);
    Tensor rg = features::rms(yd, c.fl, c.hop, c.center, c.pad);
    EXPECT_EQ(rg.shape(), rc.shape());
    EXPECT_EQ(rg.cpu().to_vector(), rc.to_vector());
    EXPECT_EQ(features::low_energy_fraction(rg).cpu().to_vector(),
              features::low_energy_fraction(rc).to_vector());
    for (int64_t n : {int64_t(1), int64_t(7), int64_t(100)})
      EXPECT_EQ(features::low_energy_fraction(rg, n).cpu().to_vector(),
                features::low_energy_fraction(rc, n).to_vector());
  }
}

TEST(SpectralCuda, MeanVarOverTimeMatchesCpu) {
  MGR_REQUIRE_CUDA();
  for (int64_t T : {int64_t(1), int64_t(255), int64_t(1292)}) {
    Tensor x = test::random_tensor({3, 20, T}, uint32_t(50 + T), -40.f, 10.f);
    EXPECT_EQ(features::mean_var_over_time(x.to(Device::cuda(0))).cpu().to_vector(),
              features::mean_var_over_time(x).to_vector())
        << "T " << T;
  }
}

}  // namespace
}  // namespace mgr
