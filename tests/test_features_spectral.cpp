// Spectral descriptors, zcr and RMS (CPU twin) against librosa 0.11 golden files
// (tests/data/librosa/spectral/make_golden.py), and flux, mean/variance and the low-energy
// fraction against direct formulas. The tolerances are those docs/features.md reports.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "framework/features/spectral.h"
#include "tests/golden.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

const test::GoldenSet kGolden("spectral");

// Golden array `name` as a tensor of `shape` (defaults to the stored shape).
Tensor load(const std::string& name, Shape shape = {}) {
  const test::Golden g = kGolden.load(name);
  if (shape.empty()) shape = g.shape;
  EXPECT_EQ(shape_numel(shape), shape_numel(g.shape)) << name;
  return g.tensor(shape);
}

// Largest |a - b| / (|b| + floor); sizes must match.
double max_err(const Tensor& a, const Tensor& b, double floor) {
  const std::vector<float> x = a.to_vector(), y = b.to_vector();
  EXPECT_EQ(x.size(), y.size());
  double worst = 0;
  for (size_t i = 0; i < std::min(x.size(), y.size()); ++i) {
    const double e = std::abs(double(x[i]) - y[i]) / (std::abs(double(y[i])) + floor);
    worst = std::isnan(e) ? INFINITY : std::max(worst, e);
  }
  return worst;
}

Tensor row(const Tensor& t) { return t.reshape({-1}); }

TEST(SpectralLibrosa, DescriptorsMatchLibrosa) {
  const int sr = kGolden.manifest().at("sample_rate");
  int checked = 0;
  for (const auto& [name, a] : kGolden.manifest().at("arrays").items()) {
    if (a.at("kind") != "magnitude") continue;
    SCOPED_TRACE(name);
    const std::string base = name.substr(4);  // strip "mag_"
    const int bins = int(a.at("shape")[0]);
    const int64_t frames = a.at("shape")[1];
    const int n_fft = a.at("n_fft");
    Tensor mag = load(name, {1, bins, frames});

    // Frequencies: a relative error with a floor of 1e-6 Hz (bins are ~10-20 Hz apart).
    const double ce =
        max_err(row(features::spectral_centroid(mag, sr, n_fft)), load("centroid_" + base), 1e-6);
    const double be =
        max_err(row(features::spectral_bandwidth(mag, sr, n_fft, a.at("p").get<double>())),
                load("bandwidth_" + base), 1e-6);
    const double fe =
        max_err(row(features::spectral_flatness(mag, 1e-10, a.at("power").get<double>())),
                load("flatness_" + base), 0);
    EXPECT_LE(ce, 1e-6);
    EXPECT_LE(be, 1e-6);
    EXPECT_LE(fe, 1e-5);
    // Rolloff is a bin frequency: the same bin, the same float.
    const Tensor ro = features::spectral_rolloff(mag, sr, n_fft, a.at("roll_percent"));
    EXPECT_EQ(ro.to_vector(), load("rolloff_" + base).to_vector());
    std::printf("[ librosa  ] %-28s centroid %.1e bandwidth %.1e flatness %.1e (max rel)\n",
                base.c_str(), ce, be, fe);
    ++checked;
  }
  EXPECT_EQ(checked, 6);
}

