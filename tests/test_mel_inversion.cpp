// Mel inversion on the CPU (framework/features/mel_inversion.h): each piece against a direct
// computation (pseudo-inverse, one refinement step, ISTFT of an STFT, numpy's random phases),
// then against librosa's goldens (tests/data/librosa/mel_inversion/make_golden.py): Griffin-Lim
// from the same random start as librosa, mel_to_stft and the whole mel_to_audio by spectral
// convergence. Tolerances are docs/features.md's figures ("Audio from mel spectrograms").
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "framework/features/mel_inversion.h"
#include "framework/features/mel_inversion_setup.h"
#include "framework/features/stft.h"
#include "kernels/cpu/griffin_lim.h"
#include "kernels/cpu/mel_inversion.h"
#include "tests/golden.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

using features::MelInversionParams;
using features::MelInverter;
using test::as_batch;
using test::Golden;
using test::json;

const test::GoldenSet kGolden("mel_inversion");

// The case's LogMelParams from the manifest (fields it does not name keep the defaults).
features::LogMelParams case_params(const std::string& c) {
  return test::mel_params<features::LogMelParams>(kGolden.manifest().at("cases").at(c).at("params"),
                                                  22050);
}

double figure(const std::string& c, const std::string& name) {
  return kGolden.manifest().at("cases").at(c).at("figures").at(name).get<double>();
}

Tensor magnitude_of(const Tensor& audio, const features::LogMelParams& m) {
  return features::StftExtractor(features::StftParams::of_framing(m), audio.device())(
      audio, features::StftOutput::Magnitude);
}

double rel_l2(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double num = 0, den = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    num += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    den += double(b[i]) * b[i];
  }
  return std::sqrt(num / den);
}

// ---- pieces against direct computations
// ----------------------------------------------------------

TEST(MelInversionSetup, PseudoInverseIsMoorePenroseAndMatchesNumpy) {
  const features::LogMelParams p = case_params("small");
  const int bins = p.bins(), n_mels = p.n_mels;
  const std::vector<float> a = features::mel_filterbank(p);
  const features::MelBasisInverse inv = features::mel_basis_inverse(a, n_mels, bins);
  // numpy.linalg.pinv (float32 SVD) of the same filterbank.
  const Golden ref = kGolden.load("small_pinv_t");
  const double d = rel_l2(inv.pinv_t, ref.data);
  std::printf("[ figures  ] pinv(A)^T against numpy: relative distance %.3g\n", d);
  EXPECT_LE(d, 1e-6);
  // A pinv(A) = I for a filterbank of full row rank (no empty filters here), in double.
  double worst = 0;
  for (int i = 0; i < n_mels; ++i)
    for (int j = 0; j < n_mels; ++j) {
      double s = 0;
      for (int k = 0; k < bins; ++k)
        s += double(a[size_t(i) * bins + k]) * inv.pinv_t[size_t(j) * bins + k];
      worst = std::max(worst, std::abs(s - (i == j ? 1.0 : 0.0)));
    }
  std::printf("[ figures  ] max |A pinv(A) - I| = %.3g\n", worst);
  EXPECT_LE(worst, 1e-6);
  // The Lipschitz constant is the largest eigenvalue of A A^T: power iteration in double.
  std::vector<double> v(static_cast<size_t>(n_mels), 1.0);
  std::vector<double> w(static_cast<size_t>(n_mels));
  double lambda = 0;
  for (int it = 0; it < 500; ++it) {
    std::vector<double> atv(size_t(bins), 0.0);
    for (int m = 0; m < n_mels; ++m)
      for (int k = 0; k < bins; ++k) atv[size_t(k)] += a[size_t(m) * bins + k] * v[size_t(m)];
    double norm = 0;
    for (int m = 0; m < n_mels; ++m) {
      double s = 0;
      for (int k = 0; k < bins; ++k) s += a[size_t(m) * bins + k] * atv[size_t(k)];
      w[size_t(m)] = s;
      norm += s * s;
    }
    norm = std::sqrt(norm);
    double vn = 0;
    for (int m = 0; m < n_mels; ++m) vn += v[size_t(m)] * v[size_t(m)];
    lambda = norm / std::sqrt(vn);
    for (int m = 0; m < n_mels; ++m) v[size_t(m)] = w[size_t(m)] / norm;
  }
  EXPECT_NEAR(inv.lipschitz, lambda, 1e-6 * lambda);
  // The transpose by bin holds every nonzero weight once, at most two per bin (triangles).
  int nonzero = 0;
  for (float x : a) nonzero += x != 0.f;
  int listed = 0;
  for (int k = 0; k < bins; ++k) {
    EXPECT_LE(inv.count[size_t(k)], 2);
    for (int j = 0; j < inv.count[size_t(k)]; ++j) {
      const int f = inv.first[size_t(k)] + j;
      EXPECT_EQ(inv.weights[size_t(f)], a[size_t(inv.mel[size_t(f)]) * bins + k]);
      ++listed;
    }
  }
  EXPECT_EQ(listed, nonzero);
}

