// STFT and octave compression: CUDA kernels (cuFFT + transpose kernel + per-clip dB) against
// the CPU twin, across n_fft (odd, 1024, 2048), windows, centring, pad modes, short and
// multi-pass batches. Every case skips at run time without a GPU.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "framework/features/compress.h"
#include "framework/features/stft.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

using features::StftExtractor;
using features::StftOutput;
using features::StftParams;

struct Case {
  std::string name;
  int64_t batch;
  int64_t samples;
  StftParams p;
};

std::vector<Case> cases() {
  std::vector<Case> cs;
  StftParams p003;
  p003.win_length = 1024;
  p003.hop_length = 256;
  cs.push_back({"p003_b3_2s", 3, 44100, p003});
  StftParams p004;
  p004.n_fft = 1024;
  p004.hop_length = 512;
  cs.push_back({"p004_b2_odd", 2, 30001, p004});
  StftParams r;
  r.n_fft = 1024;
  r.hop_length = 256;
  r.win_length = 768;
  r.window = "hamming";
  r.pad_mode = "reflect";
  cs.push_back({"reflect_hamming_b1", 1, 12001, r});
  StftParams nc;
  nc.n_fft = 512;
  nc.hop_length = 128;
  nc.center = false;
  cs.push_back({"nocenter_b2", 2, 4097, nc});
  StftParams odd;
  odd.n_fft = 777;
  odd.hop_length = 200;
  cs.push_back({"odd_nfft_b1_short", 1, 500, odd});  // shorter than n_fft, centred
  StftParams big;                                    // 3 clips x 4,001 frames: two cuFFT passes
  cs.push_back({"multipass_b3", 3, 4000 * 512, big});
  StftParams rs;  // reflect padding longer than the clip: the reflection wraps several times
  rs.pad_mode = "reflect";
  cs.push_back({"reflect_shorter_than_nfft_b2", 2, 700, rs});
  return cs;
}

float max_abs(const std::vector<float>& v) {
  float m = 0;
  for (float x : v) m = std::max(m, std::abs(x));
  return m;
}

// 10^(x/10): dB back to power relative to the reference.
Tensor undb(const Tensor& db) {
  std::vector<float> v = db.to_vector();
  for (float& x : v) x = std::pow(10.f, x / 10.f);
  return Tensor::from_vector(v, db.shape());
}

TEST(FeaturesStftCuda, AllOutputsMatchCpu) {
  MGR_REQUIRE_CUDA();
  for (const Case& c : cases()) {
    Tensor audio = test::random_tensor({c.batch, c.samples}, 42, -0.5f, 0.5f);
    StftExtractor cpu(c.p, Device::cpu());
    StftExtractor gpu(c.p, Device::cuda(0));
    Tensor d_audio = audio.to(Device::cuda(0));
    for (int run = 0; run < 2; ++run) {  // the second run reuses the cached cuFFT plans
      for (StftOutput o : {StftOutput::Magnitude, StftOutput::Power}) {
        const Tensor ref = cpu(audio, o);
        const Tensor got = gpu(d_audio, o).to(Device::cpu());
        ASSERT_EQ(got.shape(), ref.shape()) << c.name;
        const float atol = 1e-5f * max_abs(ref.to_vector());  // FFT rounding is absolute
        EXPECT_TRUE(test::all_close(got, ref, 1e-4f, atol)) << c.name << " output " << int(o);
      }
      for (double top_db : {80.0, 0.0}) {
        for (bool ref_max : {true, false}) {
          const Tensor ref = cpu(audio, StftOutput::LogPower, 1e-10, top_db, ref_max);
          const Tensor got =
              gpu(d_audio, StftOutput::LogPower, 1e-10, top_db, ref_max).to(Device::cpu());
          // With the top_db floor, dB of the lowest kept bins inherit the FFT's absolute
          // rounding (0.02 dB). Without it, bins ~100 dB under the peak keep that rounding in
          // full (float32 FFTW alone is 0.021 dB off a double FFT at one bin of multipass_b3):
          // compare those in power, where the rounding is absolute.
          if (top_db > 0) {
            EXPECT_TRUE(test::all_close(got, ref, 0.f, 2e-2f))
                << c.name << " log-power top_db " << top_db << " ref_max " << ref_max;
          } else {
            const Tensor pr = undb(ref);
            EXPECT_TRUE(test::all_close(undb(got), pr, 1e-3f, 1e-6f * max_abs(pr.to_vector())))
                << c.name << " log-power without floor, ref_max " << ref_max;
          }
        }
      }
    }
  }
}

TEST(FeaturesStftCuda, CompressOctavesMatchesCpu) {
  MGR_REQUIRE_CUDA();
  for (int64_t frames : {1, 173, 1000}) {
    Tensor spec = test::random_tensor({3, 1025, frames}, 7, 0.f, 10.f);
    const Tensor ref = features::compress_octaves(spec);
    const Tensor got = features::compress_octaves(spec.to(Device::cuda(0))).to(Device::cpu());
    ASSERT_EQ(got.shape(), ref.shape());
    // Same summation order and reciprocal: bit-identical unless the compiler contracts.
    EXPECT_TRUE(test::all_close(got, ref, 1e-6f, 1e-6f)) << frames;
  }
}

}  // namespace
}  // namespace mgr