// Hand-made frames: all zero, subnormal only (below librosa's float32 normalisation threshold:
// left unnormalised), one bin, constant, random, zero after loud.
TEST(SpectralLibrosa, EdgeFramesMatchLibrosa) {
  const int sr = kGolden.manifest().at("sample_rate");
  Tensor mag = load("mag_edge", {1, 513, 6});
  const std::vector<float> c = features::spectral_centroid(mag, sr, 1024).to_vector();
  const std::vector<float> b = features::spectral_bandwidth(mag, sr, 1024).to_vector();
  const std::vector<float> r = features::spectral_rolloff(mag, sr, 1024).to_vector();
  const std::vector<float> f = features::spectral_flatness(mag).to_vector();
  const std::vector<float> lc = load("centroid_edge").to_vector();
  const std::vector<float> lb = load("bandwidth_edge").to_vector();
  const std::vector<float> lf = load("flatness_edge").to_vector();
  for (int t : {0, 5}) {  // silence: what librosa gives
    EXPECT_EQ(c[t], 0.f);
    EXPECT_EQ(b[t], 0.f);
    EXPECT_EQ(r[t], 0.f);
    EXPECT_NEAR(f[t], 1.f, 1e-6f);
  }
  for (int t = 0; t < 6; ++t) {
    SCOPED_TRACE("frame " + std::to_string(t));
    EXPECT_NEAR(c[t], lc[t], 1e-6 * std::abs(lc[t]) + 1e-6);
    EXPECT_NEAR(b[t], lb[t], 1e-6 * std::abs(lb[t]) + 1e-6);
    EXPECT_NEAR(f[t], lf[t], 1e-5 * std::abs(lf[t]));
  }
  EXPECT_EQ(r, load("rolloff_edge").to_vector());
  // The subnormal frame is unnormalised (~1e-36 Hz) in librosa: relative check at that scale.
  EXPECT_NEAR(c[1], lc[1], 1e-5 * lc[1]);
  EXPECT_NEAR(b[1], lb[1], 1e-5 * lb[1]);
}

TEST(SpectralLibrosa, ZcrAndRmsMatchLibrosa) {
  int checked = 0;
  double worst_rms = 0;
  for (const auto& [name, a] : kGolden.manifest().at("arrays").items()) {
    if (a.at("kind") != "zcr") continue;
    SCOPED_TRACE(name);
    const std::string base = name.substr(4);
    const int fl = a.at("frame_length"), hop = a.at("hop_length");
    const bool center = a.at("center");
    Tensor audio = load(a.at("signal"));
    audio = audio.reshape({1, audio.numel()});
    const Tensor z = features::zero_crossing_rate(audio, fl, hop, center);
    EXPECT_EQ(row(z).to_vector(), load(name).to_vector());  // counts / frame_length: exact
    const Tensor r = features::rms(audio, fl, hop, center, a.at("pad_mode"));
    const double re = max_err(row(r), load("rms_" + base), 1e-9);
    EXPECT_LE(re, 1e-5);
    worst_rms = std::max(worst_rms, re);
    ++checked;
  }
  std::printf("[ librosa  ] zcr exact on %d cases, rms max rel %.1e\n", checked, worst_rms);
  EXPECT_EQ(checked, 10);
}

// Clips in one batch give the same bits as each clip alone (rows are independent).
TEST(Spectral, BatchedClipsMatchSingleClips) {
  Tensor a = load("mag_2048_center_chirp_tones", {1, 1025, 47});
  Tensor b = load("mag_2048_center_gaps", {1, 1025, 36});
  std::vector<float> v = a.to_vector();
  std::vector<float> w = b.to_vector();
  // Batch [a', b'] of the first 36 frames of each.
  std::vector<float> batch;
  for (const auto* src : {&v, &w}) {
    const int64_t t_src = src == &v ? 47 : 36;
    for (int k = 0; k < 1025; ++k)
      for (int t = 0; t < 36; ++t) batch.push_back((*src)[size_t(k * t_src + t)]);
  }
  Tensor both = Tensor::from_vector(batch, {2, 1025, 36});
  Tensor second = Tensor::from_vector(std::vector<float>(batch.begin() + 1025 * 36, batch.end()),
                                      {1, 1025, 36});
  auto tail = [](const Tensor& t) {
    std::vector<float> x = t.to_vector();
    return std::vector<float>(x.begin() + x.size() / 2, x.end());
  };
  EXPECT_EQ(tail(features::spectral_centroid(both, 22050, 2048)),
            features::spectral_centroid(second, 22050, 2048).to_vector());
  EXPECT_EQ(tail(features::spectral_rolloff(both, 22050, 2048)),
            features::spectral_rolloff(second, 22050, 2048).to_vector());
  EXPECT_EQ(tail(features::spectral_flux(both)), features::spectral_flux(second).to_vector());

  Tensor y = load("audio_gaps");
  std::vector<float> yy = y.to_vector();
  std::vector<float> two(yy);
  for (float s : yy) two.push_back(-0.5f * s);
  Tensor pair = Tensor::from_vector(two, {2, y.numel()});
  Tensor neg =
      Tensor::from_vector(std::vector<float>(two.begin() + y.numel(), two.end()), {1, y.numel()});
  EXPECT_EQ(tail(features::rms(pair)), features::rms(neg).to_vector());
  EXPECT_EQ(tail(features::zero_crossing_rate(pair)),
            features::zero_crossing_rate(neg).to_vector());
}

