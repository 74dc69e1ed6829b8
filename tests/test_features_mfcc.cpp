// MFCC (orthonormal DCT-II of a dB mel spectrogram, lifter) and deltas (Savitzky-Golay with
// scipy's interp edges) on the CPU twin against librosa 0.11 golden files
// (tests/data/librosa/stft_mfcc/make_golden.py), including librosa's parameter errors.
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>

#include "framework/features/deltas.h"
#include "framework/features/mfcc.h"
#include "kernels/cpu/delta.h"
#include "tests/golden.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

using namespace test;  // Golden, as_batch, max_abs_error, ...

const test::GoldenSet kGolden("stft_mfcc");

TEST(FeaturesMfccLibrosa, MfccMatchesLibrosa) {
  int checked = 0;
  for (const auto& [name, a] : kGolden.manifest().at("arrays").items()) {
    if (a.at("kind") != "mfcc") continue;
    const Golden ref = kGolden.load(name);
    const Golden mel = kGolden.load(a.at("input"));
    features::MfccParams p;
    p.n_mfcc = a.at("n_mfcc");
    p.lifter = a.at("lifter");
    Tensor m = features::mfcc_from_db(as_batch(mel), p);
    ASSERT_EQ(m.shape(), (Shape{1, ref.shape[0], ref.shape[1]})) << name;
    // Relative to the largest coefficient (c0 of a dB spectrogram is in the hundreds).
    const double rel = max_abs_error(m.to_vector(), ref.data) / max_abs(ref.data);
    EXPECT_LE(rel, 1e-6) << name;
    std::printf("[ librosa  ] %-40s max abs err / max %.2e\n", name.c_str(), rel);
    ++checked;
  }
  EXPECT_EQ(checked, 6);
}

TEST(FeaturesMfcc, BatchAndValidation) {
  Tensor x = test::random_tensor({3, 40, 17}, 3, -80.f, 0.f);
  features::MfccParams p;
  p.n_mfcc = 13;
  p.lifter = 22;
  const std::vector<float> all = features::mfcc_from_db(x, p).to_vector();
  const std::vector<float> xv = x.to_vector();
  for (int b = 0; b < 3; ++b) {
    Tensor one = Tensor::from_vector(
        std::vector<float>(xv.begin() + b * 40 * 17, xv.begin() + (b + 1) * 40 * 17), {1, 40, 17});
    const std::vector<float> o = features::mfcc_from_db(one, p).to_vector();
    for (size_t i = 0; i < o.size(); ++i) EXPECT_NEAR(all[b * o.size() + i], o[i], 1e-5);
  }
  p.n_mfcc = 41;
  EXPECT_THROW(features::mfcc_from_db(x, p), Error);  // more coefficients than mel bands
  p.n_mfcc = 0;
  EXPECT_THROW(p.validate(), Error);
  p.n_mfcc = 20;
  p.lifter = -1;  // librosa: "MFCC lifter=-1 must be a non-negative number"
  EXPECT_THROW(p.validate(), Error);
}

// Orthonormality: D D^T = I for the full square DCT (scipy norm='ortho').
TEST(FeaturesMfcc, DctIsOrthonormal) {
  const int n = 24;
  Tensor eye = Tensor::zeros({1, n, n});
  for (int i = 0; i < n; ++i) eye.f32()[i * n + i] = 1.f;
  features::MfccParams p;
  p.n_mfcc = n;
  const std::vector<float> d = features::mfcc_from_db(eye, p).to_vector();  // = D
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      double dot = 0;
      for (int k = 0; k < n; ++k) dot += double(d[i * n + k]) * d[j * n + k];
      EXPECT_NEAR(dot, i == j ? 1.0 : 0.0, 1e-6);
    }
}

TEST(FeaturesDeltaLibrosa, DeltaMatchesLibrosa) {
  int checked = 0;
  for (const auto& [name, a] : kGolden.manifest().at("arrays").items()) {
    if (a.at("kind") != "delta") continue;
    const Golden ref = kGolden.load(name);
    const Golden in = kGolden.load(a.at("input"));
    Tensor d = features::delta(as_batch(in), a.at("width"), a.at("order"));
    ASSERT_EQ(d.shape(), (Shape{1, ref.shape[0], ref.shape[1]})) << name;
    const double rel = max_abs_error(d.to_vector(), ref.data) / max_abs(ref.data);
    EXPECT_LE(rel, 1e-7) << name;  // float32 output rounding
    std::printf("[ librosa  ] %-40s max abs err / max %.2e\n", name.c_str(), rel);
    ++checked;
  }
  EXPECT_EQ(checked, 12);
}

TEST(FeaturesDeltaLibrosa, ErrorsMatchLibrosa) {
  int checked = 0;
  for (const json& e : kGolden.manifest().at("delta_errors")) {
    const Golden in = kGolden.load(e.at("input"));
    const int width = e.at("width");
    const int order = e.at("order");
    try {
      features::delta(as_batch(in), width, order);
      ADD_FAILURE() << "accepted width " << width << " order " << order << " on " << in.shape[1]
                    << " frames; librosa: " << e.at("message");
    } catch (const Error& err) {
      // The first check librosa fails is the one we report.
      const std::string msg = err.what();
      const std::string lib = e.at("message");
      const char* key = lib.find("cannot exceed") != std::string::npos      ? "cannot exceed"
                        : lib.find("odd integer") != std::string::npos      ? "odd integer"
                        : lib.find("positive integer") != std::string::npos ? "positive integer"
                                                                            : "less than window";
      EXPECT_NE(msg.find(key), std::string::npos) << msg << " vs librosa: " << lib;
    }
    ++checked;
  }
  EXPECT_EQ(checked, 7);
}

// The weights reproduce polynomials: a degree-2 polynomial's first and second derivatives are
// exact at every position, edges included (what interp edges promise).
TEST(FeaturesDelta, ExactOnPolynomials) {
  const int T = 30;
  std::vector<float> x(T);
  for (int t = 0; t < T; ++t) x[size_t(t)] = float(0.5 * t * t - 3.0 * t + 2.0);
  for (int width : {3, 5, 9, 11}) {
    const auto d1 = features::delta(Tensor::from_vector(x, {1, 1, T}), width, 2).to_vector();
    for (int t = 0; t < T; ++t) EXPECT_NEAR(d1[size_t(t)], 1.0, 1e-5) << width << " " << t;
  }
  const auto w = kernels::cpu::savgol_position_weights(7, 3, 1);  // general polyorder > deriv
  for (int p = 0; p < 7; ++p) {
    double v = 0;
    for (int i = 0; i < 7; ++i) v += w[size_t(p * 7 + i)] * (double(i) * i * i);  // d/dt t^3
    EXPECT_NEAR(v, 3.0 * p * p, 1e-9) << p;
  }
}

TEST(FeaturesDelta, BatchRowsAreIndependent) {
  Tensor x = test::random_tensor({2, 3, 12}, 9);
  const auto all = features::delta(x, 5, 1).to_vector();
  const auto xv = x.to_vector();
  for (int r = 0; r < 6; ++r) {
    Tensor row = Tensor::from_vector(
        std::vector<float>(xv.begin() + r * 12, xv.begin() + (r + 1) * 12), {1, 1, 12});
    const auto o = features::delta(row, 5, 1).to_vector();
    for (int t = 0; t < 12; ++t) EXPECT_EQ(all[size_t(r * 12 + t)], o[size_t(t)]);
  }
}

}  // namespace
}  // namespace mgr
