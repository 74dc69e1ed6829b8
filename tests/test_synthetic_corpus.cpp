// The synthetic genre corpus: determinism, sane audio, the manifest's skip path, loading it as
// GTZAN, and a separability check that is neither trivial nor hopeless.
#include <fftw3.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "framework/data/dataset.h"
#include "framework/data/synthetic.h"
#include "kernels/error.h"
#include "tests/temp_dir.h"

namespace mgr::data {
namespace {

namespace fs = std::filesystem;

using test::TempDir;

SyntheticOptions small(double seconds, uint64_t seed = 1) {
  SyntheticOptions o;
  o.track_seconds = seconds;
  o.seed = seed;
  o.threads = 2;
  return o;
}

TEST(SyntheticCorpus, DeterministicBySeedGenreAndIndex) {
  const SyntheticOptions o = small(2.0);
  for (int g : {0, 4, 6}) {
    const auto a = synthesize_track(g, 0, o);
    const auto b = synthesize_track(g, 0, o);
    EXPECT_EQ(a, b) << "genre " << g;
    EXPECT_NE(a, synthesize_track(g, 1, o)) << "genre " << g;
    EXPECT_NE(a, synthesize_track(g, 0, small(2.0, 2))) << "genre " << g;
  }
  EXPECT_THROW(synthesize_track(10, 0, o), Error);
  EXPECT_THROW(synthesize_track(0, -1, o), Error);
}

TEST(SyntheticCorpus, EveryGenreGivesSaneAudio) {
  const SyntheticOptions o = small(3.0);
  for (int g = 0; g < 10; ++g) {
    for (int i = 0; i < 2; ++i) {
      const auto x = synthesize_track(g, i, o);
      ASSERT_EQ(x.size(), static_cast<size_t>(3 * 22050));
      float peak = 0;
      double energy = 0;
      for (float v : x) {
        ASSERT_TRUE(std::isfinite(v)) << gtzan_genres()[static_cast<size_t>(g)];
        peak = std::max(peak, std::abs(v));
        energy += static_cast<double>(v) * v;
      }
      EXPECT_LE(peak, 1.f);
      EXPECT_GT(peak, 0.2f);  // normalised between -12 and -0.5 dBFS
      EXPECT_GT(std::sqrt(energy / static_cast<double>(x.size())), 0.01)
          << "near-silent track, genre " << g;
    }
  }
}

TEST(SyntheticCorpus, ManifestSkipsCompleteCorpusAndRegeneratesOnChange) {
  TempDir dir("synth_manifest", /*create=*/false);
  SyntheticOptions o = small(1.0);
  o.root = dir.path.string();
  o.tracks_per_genre = 2;
  std::ostringstream log1;
  EXPECT_EQ(ensure_synthetic_corpus(o, log1), o.root);
  ASSERT_TRUE(fs::exists(dir.path / "corpus.json"));
  ASSERT_TRUE(fs::exists(dir.path / "metal" / "metal.00001.wav"));
  // Backdate every file; a second call must leave them all alone.
  const auto old = fs::file_time_type::clock::now() - std::chrono::hours(24);
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir.path)) {
    if (e.is_regular_file()) fs::last_write_time(e.path(), old), ++files;
  }
  EXPECT_EQ(files, 20 + 2);  // tracks, manifest, marker
  std::ostringstream log2;
  ensure_synthetic_corpus(o, log2);
  EXPECT_NE(log2.str().find("nothing to do"), std::string::npos) << log2.str();
  for (const auto& e : fs::recursive_directory_iterator(dir.path)) {
    if (e.is_regular_file()) {
      EXPECT_EQ(fs::last_write_time(e.path()), old) << e.path();
    }
  }
  // A missing file or different options regenerate; a smaller corpus drops the extra tracks.
  fs::remove(dir.path / "jazz" / "jazz.00000.wav");
  std::ostringstream log3;
  ensure_synthetic_corpus(o, log3);
  EXPECT_NE(log3.str().find("generating"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir.path / "jazz" / "jazz.00000.wav"));
  o.tracks_per_genre = 1;
  std::ostringstream log4;
  ensure_synthetic_corpus(o, log4);
  EXPECT_NE(log4.str().find("manifest options differ"), std::string::npos) << log4.str();
  EXPECT_FALSE(fs::exists(dir.path / "jazz" / "jazz.00001.wav"));