TEST(Spectral, FluxMatchesDirectFormula) {
  const int64_t B = 2, K = 65, T = 9;
  Tensor mag = test::random_tensor({B, K, T}, 11, 0.f, 2.f);
  std::vector<float> m = mag.to_vector();
  for (int k = 0; k < K; ++k) m[size_t(k * T + 4)] = 0.f;  // a silent frame in clip 0
  mag = Tensor::from_vector(m, {B, K, T});
  const std::vector<float> flux = features::spectral_flux(mag).to_vector();
  ASSERT_EQ(features::spectral_flux(mag).shape(), (Shape{B, 1, T}));
  for (int64_t b = 0; b < B; ++b) {
    EXPECT_EQ(flux[size_t(b * T)], 0.f);
    for (int64_t t = 1; t < T; ++t) {
      double acc = 0;
      for (int64_t k = 0; k < K; ++k) {
        const double d =
            double(m[size_t((b * K + k) * T + t)]) - m[size_t((b * K + k) * T + t - 1)];
        acc += d > 0 ? d * d : 0;
      }
      EXPECT_NEAR(flux[size_t(b * T + t)], std::sqrt(acc), 1e-6 * std::sqrt(acc));
    }
  }
  EXPECT_EQ(flux[4], 0.f);  // into silence: nothing rises
}

TEST(Spectral, MeanVarOverTimeMatchesDirectFormula) {
  const int64_t B = 3, D = 4, T = 301;  // T > 256: lanes hold more than one entry
  Tensor x = test::random_tensor({B, D, T}, 12, -3.f, 5.f);
  const std::vector<float> v = x.to_vector();
  const Tensor mv = features::mean_var_over_time(x);
  ASSERT_EQ(mv.shape(), (Shape{B, 2 * D}));
  const std::vector<float> o = mv.to_vector();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t d = 0; d < D; ++d) {
      double s = 0;
      for (int64_t t = 0; t < T; ++t) s += v[size_t((b * D + d) * T + t)];
      const double mean = s / T;
      double q = 0;
      for (int64_t t = 0; t < T; ++t) q += std::pow(v[size_t((b * D + d) * T + t)] - mean, 2);
      EXPECT_NEAR(o[size_t(b * 2 * D + d)], mean, 1e-6 * std::abs(mean) + 1e-7);
      EXPECT_NEAR(o[size_t(b * 2 * D + D + d)], q / T, 1e-6 * q / T);
    }
  Tensor c = Tensor::full({1, 2, 7}, 0.3f);
  EXPECT_EQ(features::mean_var_over_time(c).to_vector(), (std::vector<float>{0.3f, 0.3f, 0, 0}));
}

TEST(Spectral, LowEnergyFractionMatchesDirectFormula) {
  Tensor hand = Tensor::from_vector(
      std::vector<float>{1, 2, 3, 4, 10, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f}, {2, 1, 5});
  // Row 0: mean 4, three frames below; row 1: constant, none strictly below.
  EXPECT_EQ(features::low_energy_fraction(hand).to_vector(), (std::vector<float>{0.6f, 0.f}));
  const int64_t B = 3, T = 517;
  Tensor r = test::random_tensor({B, 1, T}, 13, 0.f, 1.f);
  const std::vector<float> v = r.to_vector();
  const std::vector<float> f = features::low_energy_fraction(r).to_vector();
  ASSERT_EQ(features::low_energy_fraction(r).shape(), (Shape{B, 1}));
  for (int64_t b = 0; b < B; ++b) {
    double s = 0;
    for (int64_t t = 0; t < T; ++t) s += v[size_t(b * T + t)];
    int below = 0;
    for (int64_t t = 0; t < T; ++t) below += v[size_t(b * T + t)] < s / T;
    EXPECT_FLOAT_EQ(f[size_t(b)], float(below) / T);
  }
}

