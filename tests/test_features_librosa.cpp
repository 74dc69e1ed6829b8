// Log-mel CPU twin against librosa 0.11 golden files (tests/data/librosa/make_golden.py), plus
// the frame count, per-clip top_db and parameter validation. The tolerances are the ones
// docs/features.md reports: filterbank and mel power relative 1e-4, dB absolute 1e-3 dB.
#include <algorithm>
#include <cmath>
#include <string>

#include "framework/features/log_mel.h"
#include "kernels/cpu/stft.h"
#include "tests/golden.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

using features::LogMelExtractor;
using features::LogMelParams;
using test::Golden;
using test::json;
using test::max_abs_error;

const test::GoldenSet kGolden("");

// LogMelParams from a manifest entry's "params" (fields not named keep librosa's defaults).
LogMelParams params_of(const json& j) {
  return test::mel_params<LogMelParams>(j, kGolden.manifest().at("sample_rate"));
}

// Largest |a - b| / |b| over entries with b != 0; entries with b == 0 must be exactly 0.
double max_rel_error(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    if (b[i] == 0.f) {
      if (a[i] != 0.f) return INFINITY;
      continue;
    }
    worst = std::max(worst, std::abs(double(a[i]) - b[i]) / std::abs(double(b[i])));
  }
  return worst;
}

TEST(FeaturesLibrosa, FilterbankMatchesLibrosa) {
  int checked = 0;
  for (const auto& [name, a] : kGolden.manifest().at("arrays").items()) {
    if (a.at("kind") != "filterbank") continue;
    const Golden g = kGolden.load(name);
    const std::vector<float> ours = features::mel_filterbank(params_of(a.at("params")));
    ASSERT_EQ(ours.size(), g.data.size()) << name;
    const double rel = max_rel_error(ours, g.data);
    EXPECT_LE(rel, 1e-4) << name;
    std::printf("[ librosa  ] %-36s filterbank max rel %.2e\n", name.c_str(), rel);
    ++checked;
  }
  EXPECT_EQ(checked, 4);
}

TEST(FeaturesLibrosa, MelPowerAndDbMatchLibrosa) {
  int checked = 0;
  for (const auto& [name, a] : kGolden.manifest().at("arrays").items()) {
    if (a.at("kind") != "mel_power") continue;
    const std::string db_name = "db_" + name.substr(4);
    const Golden mel_ref = kGolden.load(name);
    const Golden db_ref = kGolden.load(db_name);
    const Golden audio = kGolden.load(a.at("signal"));
    const LogMelParams p = params_of(a.at("params"));
    Tensor x = test::as_batch(audio);
    LogMelExtractor ex(p, Device::cpu());
    Tensor mel = ex.mel_spectrogram(x);
    ASSERT_EQ(mel.shape(), (Shape{1, mel_ref.shape[0], mel_ref.shape[1]})) << name;
    const double rel = max_rel_error(mel.to_vector(), mel_ref.data);
    EXPECT_LE(rel, 1e-4) << name;
    Tensor db = ex(x);
    const double abs_db = max_abs_error(db.to_vector(), db_ref.data);
    EXPECT_LE(abs_db, 1e-3) << db_name;
    // The free function is the same computation.
    EXPECT_EQ(features::log_mel(x, p).to_vector(), db.to_vector()) << name;
    std::printf("[ librosa  ] %-36s mel power max rel %.2e, dB max abs %.2e dB\n", name.c_str(),
                rel, abs_db);
    ++checked;
  }
  EXPECT_EQ(checked, 5);
}

TEST(Features, FrameCount) {
  LogMelParams p;
  EXPECT_EQ(p.num_frames(661500), 1292);  // 30 s at 22050 Hz, hop 512, centred
  EXPECT_EQ(p.num_frames(1), 1);
  p.center = false;
  EXPECT_EQ(p.num_frames(661500), 1 + (661500 - 2048) / 512);
  EXPECT_EQ(p.num_frames(2048), 1);
  EXPECT_THROW(p.num_frames(2047), Error);
  Tensor x = Tensor::zeros({2, 661500});
  LogMelParams q;
  EXPECT_EQ(LogMelExtractor(q, Device::cpu())(x).shape(), (Shape{2, 128, 1292}));
}

