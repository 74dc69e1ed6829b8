// Per-band statistics on the training clips only (against a double-precision loop), the
// normalisation they drive (zero mean / unit std on the training clips), argument checks, and
// the CUDA path against the CPU twin (same bits; skips without a GPU).
#include <algorithm>
#include <cmath>

#include "framework/features/normalise.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

using features::BandStats;

// [N, D, T] with band d around 10 d - 5 with spread 1 + d; clips not in `train` hold 1e6 so
// that reading one would show.
Tensor make_features(int64_t N, int64_t D, int64_t T, const std::vector<int>& train,
                     uint32_t seed) {
  std::vector<float> v = test::random_tensor({N, D, T}, seed).to_vector();
  for (int64_t n = 0; n < N; ++n) {
    const bool is_train = std::find(train.begin(), train.end(), int(n)) != train.end();
    for (int64_t d = 0; d < D; ++d)
      for (int64_t t = 0; t < T; ++t) {
        float& x = v[size_t((n * D + d) * T + t)];
        x = is_train ? 10.f * float(d) - 5.f + (1.f + float(d)) * x : 1e6f;
      }
  }
  return Tensor::from_vector(v, {N, D, T});
}

// Mean and population std per band over the train clips, plain double loops.
void reference_stats(const Tensor& x, const std::vector<int>& train, std::vector<double>& mean,
                     std::vector<double>& sd) {
  const int64_t D = x.dim(1), T = x.ndim() == 3 ? x.dim(2) : 1;
  const std::vector<float> v = x.to_vector();
  mean.assign(size_t(D), 0);
  sd.assign(size_t(D), 0);
  for (int64_t d = 0; d < D; ++d) {
    double s = 0;
    for (int c : train)
      for (int64_t t = 0; t < T; ++t) s += v[size_t((c * D + d) * T + t)];
    const double m = s / (double(train.size()) * T);
    double q = 0;
    for (int c : train)
      for (int64_t t = 0; t < T; ++t) q += std::pow(v[size_t((c * D + d) * T + t)] - m, 2);
    mean[size_t(d)] = m;
    sd[size_t(d)] = std::sqrt(q / (double(train.size()) * T));
  }
}

TEST(BandNorm, StatisticsUseOnlyTrainingClips) {
  const std::vector<int> train = {4, 0, 2, 5};
  for (int64_t T : {int64_t(37), int64_t(300)}) {
    SCOPED_TRACE("T " + std::to_string(T));
    Tensor x = make_features(7, 5, T, train, 21);
    const BandStats s = features::band_statistics(x, train);
    std::vector<double> m, sd;
    reference_stats(x, train, m, sd);
    ASSERT_EQ(s.mean.size(), 5u);
    ASSERT_EQ(s.stddev.size(), 5u);
    for (size_t d = 0; d < 5; ++d) {
      EXPECT_NEAR(s.mean[d], m[d], 1e-6 * std::abs(m[d]) + 1e-6);
      EXPECT_NEAR(s.stddev[d], sd[d], 1e-6 * sd[d]);
    }
  }
}

TEST(BandNorm, ClipLevelVectors) {
  const std::vector<int> train = {1, 2, 3, 6, 8};
  Tensor x = make_features(9, 6, 1, train, 22).reshape({9, 6});
  const BandStats s = features::band_statistics(x, train);
  std::vector<double> m, sd;
  reference_stats(x, train, m, sd);
  for (size_t d = 0; d < 6; ++d) {
    EXPECT_NEAR(s.mean[d], m[d], 1e-6 * std::abs(m[d]) + 1e-6);
    EXPECT_NEAR(s.stddev[d], sd[d], 1e-6 * sd[d]);
  }
}

TEST(BandNorm, NormalisationGivesZeroMeanUnitStdOnTrainingClips) {
  const std::vector<int> train = {0, 1, 3, 4, 6};
  Tensor x = make_features(8, 4, 123, train, 23);
  const BandStats s = features::band_statistics(x, train);
  features::apply_band_normalisation_(x, s);
  std::vector<double> m, sd;
  reference_stats(x, train, m, sd);
  for (size_t d = 0; d < 4; ++d) {
    EXPECT_NEAR(m[d], 0.0, 1e-5);
    EXPECT_NEAR(sd[d], 1.0, 1e-5);
  }
  // A held-out clip is transformed with the training statistics, not its own.
  const float held = x.to_vector()[size_t((2 * 4 + 1) * 123)];
  EXPECT_FLOAT_EQ(held, (1e6f - s.mean[1]) / s.stddev[1]);
}

TEST(BandNorm, ConstantBandUsesTheFloor) {
  Tensor x = Tensor::full({3, 2, 5}, 2.5f);
  const BandStats s = features::band_statistics(x, {0, 1});
  EXPECT_EQ(s.mean, (std::vector<float>{2.5f, 2.5f}));
  EXPECT_EQ(s.stddev, (std::vector<float>{0.f, 0.f}));
  x.f32()[29] = 2.5f + 1e-6f;
  features::apply_band_normalisation_(x, s);
  const std::vector<float> v = x.to_vector();
  EXPECT_EQ(v[0], 0.f);
  EXPECT_NEAR(v[29], (1e-6f + 2.5f - 2.5f) / 1e-8f, 1.f);  // divided by the 1e-8 floor
}

TEST(BandNorm, RejectsBadArguments) {
  Tensor x = Tensor::zeros({4, 3, 2});
  EXPECT_THROW(features::band_statistics(x, {}), Error);
  EXPECT_THROW(features::band_statistics(x, {0, 4}), Error);
  EXPECT_THROW(features::band_statistics(x, {-1}), Error);
  EXPECT_THROW(features::band_statistics(x, {1, 2, 1}), Error);
  EXPECT_THROW(features::band_statistics(Tensor::zeros({4}), {0}), Error);
  BandStats s{{0.f, 0.f}, {1.f, 1.f}};
  EXPECT_THROW(features::apply_band_normalisation_(x, s), Error);  // 2 bands, features have 3
}

TEST(BandNormCuda, MatchesCpuBitForBit) {
  MGR_REQUIRE_CUDA();
  std::vector<int> train;
  for (int i = 0; i < 300; ++i)
    if (i % 3 != 1) train.push_back(i);  // 200 clips: lanes fold more than one partial
  for (int64_t T : {int64_t(1), int64_t(77), int64_t(600)}) {
    SCOPED_TRACE("T " + std::to_string(T));
    Tensor x = make_features(300, 5, T, train, 24);
    Tensor xd = x.to(Device::cuda(0));
    const BandStats sc = features::band_statistics(x, train);
    const BandStats sg = features::band_statistics(xd, train);
    EXPECT_EQ(sg.mean, sc.mean);
    EXPECT_EQ(sg.stddev, sc.stddev);
    features::apply_band_normalisation_(x, sc);
    features::apply_band_normalisation_(xd, sc);
    EXPECT_TRUE(xd.is_cuda());
    EXPECT_EQ(xd.cpu().to_vector(), x.to_vector());
  }
  Tensor v = make_features(9, 6, 1, {1, 2, 3}, 25).reshape({9, 6});
  const BandStats a = features::band_statistics(v, {3, 1, 2});
  const BandStats b = features::band_statistics(v.to(Device::cuda(0)), {3, 1, 2});
  EXPECT_EQ(a.mean, b.mean);
  EXPECT_EQ(a.stddev, b.stddev);
}

}  // namespace
}  // namespace mgr