TEST(Spectral, LowEnergyFractionAgainstFirstFrames) {
  // Paper 000's variant: the reference is the mean of the first n frames only.
  Tensor hand = Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 10, 0.5f}, {1, 1, 6});
  // First 2 frames: mean 1.5; below it: 1 and 0.5 -> 2 of 6.
  EXPECT_FLOAT_EQ(features::low_energy_fraction(hand, 2).to_vector()[0], 2.f / 6);
  // First frame: mean 1; below it: 0.5 only.
  EXPECT_FLOAT_EQ(features::low_energy_fraction(hand, 1).to_vector()[0], 1.f / 6);
  // n >= T and n = 0 both mean the whole clip (mean 3.416..: 1, 2, 3, 0.5 below).
  EXPECT_EQ(features::low_energy_fraction(hand, 6).to_vector(),
            features::low_energy_fraction(hand, 0).to_vector());
  EXPECT_EQ(features::low_energy_fraction(hand, 100).to_vector(),
            features::low_energy_fraction(hand).to_vector());
  EXPECT_FLOAT_EQ(features::low_energy_fraction(hand).to_vector()[0], 4.f / 6);
  EXPECT_THROW(features::low_energy_fraction(hand, -1), Error);
  const int64_t B = 2, T = 300, n = 100;
  Tensor r = test::random_tensor({B, 1, T}, 17, 0.f, 1.f);
  const std::vector<float> v = r.to_vector();
  const std::vector<float> f = features::low_energy_fraction(r, n).to_vector();
  for (int64_t b = 0; b < B; ++b) {
    double s = 0;
    for (int64_t t = 0; t < n; ++t) s += v[size_t(b * T + t)];
    int below = 0;
    for (int64_t t = 0; t < T; ++t) below += v[size_t(b * T + t)] < s / n;
    EXPECT_FLOAT_EQ(f[size_t(b)], float(below) / T);
  }
}

TEST(Spectral, RejectsBadArguments) {
  Tensor mag = Tensor::zeros({1, 513, 4});
  EXPECT_THROW(features::spectral_centroid(mag, 22050, 2048), Error);  // needs 1025 bins
  EXPECT_THROW(features::spectral_centroid(mag, 0, 1024), Error);
  EXPECT_THROW(features::spectral_centroid(Tensor::zeros({513, 4}), 22050, 1024), Error);
  EXPECT_THROW(features::spectral_rolloff(mag, 22050, 1024, 1.0), Error);
  EXPECT_THROW(features::spectral_rolloff(mag, 22050, 1024, 0.0), Error);
  EXPECT_THROW(features::spectral_bandwidth(mag, 22050, 1024, 0.0), Error);
  EXPECT_THROW(features::spectral_flatness(mag, 0.0), Error);
  EXPECT_THROW(features::spectral_flatness(mag, 1e-10, -1.0), Error);
  Tensor neg = Tensor::zeros({1, 513, 4});
  neg.f32()[7] = -1.f;
  EXPECT_THROW(features::spectral_flatness(neg), Error);
  EXPECT_NO_THROW(features::spectral_flux(mag));
  Tensor audio = Tensor::zeros({2, 1000});
  EXPECT_THROW(features::rms(audio, 2048, 512, false), Error);  // shorter than a frame
  EXPECT_NO_THROW(features::rms(audio, 2048, 512, true));
  EXPECT_THROW(features::rms(audio, 2048, 512, true, "wrap"), Error);
  EXPECT_THROW(features::zero_crossing_rate(audio, 2048, 0), Error);
  EXPECT_THROW(features::zero_crossing_rate(Tensor::zeros({1000}), 2048, 512), Error);
  EXPECT_THROW(features::mean_var_over_time(Tensor::zeros({2, 3})), Error);
  EXPECT_THROW(features::low_energy_fraction(Tensor::zeros({2, 2, 5})), Error);
  // Shapes: frames as librosa counts them.
  EXPECT_EQ(features::rms(audio, 2048, 512, true).shape(), (Shape{2, 1, 1 + 1000 / 512}));
  EXPECT_EQ(features::zero_crossing_rate(Tensor::zeros({1, 4096}), 1024, 300, false).shape(),
            (Shape{1, 1, 1 + (4096 - 1024) / 300}));
}

}  // namespace
}  // namespace mgr