TEST(MelInversionSetup, EmptyFiltersAreDroppedFromThePseudoInverse) {
  // n_fft 512 with 128 bands leaves the lowest filters without a bin (librosa warns): A A^T is
  // singular, and pinv must still satisfy A pinv(A) A = A.
  features::LogMelParams p;
  p.n_fft = 512;
  const int bins = p.bins();
  const std::vector<float> a = features::mel_filterbank(p);
  const features::MelBasisInverse inv = features::mel_basis_inverse(a, p.n_mels, bins);
  for (float x : inv.pinv_t) ASSERT_TRUE(std::isfinite(x));
  // (A pinv(A)) A = A, with A pinv(A) = A (pinv_t)^T.
  std::vector<double> ap(size_t(p.n_mels) * p.n_mels, 0.0);
  for (int i = 0; i < p.n_mels; ++i)
    for (int j = 0; j < p.n_mels; ++j)
      for (int k = 0; k < bins; ++k)
        ap[size_t(i) * p.n_mels + j] +=
            double(a[size_t(i) * bins + k]) * inv.pinv_t[size_t(j) * bins + k];
  double worst = 0, amax = 0;
  for (int i = 0; i < p.n_mels; ++i)
    for (int k = 0; k < bins; ++k) {
      double s = 0;
      for (int j = 0; j < p.n_mels; ++j)
        s += ap[size_t(i) * p.n_mels + j] * a[size_t(j) * bins + k];
      worst = std::max(worst, std::abs(s - a[size_t(i) * bins + k]));
      amax = std::max(amax, std::abs(double(a[size_t(i) * bins + k])));
    }
  EXPECT_LE(worst, 1e-4 * amax);
}

TEST(MelInversionSetup, RandomPhasesAreNumpysRandomState) {
  // numpy.random.RandomState(42).random(3) = [0.3745401188473625, 0.9507143064099162,
  // 0.7319939418114051], drawn in (clip, bin, frame) order and stored frame-major.
  const std::vector<float> cs = features::random_phases(42, 1, 3, 1);
  const double u[3] = {0.3745401188473625, 0.9507143064099162, 0.7319939418114051};
  for (int k = 0; k < 3; ++k) {
    EXPECT_FLOAT_EQ(cs[size_t(2 * k)], float(std::cos(2 * std::numbers::pi * u[k])));
    EXPECT_FLOAT_EQ(cs[size_t(2 * k + 1)], float(std::sin(2 * std::numbers::pi * u[k])));
  }
  // Shape (1 clip, 2 bins, 3 frames): draw order k0t0 k0t1 k0t2 k1t0 ..., stored [t][k].
  const std::vector<float> cs2 = features::random_phases(42, 1, 2, 3);
  const std::vector<float> flat = features::random_phases(42, 1, 6, 1);  // the same 6 draws
  for (int k = 0; k < 2; ++k)
    for (int t = 0; t < 3; ++t) {
      EXPECT_EQ(cs2[size_t(2 * (t * 2 + k))], flat[size_t(2 * (k * 3 + t))]);
      EXPECT_EQ(cs2[size_t(2 * (t * 2 + k) + 1)], flat[size_t(2 * (k * 3 + t) + 1)]);
    }
}