// Frames of a tiny signal, checked by hand against numpy.pad(x, 2, mode=...) framed by 4/2.
TEST(Features, CentrePaddingModes) {
  const std::vector<float> x = {1, 2, 3, 4, 5};
  const std::vector<float> ones(4, 1.f);
  std::vector<float> frames(12);
  kernels::cpu::frame_signal(frames.data(), x.data(), 1, 5, 3, 4, 2, ones.data(), true, false);
  EXPECT_EQ(frames, (std::vector<float>{0, 0, 1, 2, 1, 2, 3, 4, 3, 4, 5, 0}));
  kernels::cpu::frame_signal(frames.data(), x.data(), 1, 5, 3, 4, 2, ones.data(), true, true);
  EXPECT_EQ(frames, (std::vector<float>{3, 2, 1, 2, 1, 2, 3, 4, 3, 4, 5, 4}));
  // A pad longer than the signal reflects again (numpy: pad([1,2,3], 4, 'reflect')).
  std::vector<float> f2(8);
  const std::vector<float> y = {1, 2, 3};
  const std::vector<float> ones8(8, 1.f);
  kernels::cpu::frame_signal(f2.data(), y.data(), 1, 3, 1, 8, 1, ones8.data(), true, true);
  EXPECT_EQ(f2, (std::vector<float>{1, 2, 3, 2, 1, 2, 3, 2}));
}

TEST(Features, WindowIsPeriodicAndCentred) {
  LogMelParams p;
  p.n_fft = 8;
  std::vector<float> w = features::analysis_window(p);
  EXPECT_FLOAT_EQ(w[0], 0.f);
  EXPECT_FLOAT_EQ(w[4], 1.f);  // periodic: the peak sits at n / 2
  EXPECT_NEAR(w[2], 0.5f, 1e-7);
  p.window = "hamming";
  p.win_length = 4;  // centred in 8 with two zeros either side
  w = features::analysis_window(p);
  EXPECT_EQ(w[0], 0.f);
  EXPECT_EQ(w[1], 0.f);
  EXPECT_NEAR(w[2], 0.08f, 1e-7);
  EXPECT_NEAR(w[4], 1.f, 1e-7);
  EXPECT_EQ(w[6], 0.f);
}

// A quiet clip batched with a loud one gives exactly what it gives alone: ref=max and the
// top_db floor are taken per clip.
TEST(Features, TopDbAndRefArePerClip) {
  const int64_t n = 22050;
  std::vector<float> loud = test::random_tensor({n}, 11).to_vector();
  std::vector<float> quiet = test::random_tensor({n}, 12, -1e-2f, 1e-2f).to_vector();
  for (int64_t i = 0; i < n / 2; ++i) quiet[size_t(i)] *= 1e-3f;  // 60 dB quieter first half
  std::vector<float> both = loud;
  both.insert(both.end(), quiet.begin(), quiet.end());
  LogMelParams p;
  p.top_db = 40;
  LogMelExtractor ex(p, Device::cpu());
  const std::vector<float> batched = ex(Tensor::from_vector(both, {2, n})).to_vector();
  const std::vector<float> q_alone = ex(Tensor::from_vector(quiet, {1, n})).to_vector();
  const std::vector<float> l_alone = ex(Tensor::from_vector(loud, {1, n})).to_vector();
  const size_t per = q_alone.size();
  EXPECT_EQ(std::vector<float>(batched.begin(), batched.begin() + long(per)), l_alone);
  EXPECT_EQ(std::vector<float>(batched.begin() + long(per), batched.end()), q_alone);
  const auto [lo, hi] = std::minmax_element(q_alone.begin(), q_alone.end());
  EXPECT_FLOAT_EQ(*hi, 0.f);    // the quiet clip's own max is its reference
  EXPECT_FLOAT_EQ(*lo, -40.f);  // and its floor is its own max - top_db (the quiet half hits it)
}

