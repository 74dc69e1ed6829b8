// Mel inversion on the GPU against the CPU twin (skips without a device): dB to power, mel ->
// linear (cuBLAS product + the one-launch refinement), the inverse STFT and Griffin-Lim on
// cuFFT, over batches of several clips, odd frame counts, both mel powers, reflect padding, a
// window shorter than n_fft, a given output length and a single frame.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "framework/features/mel_inversion.h"
#include "framework/features/stft.h"
#include "tests/golden.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

using features::MelInversionParams;
using features::MelInverter;

double rel_l2(const Tensor& a, const Tensor& b) {
  return features::relative_distance(a.cpu(), b.cpu())[0];
}

// [clips, n_mels, frames] of non-negative mel powers: a random spectrum per clip with a few
// strong bands, scaled differently per clip (so a batch mixes loud and quiet clips).
Tensor random_mel(int64_t clips, int n_mels, int frames, uint32_t seed) {
  std::vector<float> v = test::random_tensor({clips, n_mels, frames}, seed, 0.f, 1.f).to_vector();
  for (int64_t c = 0; c < clips; ++c)
    for (int m = 0; m < n_mels; ++m)
      for (int t = 0; t < frames; ++t) {
        float& x = v[size_t((c * n_mels + m) * frames + t)];
        x = x * x * x * float(std::pow(10.0, -double(c))) * (m % 7 == 0 ? 20.f : 1.f);
      }
  return Tensor::from_vector(v, {clips, n_mels, frames});
}

void expect_devices_agree(const MelInversionParams& p, const Tensor& mel_cpu) {
  MelInverter cpu(p, Device::cpu());
  MelInverter gpu(p, Device::cuda(0));
  const Tensor mel_gpu = mel_cpu.to(Device::cuda(0));

  const Tensor lin_cpu = cpu.mel_to_stft(mel_cpu);
  const Tensor lin_gpu = gpu.mel_to_stft(mel_gpu);
  ASSERT_EQ(lin_gpu.shape(), lin_cpu.shape());
  // The pinv product (OpenBLAS vs cuBLAS) differs in rounding; the refinement does not grow it.
  for (double d : features::relative_distance(lin_gpu.cpu(), lin_cpu)) EXPECT_LE(d, 1e-4);

  // Griffin-Lim from the CPU's magnitude on both devices: FFTW and cuFFT round differently, and
  // 32 iterations with momentum carry that as far as librosa's double-precision FFT does.
  const Tensor x_cpu = cpu.griffin_lim(lin_cpu);
  const Tensor x_gpu = gpu.griffin_lim(lin_cpu.to(Device::cuda(0)));
  ASSERT_EQ(x_gpu.shape(), x_cpu.shape());
  const std::vector<double> sc_cpu = features::spectral_convergence(x_cpu, lin_cpu, p.mel);
  const std::vector<double> sc_gpu =
      features::spectral_convergence(x_gpu, lin_cpu.to(Device::cuda(0)), p.mel);
  const std::vector<double> d = features::relative_distance(x_gpu.cpu(), x_cpu);
  for (size_t c = 0; c < d.size(); ++c) {
    SCOPED_TRACE(c);
    EXPECT_LE(d[c], 5e-3);
    EXPECT_NEAR(sc_gpu[c], sc_cpu[c], 1e-3);
  }
}

TEST(MelInversionCuda, DbToPowerMatchesCpu) {
  MGR_REQUIRE_CUDA();
  MelInversionParams p;
  p.db_ref = 3.5;
  const Tensor db = test::random_tensor({2, 128, 9}, 3, -80.f, 10.f);
  const Tensor a = MelInverter(p, Device::cpu()).power_from_db(db);
  const Tensor b = MelInverter(p, Device::cuda(0)).power_from_db(db.to(Device::cuda(0)));
  EXPECT_TRUE(test::all_close(b.cpu(), a, 1e-6f, 0.f));  // powf may differ by an ulp
}

TEST(MelInversionCuda, DefaultParametersMatchCpu) {
  MGR_REQUIRE_CUDA();
  MelInversionParams p;
  expect_devices_agree(p, random_mel(3, 128, 45, 11));
}

TEST(MelInversionCuda, SmallCaseWithReflectHammingPowerOneMatchesCpu) {
  MGR_REQUIRE_CUDA();
  const test::GoldenSet golden("mel_inversion");
  MelInversionParams p;
  p.mel.n_fft = 512;
  p.mel.hop_length = 128;
  p.mel.win_length = 400;
  p.mel.window = "hamming";
  p.mel.pad_mode = "reflect";
  p.mel.n_mels = 40;
  p.mel.mel_scale = "htk";
  p.mel.mel_norm = "none";
  p.mel.fmin = 50;
  p.mel.fmax = 8000;
  p.mel.power = 1.0;
  p.init = "zeros";
  p.n_iter = 16;
  expect_devices_agree(p, test::as_batch(golden.load("small_mel")));
  // A given length (the golden clip's 11025 samples: padded past the frames' reach).
  p.length = 11025;
  expect_devices_agree(p, test::as_batch(golden.load("small_mel")));
}

TEST(MelInversionCuda, EdgesMatchCpu) {
  MGR_REQUIRE_CUDA();
  MelInversionParams p;
  p.mel.n_fft = 256;
  p.mel.hop_length = 100;  // n_fft not a multiple of hop
  p.mel.n_mels = 32;
  p.n_iter = 5;
  expect_devices_agree(p, random_mel(2, 32, 13, 6));
  // One frame: centred, it covers no samples of its own, so the length is given.
  p.length = 50;
  expect_devices_agree(p, random_mel(2, 32, 1, 5));
}

TEST(MelInversionCuda, IstftMatchesCpu) {
  MGR_REQUIRE_CUDA();
  // n_iter 0: the inverse STFT of the magnitude with phase 0 (init zeros), nothing else.
  MelInversionParams p;
  p.init = "zeros";
  p.n_iter = 0;
  p.mel.center = false;
  const Tensor mag = test::random_tensor({2, 1025, 7}, 9, 0.f, 1.f);
  const Tensor a = MelInverter(p, Device::cpu()).griffin_lim(mag);
  const Tensor b = MelInverter(p, Device::cuda(0)).griffin_lim(mag.to(Device::cuda(0)));
  EXPECT_LE(rel_l2(b, a), 1e-5);
}

TEST(MelInversionCuda, WrongDeviceIsAnError) {
  MGR_REQUIRE_CUDA();
  MelInversionParams p;
  MelInverter gpu(p, Device::cuda(0));
  EXPECT_NE(test::error_of([&] {
              gpu.mel_to_audio(Tensor::zeros({1, 128, 3}));
            }).find("is on cpu"),
            std::string::npos);
}

}  // namespace
}  // namespace mgr