TEST(MelInversionSetup, FistaBetasAndWindowSum) {
  const std::vector<float> b = features::fista_betas(3);
  // t: 1, (1 + sqrt 5) / 2, ...; beta_0 = 0.
  const double t1 = (1 + std::sqrt(5.0)) / 2, t2 = (1 + std::sqrt(1 + 4 * t1 * t1)) / 2;
  const double t3 = (1 + std::sqrt(1 + 4 * t2 * t2)) / 2;
  EXPECT_EQ(b[0], 0.f);
  EXPECT_FLOAT_EQ(b[1], float((t1 - 1) / t2));
  EXPECT_FLOAT_EQ(b[2], float((t2 - 1) / t3));
  // A periodic Hann window at hop n_fft / 4 sums to 1.5 in the interior.
  features::LogMelParams p;
  p.n_fft = 64;
  p.hop_length = 16;
  const std::vector<float> wss = features::window_sumsquare(features::analysis_window(p), 10, 16);
  ASSERT_EQ(wss.size(), size_t(64 + 16 * 9));
  for (size_t i = 64; i < wss.size() - 64; ++i) EXPECT_NEAR(wss[i], 1.5f, 1e-6f) << i;
  EXPECT_EQ(wss[0], 0.f);
}

TEST(MelInversionCpu, IstftInvertsTheStft) {
  // A random signal's complex STFT through kernels::cpu::istft gives the signal back: librosa's
  // perfect reconstruction (window sum normalisation, centre trimming), for both paddings.
  for (const bool center : {true, false}) {
    SCOPED_TRACE(center);
    features::LogMelParams p;
    p.n_fft = 256;
    p.hop_length = 64;
    p.win_length = 200;
    p.center = center;
    const int n = 3000;
    const int frames = p.num_frames(n);
    const int bins = p.bins();
    const std::vector<float> y = test::random_tensor({1, n}, 5).to_vector();
    const std::vector<float> window = features::analysis_window(p);
    kernels::cpu::RealFft fft(p.n_fft);
    kernels::cpu::RealIfft ifft(p.n_fft);
    float* frames_buf = kernels::cpu::RealFft::alloc(int64_t(frames) * p.n_fft);
    float* spec = kernels::cpu::RealFft::alloc(int64_t(frames) * 2 * bins);
    kernels::cpu::frame_signal(frames_buf, y.data(), 1, n, frames, p.n_fft, p.hop_length,
                               window.data(), center, false);
    fft.forward(frames_buf, spec, frames);
    kernels::cpu::IstftShape s{1, frames, p.n_fft, p.hop_length, center, false, 0};
    // The samples the frames cover: hop (frames - 1) (+ n_fft without centring).
    s.length = center ? int64_t(p.hop_length) * (frames - 1) : s.padded();
    const std::vector<float> wss = features::window_sumsquare(window, frames, p.hop_length);
    std::vector<float> out(size_t(s.length));
    kernels::cpu::istft(out.data(), spec, s, window.data(), wss.data(), ifft);
    // Where the window sum is (near) zero the frames hold no information: without centring the
    // edges of a window shorter than n_fft.
    double worst = 0;
    for (int64_t i = 0; i < std::min<int64_t>(s.length, n); ++i)
      if (wss[size_t(i + s.offset())] > 1e-3f)
        worst = std::max(worst, std::abs(double(out[size_t(i)]) - y[size_t(i)]));
    EXPECT_LE(worst, 2e-5);
    kernels::cpu::RealFft::free(frames_buf);
    kernels::cpu::RealFft::free(spec);
  }
}

TEST(MelInversionCpu, RefinementStartsAtThePseudoInverseAndStepsAsFista) {
  const features::LogMelParams m = case_params("small");
  const Golden mel = kGolden.load("small_mel");  // [40, T]
  const int n_mels = m.n_mels, bins = m.bins(), frames = int(mel.shape[1]);
  MelInversionParams p;
  p.mel = m;
  p.mel.power = 1.0;  // keep x itself (magnitude_of is the identity)
  const std::vector<float> a = features::mel_filterbank(m);
  for (const int iters : {0, 1, 2}) {
    SCOPED_TRACE(iters);
    p.nnls_iter = iters;
    MelInverter inv(p, Device::cpu());
    const std::vector<float> got = inv.mel_to_stft(as_batch(mel)).to_vector();  // [1, bins, T]
    // Direct: x0 = max(0, pinv(A) M) in double, then `iters` FISTA steps in double.
    const std::vector<float>& pt = inv.pseudo_inverse_t();
    const std::vector<float> beta = features::fista_betas(iters);
    const double inv_l = float(1.0 / inv.lipschitz());
    double worst = 0, scale = 0;
    for (int t = 0; t < frames; ++t) {
      std::vector<double> x(static_cast<size_t>(bins)), y(static_cast<size_t>(bins));
      std::vector<double> r(static_cast<size_t>(n_mels));
      for (int k = 0; k < bins; ++k) {
        double s = 0;
        for (int j = 0; j < n_mels; ++j)
          s += double(mel.data[size_t(j) * frames + t]) * pt[size_t(j) * bins + k];
        x[size_t(k)] = y[size_t(k)] = std::max(0.0, s);
      }
      for (int it = 0; it < iters; ++it) {
        for (int j = 0; j < n_mels; ++j) {
          double s = 0;
          for (int k = 0; k < bins; ++k) s += double(a[size_t(j) * bins + k]) * y[size_t(k)];
          r[size_t(j)] = s - mel.data[size_t(j) * frames + t];
        }
        for (int k = 0; k < bins; ++k) {
          double g = 0;
          for (int j = 0; j < n_mels; ++j) g += double(a[size_t(j) * bins + k]) * r[size_t(j)];
          const double xn = std::max(0.0, y[size_t(k)] - g * inv_l);
          y[size_t(k)] = xn + beta[size_t(it)] * (xn - x[size_t(k)]);
          x[size_t(k)] = xn;
        }
      }
      for (int k = 0; k < bins; ++k) {
        worst = std::max(worst, std::abs(double(got[size_t(k) * frames + t]) - x[size_t(k)]));
        scale = std::max(scale, std::abs(x[size_t(k)]));
      }
    }
    EXPECT_LE(worst, 1e-4 * scale);
  }
}

