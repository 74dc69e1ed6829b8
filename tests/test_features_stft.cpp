// STFT (magnitude / power / log-power) and paper 003's octave compression on the CPU twin
// against librosa 0.11 (tests/data/librosa/stft_mfcc/make_golden.py). Tolerances are the ones
// docs/features.md reports for this stage.
#include <cstdio>
#include <string>

#include "framework/features/compress.h"
#include "framework/features/stft.h"
#include "tests/golden.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

using features::StftExtractor;
using features::StftOutput;
using features::StftParams;
using namespace test;  // Golden, as_batch, max_abs_error, ...

const test::GoldenSet kGolden("stft_mfcc");

StftParams params_of(const json& j) {
  return test::frame_params<StftParams>(j, kGolden.manifest().at("sample_rate"));
}

StftOutput output_of(const std::string& s) {
  if (s == "magnitude") return StftOutput::Magnitude;
  if (s == "power") return StftOutput::Power;
  if (s == "log_power") return StftOutput::LogPower;
  throw Error("unknown output " + s);
}

// Columns 0, stride, 2 stride, ... of a [bins, frames] spectrogram (the stored frames).
std::vector<float> strided_frames(const std::vector<float>& full, int bins, int frames,
                                  int stride) {
  std::vector<float> out;
  for (int k = 0; k < bins; ++k)
    for (int t = 0; t < frames; t += stride) out.push_back(full[size_t(k) * frames + t]);
  return out;
}

TEST(FeaturesStftLibrosa, MagnitudePowerLogPowerMatchLibrosa) {
  int checked = 0;
  for (const auto& [name, a] : kGolden.manifest().at("arrays").items()) {
    if (a.at("kind") != "stft") continue;
    const Golden ref = kGolden.load(name);
    const Golden audio = kGolden.load(a.at("signal"));
    const StftParams p = params_of(a.at("params"));
    const std::string kind = a.at("output");
    StftExtractor ex(p, Device::cpu());
    Tensor x = as_batch(audio);
    Tensor s = ex(x, output_of(kind), a.value("amin", 1e-10), a.value("top_db", 80.0),
                  a.value("ref_max", true));
    const int frames = a.at("frames");
    ASSERT_EQ(s.shape(), (Shape{1, p.bins(), frames})) << name;
    ASSERT_EQ(p.num_frames(audio.shape[0]), frames) << name;
    const std::vector<float> ours =
        strided_frames(s.to_vector(), p.bins(), frames, a.at("frame_stride"));
    ASSERT_EQ(ours.size(), ref.data.size()) << name;
    const double err = max_abs_error(ours, ref.data);
    if (kind == "log_power") {
      EXPECT_LE(err, 5e-3) << name;  // dB; worst in bins near the top_db / amin floor
      std::printf("[ librosa  ] %-40s max abs %.2e dB\n", name.c_str(), err);
    } else {
      // Relative to the clip's largest value: float32 FFT rounding is absolute in size.
      const double rel = err / max_abs(ref.data);
      EXPECT_LE(rel, 1e-6) << name;
      std::printf("[ librosa  ] %-40s max abs err / max %.2e\n", name.c_str(), rel);
    }
    ++checked;
  }
  EXPECT_EQ(checked, 10);
}

TEST(FeaturesStftLibrosa, CompressOctavesMatchesIndependentReference) {
  const Golden ref = kGolden.load("compress_p003_power");
  const Golden audio = kGolden.load(ref.meta.at("signal"));
  StftExtractor ex(params_of(ref.meta.at("params")), Device::cpu());
  Tensor power = ex(as_batch(audio), StftOutput::Power);
  // The reference was computed (in float64) from librosa's power rounded to float32; our own
  // power differs from librosa's by the FFT error above, so compare our compression of our
  // power with a tolerance of that order, and compare exactly on a synthetic input below.
  Tensor c = features::compress_octaves(power);
  ASSERT_EQ(c.shape(), (Shape{1, 72, ref.shape[1]}));
  const double rel = max_abs_error(c.to_vector(), ref.data) / max_abs(ref.data);
  EXPECT_LE(rel, 1e-6);
  std::printf("[ librosa  ] compress_octaves(p003 power)          max abs err / max %.2e\n", rel);
}

