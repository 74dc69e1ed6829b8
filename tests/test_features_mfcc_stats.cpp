// features.type mfcc_stats (the clip vector of paper 004's KNN baseline): each MFCC's mean and
// population variance over the clip's frames, the same numbers as the mfcc stage reduced in
// double; the CUDA pipeline against the CPU twin (skips without a GPU).
#include <cmath>
#include <numbers>
#include <vector>

#include "framework/features/pipeline.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

config::FeatureConfig stats_config() {
  config::FeatureConfig f;
  f.type = "mfcc_stats";
  f.n_fft = 512;
  f.hop_length = 256;
  f.n_mels = 40;
  f.n_mfcc = 13;
  f.mfcc_ref = "one";
  return f;
}

Tensor chirps(int64_t batch, int64_t n, int sr) {
  Tensor a = test::random_tensor({batch, n}, 7, -0.05f, 0.05f);
  float* p = a.f32();
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < n; ++i) {
      const double t = double(i) / sr;
      p[b * n + i] +=
          0.4f * float(std::sin(2 * std::numbers::pi * (200.0 * (b + 1) + 300 * t) * t));
    }
  return a;
}

TEST(MfccStats, IsTheMeanAndVarianceOfTheMfccFrames) {
  const int sr = 8000;
  const Tensor audio = chirps(3, 12000, sr);
  config::FeatureConfig f = stats_config();
  const Tensor stats = features::FeaturePipeline(f, sr, Device::cpu())(audio);
  f.type = "mfcc";
  const Tensor mfcc = features::FeaturePipeline(f, sr, Device::cpu())(audio);  // [B, 1, 13, T]
  ASSERT_EQ(stats.shape(), (Shape{3, 26}));
  const int64_t D = 13, T = mfcc.shape()[3];
  const std::vector<float> m = mfcc.to_vector(), s = stats.to_vector();
  for (int64_t b = 0; b < 3; ++b)
    for (int64_t d = 0; d < D; ++d) {
      double sum = 0, sq = 0;
      for (int64_t t = 0; t < T; ++t) sum += m[static_cast<size_t>((b * D + d) * T + t)];
      const double mean = sum / T;
      for (int64_t t = 0; t < T; ++t) {
        const double e = m[static_cast<size_t>((b * D + d) * T + t)] - mean;
        sq += e * e;
      }
      EXPECT_NEAR(s[static_cast<size_t>(b * 2 * D + d)], mean, 1e-4 * (1 + std::abs(mean)));
      EXPECT_NEAR(s[static_cast<size_t>(b * 2 * D + D + d)], sq / T, 1e-4 * (1 + sq / T));
    }
}

TEST(MfccStatsCuda, PipelineMatchesCpu) {
  MGR_REQUIRE_CUDA();
  const int sr = 8000;
  const Tensor audio = chirps(4, 16000, sr);
  const config::FeatureConfig f = stats_config();
  const Tensor cpu = features::FeaturePipeline(f, sr, Device::cpu())(audio);
  const Tensor gpu =
      features::FeaturePipeline(f, sr, Device::cuda(0))(audio.to(Device::cuda(0))).cpu();
  ASSERT_EQ(gpu.shape(), cpu.shape());
  // Means of MFCCs up to ~1e3 and variances up to ~1e4: float32 mel/DCT rounding on each frame.
  EXPECT_TRUE(test::all_close(gpu, cpu, 1e-3f, 1e-2f));
}

}  // namespace
}  // namespace mgr