TEST(MelInversionCpu, RefinementReducesTheResidualAndStaysNonNegative) {
  const features::LogMelParams m = case_params("default");
  const Golden mel = kGolden.load("default_mel");
  MelInversionParams p;
  p.mel = m;
  p.mel.power = 1.0;  // the NNLS solution X itself
  double previous = INFINITY;
  for (const int iters : {0, 10, 100, 200}) {
    p.nnls_iter = iters;
    const Tensor x = MelInverter(p, Device::cpu()).mel_to_stft(as_batch(mel));
    for (float v : x.to_vector()) ASSERT_GE(v, 0.f);
    // ||A X - M|| / ||M|| through the forward projection of the X found.
    const std::vector<float> a = features::mel_filterbank(m);
    const std::vector<float> xv = x.to_vector();
    const int bins = m.bins(), frames = int(mel.shape[1]);
    std::vector<float> ax(mel.data.size());
    for (int j = 0; j < m.n_mels; ++j)
      for (int t = 0; t < frames; ++t) {
        double s = 0;
        for (int k = 0; k < bins; ++k)
          s += double(a[size_t(j) * bins + k]) * xv[size_t(k) * frames + t];
        ax[size_t(j) * frames + t] = float(s);
      }
    const double res = rel_l2(ax, mel.data);
    std::printf("[ figures  ] default case, nnls_iter %d: mel residual %.3g (librosa %.3g)\n",
                iters, res, figure("default", "mel_residual"));
    EXPECT_LT(res, previous);
    previous = res;
    if (iters == 200) {
      EXPECT_LE(res, figure("default", "mel_residual"));  // at least as small as librosa's
    }
  }
}

// ---- against librosa ---------------------------------------------------------------------------

// Griffin-Lim alone, from the true magnitude and the same start as librosa: random phases of
// RandomState(0) with momentum 0.99 and 0, and phase zero.
TEST(MelInversionLibrosa, GriffinLimFromTheSameStart) {
  for (const std::string c : {"default", "small"}) {
    const features::LogMelParams m = case_params(c);
    const Tensor y = as_batch(kGolden.load(c + "_audio"));
    const Tensor s = magnitude_of(y, m);
    for (const std::string run : {"gl_random", "gl_zeros", "gl_plain"}) {
      SCOPED_TRACE(c + " " + run);
      const Golden ref = kGolden.load(c + "_" + run);
      MelInversionParams p;
      p.mel = m;
      p.n_iter = ref.meta.at("n_iter");
      p.momentum = ref.meta.at("momentum");
      p.init = ref.meta.at("init");
      p.seed = ref.meta.value("seed", 0u);
      const Tensor x = MelInverter(p, Device::cpu()).griffin_lim(s);
      ASSERT_EQ(x.dim(1), int64_t(ref.data.size()));
      const double d = rel_l2(x.to_vector(), ref.data);
      const double sc = features::spectral_convergence(x, s, m)[0];
      const double lib = figure(c, run + "_sc");
      std::printf("[ figures  ] %s %s: audio distance to librosa %.3g, SC ours %.4f librosa %.4f\n",
                  c.c_str(), run.c_str(), d, sc, lib);
      EXPECT_LE(d, 2e-3);
      EXPECT_NEAR(sc, lib, 1e-3);
    }
  }
}