// Exact bookkeeping: with spec[b, k, t] = k + 1000 t + 1e5 b every output is the mean of its
// bin range, (first + last) / 2 + 1000 t + 1e5 b.
TEST(FeaturesStft, CompressOctavesBinBookkeeping) {
  const auto ranges = features::octave_bin_ranges();
  ASSERT_EQ(ranges.size(), 72u);
  EXPECT_EQ(ranges[15], std::make_pair(15, 1));
  EXPECT_EQ(ranges[16], std::make_pair(9, 1));     // k = 3 starts at bin 2^3 + 1
  EXPECT_EQ(ranges[23], std::make_pair(16, 1));    // bin 16 only here
  EXPECT_EQ(ranges[24], std::make_pair(17, 2));    // k = 4: 17..32 in pairs
  EXPECT_EQ(ranges[71], std::make_pair(961, 64));  // ends at bin 1024 (Nyquist)
  const int T = 3;
  std::vector<float> v(2 * 1025 * T);
  for (int b = 0; b < 2; ++b)
    for (int k = 0; k < 1025; ++k)
      for (int t = 0; t < T; ++t) v[size_t((b * 1025 + k) * T + t)] = float(k + 1000 * t + 1e5 * b);
  const std::vector<float> out =
      features::compress_octaves(Tensor::from_vector(v, {2, 1025, T})).to_vector();
  for (int b = 0; b < 2; ++b)
    for (int g = 0; g < 72; ++g)
      for (int t = 0; t < T; ++t) {
        const auto [first, count] = ranges[size_t(g)];
        const double want = first + (count - 1) / 2.0 + 1000.0 * t + 1e5 * b;
        EXPECT_EQ(out[size_t((b * 72 + g) * T + t)], float(want)) << b << " " << g << " " << t;
      }
  EXPECT_THROW(features::compress_octaves(Tensor::zeros({1, 513, 4})), Error);
}

TEST(FeaturesStft, ParamsValidateAndFrames) {
  StftParams p;
  EXPECT_NO_THROW(p.validate());
  EXPECT_EQ(p.bins(), 1025);
  EXPECT_EQ(p.num_frames(661500), 1292);
  p.n_fft = 2048;
  p.win_length = 1024;
  p.hop_length = 256;
  EXPECT_EQ(p.num_frames(44100), 173);  // paper 003: 2 s clips
  StftParams q;
  q.n_fft = 1024;
  q.hop_length = 512;
  EXPECT_EQ(q.bins(), 513);  // paper 004
  q.center = false;
  EXPECT_EQ(q.num_frames(1024), 1);
  EXPECT_THROW(q.num_frames(1023), Error);
  auto bad = [](auto edit) {
    StftParams s;
    edit(s);
    try {
      s.validate();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(bad([](StftParams& s) { s.n_fft = 8; }).find("n_fft"), std::string::npos);
  EXPECT_NE(bad([](StftParams& s) { s.hop_length = 0; }).find("hop_length"), std::string::npos);
  EXPECT_NE(bad([](StftParams& s) { s.win_length = 4096; }).find("win_length"), std::string::npos);
  EXPECT_NE(bad([](StftParams& s) { s.window = "blackman"; }).find("window"), std::string::npos);
  EXPECT_NE(bad([](StftParams& s) { s.pad_mode = "edge"; }).find("pad_mode"), std::string::npos);
  StftExtractor ex(StftParams{}, Device::cpu());
  Tensor x = Tensor::zeros({1, 4096});
  EXPECT_THROW(ex(x, StftOutput::LogPower, 0.0), Error);  // amin
  EXPECT_THROW(ex(Tensor::zeros({4096})), Error);         // not [B, N]
}

// Per clip, never per batch: a quiet clip batched with a loud one gives what it gives alone.
TEST(FeaturesStft, LogPowerRefAndTopDbArePerClip) {
  const int64_t n = 8000;
  std::vector<float> loud = test::random_tensor({n}, 5).to_vector();
  std::vector<float> quiet = test::random_tensor({n}, 6, -1e-3f, 1e-3f).to_vector();
  std::vector<float> both = loud;
  both.insert(both.end(), quiet.begin(), quiet.end());
  StftParams p;
  p.n_fft = 512;
  p.hop_length = 128;
  StftExtractor ex(p, Device::cpu());
  const auto batched =
      ex(Tensor::from_vector(both, {2, n}), StftOutput::LogPower, 1e-10, 30).to_vector();
  const auto alone =
      ex(Tensor::from_vector(quiet, {1, n}), StftOutput::LogPower, 1e-10, 30).to_vector();
  EXPECT_EQ(std::vector<float>(batched.begin() + long(alone.size()), batched.end()), alone);
  const auto [lo, hi] = std::minmax_element(alone.begin(), alone.end());
  EXPECT_FLOAT_EQ(*hi, 0.f);
  EXPECT_FLOAT_EQ(*lo, -30.f);
}

}  // namespace
}  // namespace mgr