// The CPU dB conversion (a vectorised log) against double-precision log10 over the whole range
// a spectrogram spans, including values under amin and the top_db floor.
TEST(Features, PowerToDbMatchesDoubleLog10) {
  std::vector<float> v;
  for (double e = -12; e <= 8; e += 0.0137) v.push_back(float(std::pow(10.0, e)));
  v.push_back(0.f);
  const int64_t n = int64_t(v.size());
  for (const char* ref : {"max", "one"}) {
    LogMelParams p;
    p.ref = ref;
    p.top_db = 150;
    Tensor t = Tensor::from_vector(v, {1, n});
    features::power_to_db_(t, p);
    const std::vector<float> got = t.to_vector();
    const double peak = *std::max_element(v.begin(), v.end());
    const double ref_db = p.ref == "max" ? 10 * std::log10(peak) : 0.0;
    double worst = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      const double want = std::max(10 * std::log10(std::max(1e-10, double(v[i]))) - ref_db,
                                   10 * std::log10(peak) - ref_db - 150);
      worst = std::max(worst, std::abs(got[i] - want));
    }
    EXPECT_LE(worst, 2e-5) << "ref " << ref;
  }
}

TEST(Features, ValidationNamesTheField) {
  auto expect_bad = [](auto mutate, const char* field) {
    LogMelParams p;
    mutate(p);
    try {
      p.validate();
      ADD_FAILURE() << "no error for a bad " << field;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  };
  expect_bad([](LogMelParams& p) { p.n_fft = 8; }, "n_fft");
  expect_bad([](LogMelParams& p) { p.n_fft = 1 << 15; }, "n_fft");
  expect_bad([](LogMelParams& p) { p.hop_length = 0; }, "hop_length");
  expect_bad([](LogMelParams& p) { p.win_length = 4096; }, "win_length");
  expect_bad([](LogMelParams& p) { p.window = "blackman"; }, "window");
  expect_bad([](LogMelParams& p) { p.pad_mode = "edge"; }, "pad_mode");
  expect_bad([](LogMelParams& p) { p.n_mels = 0; }, "n_mels");
  expect_bad([](LogMelParams& p) { p.fmin = -1; }, "fmin");
  expect_bad([](LogMelParams& p) { p.fmax = 20000; }, "fmax");
  expect_bad([](LogMelParams& p) { p.fmin = 500, p.fmax = 400; }, "fmax");
  expect_bad([](LogMelParams& p) { p.mel_scale = "mel"; }, "mel_scale");
  expect_bad([](LogMelParams& p) { p.mel_norm = "l2"; }, "mel_norm");
  expect_bad([](LogMelParams& p) { p.power = 0; }, "power");
  expect_bad([](LogMelParams& p) { p.amin = 0; }, "amin");
  expect_bad([](LogMelParams& p) { p.ref = "mean"; }, "ref");
  expect_bad([](LogMelParams& p) { p.sample_rate = 0; }, "sample_rate");
  LogMelParams ok;
  EXPECT_NO_THROW(ok.validate());
  // The extractor validates, and rejects audio of the wrong rank or device.
  LogMelParams bad;
  bad.n_mels = -3;
  EXPECT_THROW(LogMelExtractor(bad, Device::cpu()), Error);
  LogMelExtractor ex(ok, Device::cpu());
  EXPECT_THROW(ex(Tensor::zeros({4096})), Error);
  if (!cuda_available()) {
    EXPECT_THROW(LogMelExtractor(ok, Device::cuda(0)), Error);
  }
}

TEST(Features, ParamsFromConfig) {
  config::FeatureConfig f;
  f.n_fft = 1024;
  f.hop_length = 256;
  f.pad_mode = "reflect";
  f.mel_scale = "htk";
  f.mel_norm = "none";
  f.top_db = 0;
  const LogMelParams p = features::log_mel_params_from(f, 16000);
  EXPECT_EQ(p.sample_rate, 16000);
  EXPECT_EQ(p.n_fft, 1024);
  EXPECT_EQ(p.hop_length, 256);
  EXPECT_EQ(p.pad_mode, "reflect");
  EXPECT_EQ(p.mel_scale, "htk");
  EXPECT_EQ(p.mel_norm, "none");
  EXPECT_EQ(p.top_db, 0);
  f.window = "kaiser";
  EXPECT_THROW(features::log_mel_params_from(f, 16000), Error);
}

}  // namespace
}  // namespace mgr