TEST(MelInversionLibrosa, MelToStftReachesASmallerResidual) {
  for (const std::string c : {"default", "small"}) {
    SCOPED_TRACE(c);
    const features::LogMelParams m = case_params(c);
    const Golden mel = kGolden.load(c + "_mel");
    const Golden lib = kGolden.load(c + "_mel_to_stft");
    MelInversionParams p;
    p.mel = m;
    const std::vector<float> x =
        MelInverter(p, Device::cpu()).mel_to_stft(as_batch(mel)).to_vector();
    // Residual of X^power through the filterbank, in double.
    const std::vector<float> a = features::mel_filterbank(m);
    const int bins = m.bins(), frames = int(mel.shape[1]);
    double num = 0, den = 0;
    for (int j = 0; j < m.n_mels; ++j)
      for (int t = 0; t < frames; ++t) {
        double s = 0;
        for (int k = 0; k < bins; ++k)
          s += double(a[size_t(j) * bins + k]) *
               std::pow(double(x[size_t(k) * frames + t]), m.power);
        const double d = s - mel.data[size_t(j) * frames + t];
        num += d * d;
        den += double(mel.data[size_t(j) * frames + t]) * mel.data[size_t(j) * frames + t];
      }
    const double res = std::sqrt(num / den);
    const double dist = rel_l2(x, lib.data);
    std::printf(
        "[ figures  ] %s mel_to_stft: mel residual %.3g (librosa %.3g), distance to "
        "librosa's magnitude %.3g\n",
        c.c_str(), res, figure(c, "mel_residual"), dist);
    EXPECT_LE(res, figure(c, "mel_residual"));
    // Both are non-negative solutions of an underdetermined system, started at the same point.
    EXPECT_LE(dist, 0.2);
  }
}

TEST(MelInversionLibrosa, MelToAudioBySpectralConvergence) {
  for (const std::string c : {"default", "small"}) {
    SCOPED_TRACE(c);
    const features::LogMelParams m = case_params(c);
    const Golden mel = kGolden.load(c + "_mel");
    const Tensor truth = magnitude_of(as_batch(kGolden.load(c + "_audio")), m);
    MelInversionParams p;
    p.mel = m;
    MelInverter inv(p, Device::cpu());
    const Tensor x = inv.mel_to_audio(as_batch(mel));
    const Tensor estimate = inv.mel_to_stft(as_batch(mel));
    const double sc_true = features::spectral_convergence(x, truth, m)[0];
    const double sc_est = features::spectral_convergence(x, estimate, m)[0];
    features::LogMelExtractor fwd(m, Device::cpu());
    const double mel_sc = features::relative_distance(fwd.mel_spectrogram(x), as_batch(mel))[0];
    std::printf(
        "[ figures  ] %s mel_to_audio: SC vs true %.4f (librosa %.4f), vs own estimate "
        "%.4f (librosa %.4f), mel SC %.4f (librosa %.4f)\n",
        c.c_str(), sc_true, figure(c, "m2a_sc_true"), sc_est, figure(c, "m2a_sc_estimate"), mel_sc,
        figure(c, "m2a_mel_sc"));
    EXPECT_LE(sc_true, figure(c, "m2a_sc_true") + 0.02);
    // Against each one's own magnitude estimate (different targets: ours fits the mel closer).
    EXPECT_LE(sc_est, figure(c, "m2a_sc_estimate") + 0.03);
    EXPECT_LE(mel_sc, figure(c, "m2a_mel_sc") + 0.02);
  }
}

// ---- API and errors
// ------------------------------------------------------------------------------