  // The corpus loads as GTZAN.
  GtzanOptions g;
  g.root = o.root;
  g.threads = 2;
  std::ostringstream log5;
  LoadReport rep;
  const Dataset ds = load_gtzan(g, log5, &rep);
  EXPECT_EQ(rep.loaded, 10);
  EXPECT_EQ(rep.skipped, 0);
  ASSERT_EQ(ds.audio.size(), 10u);
  EXPECT_EQ(ds.audio[3].size(), 22050u);
  // Same samples as the generator, up to 16-bit quantisation.
  const auto ref = synthesize_track(3, 0, o);
  float worst = 0;
  for (size_t i = 0; i < ref.size(); ++i)
    worst = std::max(worst, std::abs(ref[i] - ds.audio[3][i]));
  EXPECT_LE(worst, 1.5f / 32767.f);
}

TEST(SyntheticCorpus, RefusesToOverwriteAForeignFolder) {
  TempDir dir("synth_foreign");
  fs::create_directories(dir.path / "blues");
  { std::ofstream(dir.path / "blues" / "blues.00000.wav") << "someone's real data"; }
  SyntheticOptions o = small(1.0);
  o.root = dir.path.string();
  o.tracks_per_genre = 1;
  std::ostringstream log;
  EXPECT_THROW(ensure_synthetic_corpus(o, log), Error);
  std::ifstream in(dir.path / "blues" / "blues.00000.wav");
  std::string content;
  std::getline(in, content);
  EXPECT_EQ(content, "someone's real data");
}

// Crude, level-independent spectral features per track: centroid (mean, std), roll-off, flux,
// low- and high-band energy shares, zero-crossing rate, and frame-level dynamics.
std::vector<double> crude_features(const std::vector<float>& x, int sr) {
  const int n = 1024, hop = 512, bins = n / 2 + 1;
  std::vector<float> frame(n);
  fftwf_complex* spec = fftwf_alloc_complex(static_cast<size_t>(bins));
  fftwf_plan plan = fftwf_plan_dft_r2c_1d(n, frame.data(), spec, FFTW_ESTIMATE);
  std::vector<double> mag(static_cast<size_t>(bins)), prev(static_cast<size_t>(bins), 0.0);
  std::vector<double> cent, roll, flux, low, high, zcr, level;
  const double pi = 3.14159265358979323846;
  for (size_t start = 0; start + n <= x.size(); start += hop) {
    int zc = 0;
    double e = 0;
    for (int i = 0; i < n; ++i) {
      const float v = x[start + static_cast<size_t>(i)];
      frame[static_cast<size_t>(i)] = v * static_cast<float>(0.5 - 0.5 * std::cos(2 * pi * i / n));
      if (i > 0) zc += (v < 0) != (x[start + static_cast<size_t>(i) - 1] < 0);
      e += static_cast<double>(v) * v;
    }
    fftwf_execute(plan);
    double total = 1e-12, weighted = 0, lo = 0, hi = 0, fl = 0;
    for (int k = 0; k < bins; ++k) {
      const double m = std::hypot(spec[k][0], spec[k][1]);
      mag[static_cast<size_t>(k)] = m;
      const double hz = static_cast<double>(k) * sr / n;
      total += m;
      weighted += m * hz;
      if (hz < 200) lo += m;
      if (hz > 4000) hi += m;
      fl += std::max(0.0, m - prev[static_cast<size_t>(k)]);
    }
    double acc = 0;
    int k85 = 0;
    while (k85 < bins && acc < 0.85 * total) acc += mag[static_cast<size_t>(k85++)];
    cent.push_back(weighted / total);
    roll.push_back(static_cast<double>(k85) * sr / n);
    flux.push_back(fl / total);
    low.push_back(lo / total);
    high.push_back(hi / total);
    zcr.push_back(static_cast<double>(zc) / n);
    level.push_back(std::sqrt(e / n));
    prev = mag;
  }
  fftwf_destroy_plan(plan);
  fftwf_free(spec);
  auto mean = [](const std::vector<double>& v) {
    double s = 0;
    for (double a : v) s += a;
    return s / static_cast<double>(v.size());
  };
  auto sd = [&](const std::vector<double>& v) {
    const double m = mean(v);
    double s = 0;
    for (double a : v) s += (a - m) * (a - m);
    return std::sqrt(s / static_cast<double>(v.size()));
  };
  return {mean(cent), sd(cent),   mean(roll), mean(flux),
          mean(low),  mean(high), mean(zcr),  sd(level) / (mean(level) + 1e-12)};
}

// Leave-one-out nearest-class-mean accuracy on z-scored features.
double loo_ncm(std::vector<std::vector<double>> f, const std::vector<int>& y, int classes) {
  const size_t n = f.size(), d = f[0].size();
  for (size_t j = 0; j < d; ++j) {
    double m = 0, s = 0;
    for (const auto& r : f) m += r[j];
    m /= static_cast<double>(n);
    for (const auto& r : f) s += (r[j] - m) * (r[j] - m);
    s = std::sqrt(s / static_cast<double>(n)) + 1e-12;
    for (auto& r : f) r[j] = (r[j] - m) / s;
  }
  int correct = 0;
  for (size_t i = 0; i < n; ++i) {
    std::vector<std::vector<double>> mu(static_cast<size_t>(classes), std::vector<double>(d, 0.0));
    std::vector<int> cnt(static_cast<size_t>(classes), 0);
    for (size_t k = 0; k < n; ++k) {
      if (k == i) continue;
      for (size_t j = 0; j < d; ++j) mu[static_cast<size_t>(y[k])][j] += f[k][j];
      ++cnt[static_cast<size_t>(y[k])];
    }
    int best = -1;
    double best_d = 1e300;
    for (int c = 0; c < classes; ++c) {
      double dist = 0;
      for (size_t j = 0; j < d; ++j) {
        const double diff = f[i][j] - mu[static_cast<size_t>(c)][j] / cnt[static_cast<size_t>(c)];
        dist += diff * diff;
      }
      if (dist < best_d) best_d = dist, best = c;
    }
    correct += best == y[i];
  }
  return static_cast<double>(correct) / static_cast<double>(n);
}

TEST(SyntheticCorpus, GenresAreLearnableButNotByLoudness) {
  const SyntheticOptions o = small(4.0);
  std::vector<std::vector<double>> spectral, loudness;
  std::vector<int> labels;
  for (int g = 0; g < 10; ++g) {
    for (int i = 0; i < 8; ++i) {
      const auto x = synthesize_track(g, i, o);
      spectral.push_back(crude_features(x, o.sample_rate));
      double e = 0;
      for (float v : x) e += static_cast<double>(v) * v;
      loudness.push_back({std::sqrt(e / static_cast<double>(x.size()))});
      labels.push_back(g);
    }
  }
  const double acc_spectral = loo_ncm(spectral, labels, 10);
  const double acc_rms = loo_ncm(loudness, labels, 10);
  std::cout << "nearest-class-mean accuracy: crude spectral features " << acc_spectral
            << ", RMS alone " << acc_rms << " (chance 0.1)\n";
  EXPECT_GT(acc_spectral, 0.25);  // clearly above chance
  EXPECT_LT(acc_spectral, 0.95);  // but a crude model does not solve it
  EXPECT_LT(acc_rms, 0.6);        // loudness does not give the label away
}

}  // namespace
}  // namespace mgr::data