TEST(MelInversionApi, DbInputBatchAndLength) {
  const features::LogMelParams m = case_params("small");
  const Golden mel = kGolden.load("small_mel");  // magnitude mel (power 1)
  const int n_mels = m.n_mels, frames = int(mel.shape[1]);
  MelInversionParams p;
  p.mel = m;
  p.n_iter = 4;
  p.init = "zeros";
  // dB relative to db_ref: 10 log10(M / ref).
  p.db_ref = 0.5;
  std::vector<float> db(mel.data.size());
  for (size_t i = 0; i < db.size(); ++i)
    db[i] = float(10 * std::log10(std::max(1e-10f, mel.data[i]) / 0.5));
  MelInverter inv(p, Device::cpu());
  const Tensor power = inv.power_from_db(Tensor::from_vector(db, {1, n_mels, frames}));
  EXPECT_LE(rel_l2(power.to_vector(), mel.data), 1e-5);
  // One clip through the vector API = the tensor API.
  const std::vector<float> one = features::mel_to_audio(db.data(), n_mels, frames, p);
  const std::vector<float> direct = inv.mel_to_audio(power).to_vector();
  EXPECT_EQ(one.size(), size_t(p.output_length(frames)));
  EXPECT_LE(rel_l2(one, direct), 1e-6);
  // A batch of the clip and a quieter copy: each clip as alone (init zeros draws nothing).
  std::vector<float> two = db;
  for (float v : db) two.push_back(v - 20.f);
  const auto batch = features::mel_to_audio_batch(two.data(), 2, n_mels, frames, p);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_LE(rel_l2(batch[0], one), 1e-5);
  std::vector<float> quiet = one;
  for (float& v : quiet) v *= 0.01f;         // this mel is a magnitude (power 1): -20 dB is 1 / 100
  EXPECT_LE(rel_l2(batch[1], quiet), 1e-3);  // float dB -> power, amplified by 4 iterations
  // length: the clip's own sample count (11025 -> the same 87 frames) pads with the tail.
  p.length = kGolden.manifest().at("cases").at("small").at("samples");
  EXPECT_EQ(MelInverter(p, Device::cpu()).mel_to_audio(power).dim(1), p.length);
}

TEST(MelInversionApi, ClearErrors) {
  MelInversionParams p;
  p.momentum = -0.1;
  EXPECT_NE(test::error_of([&] { p.validate(); }).find("momentum"), std::string::npos);
  p = {};
  p.init = "noise";
  EXPECT_NE(test::error_of([&] { p.validate(); }).find("init = 'noise'"), std::string::npos);
  p = {};
  p.db_ref = 0;
  EXPECT_NE(test::error_of([&] { p.validate(); }).find("db_ref"), std::string::npos);
  p = {};
  p.mel.n_fft = 8;
  EXPECT_NE(test::error_of([&] { MelInverter(p, Device::cpu()); }).find("n_fft"),
            std::string::npos);
  p = {};
  p.length = 1000;  // 1000 samples at hop 512 give 2 frames, not 10
  EXPECT_NE(test::error_of([&] { (void)p.output_length(10); }).find("give 2 frames"),
            std::string::npos);
  p = {};
  MelInverter inv(p, Device::cpu());
  EXPECT_NE(test::error_of([&] {
              inv.mel_to_audio(Tensor::zeros({1, 64, 5}));
            }).find("64 rows"),
            std::string::npos);
  EXPECT_NE(test::error_of([&] {
              inv.mel_to_audio(Tensor::zeros({128, 5}));
            }).find("[B, 128, frames]"),
            std::string::npos);
  EXPECT_NE(test::error_of([&] {
              inv.griffin_lim(Tensor::zeros({1, 128, 5}));
            }).find("1025"),
            std::string::npos);
  EXPECT_NE(test::error_of([&] {
              inv.mel_to_audio(Tensor::zeros({1, 128, 0}));
            }).find("no frames"),
            std::string::npos);
  const std::vector<float> db(64 * 3, 0.f);
  EXPECT_NE(
      test::error_of([&] { features::mel_to_audio(db.data(), 64, 3, p); }).find("n_mels = 128"),
      std::string::npos);
#if !MGR_WITH_CUDA
  EXPECT_NE(test::error_of([&] { MelInverter(p, Device::cuda(0)); }).find("without CUDA"),
            std::string::npos);
#endif
  EXPECT_NE(test::error_of([&] {
              features::spectral_convergence(Tensor::zeros({1, 2048}), Tensor::zeros({1, 1025, 3}),
                                             p.mel);
            }).find("spectral_convergence"),
            std::string::npos);
}

TEST(MelInversionApi, SilenceGivesSilence) {
  MelInversionParams p;
  p.n_iter = 3;
  const Tensor x = MelInverter(p, Device::cpu()).mel_to_audio(Tensor::zeros({2, 128, 7}));
  for (float v : x.to_vector()) ASSERT_EQ(v, 0.f);
  EXPECT_EQ(x.dim(1), 512 * 6);
}

}  // namespace
}  // namespace mgr
