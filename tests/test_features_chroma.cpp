// Chroma against librosa 0.11 golden files (tests/data/librosa/chroma_rhythm/make_golden.py):
// the filterbank, chroma_stft from a stored power spectrogram, silent frames; then
// beat-synchronous chroma (shape, interval means, padding) and the CUDA twin (skips without GPU).
// Tolerances are the ones docs/features.md ("Chroma") states.
#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "framework/features/chroma.h"
#include "framework/features/rhythm.h"
#include "tests/golden.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

using features::ChromaParams;
using test::as_batch;
using test::Golden;
using test::json;
using test::max_abs_error;

const test::GoldenSet kGolden("chroma_rhythm");

// Largest |a - b| / |b| over entries with |b| >= floor; smaller entries must match to floor.
double max_rel_error(const std::vector<float>& a, const std::vector<float>& b, double floor) {
  double worst = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    const double d = std::abs(double(a[i]) - b[i]);
    worst = std::max(worst, std::abs(b[i]) >= floor ? d / std::abs(double(b[i])) : d / floor);
  }
  return worst;
}

ChromaParams params_of(const json& j) {
  ChromaParams p;
  p.sample_rate = kGolden.manifest().at("sample_rate");
  p.n_fft = j.value("n_fft", p.n_fft);
  p.n_chroma = j.value("n_chroma", p.n_chroma);
  p.tuning = j.value("tuning", p.tuning);
  p.ctroct = j.value("ctroct", p.ctroct);
  p.octwidth = j.value("octwidth", p.octwidth);
  if (j.contains("norm")) {
    p.norm = j.at("norm").is_string() ? INFINITY : j.at("norm").get<double>();
  }
  return p;
}

TEST(Chroma, FilterbankMatchesLibrosa) {
  for (const char* name : {"chroma_fb_default", "chroma_fb_1024_24_tuned", "chroma_fb_512_flat"}) {
    SCOPED_TRACE(name);
    const Golden g = kGolden.load(name);
    const ChromaParams p = params_of(g.meta.at("params"));
    const std::vector<float> fb = features::chroma_filterbank(p);
    ASSERT_EQ(int64_t(fb.size()), shape_numel(g.shape));
    EXPECT_EQ(g.shape, (Shape{p.n_chroma, p.bins()}));
    // Entries span ~40 decades (the octave weighting); relative error above 1e-30.
    EXPECT_LE(max_rel_error(fb, g.data, 1e-30), 1e-6);
  }
}

TEST(Chroma, ChromaStftMatchesLibrosa) {
  for (const char* name : {"default", "1024_l2_tuned"}) {
    SCOPED_TRACE(name);
    const Golden power = kGolden.load(std::string("power_") + name);
    const Golden want = kGolden.load(std::string("chroma_") + name);
    const ChromaParams p = params_of(want.meta.at("params"));
    Tensor got = features::chroma_from_power(as_batch(power), p);
    ASSERT_EQ(got.shape(), (Shape{1, p.n_chroma, want.shape[1]}));
    EXPECT_LE(max_abs_error(got.to_vector(), want.data), 2e-6);
    if (std::isinf(p.norm)) {  // every frame's largest chroma bin is exactly 1
      const std::vector<float> v = got.to_vector();
      for (int64_t t = 0; t < want.shape[1]; ++t) {
        float top = 0;
        for (int c = 0; c < p.n_chroma; ++c) top = std::max(top, v[c * want.shape[1] + t]);
        EXPECT_EQ(top, 1.f) << "frame " << t;
      }
    }
  }
}

TEST(Chroma, SilentFramesStayZeroLikeLibrosa) {
  Golden power = kGolden.load("power_default");
  const int64_t bins = power.shape[0], frames = power.shape[1];
  for (int64_t k = 0; k < bins; ++k)
    for (int64_t t = 10; t < 13; ++t) power.data[k * frames + t] = 0.f;
  const Golden want = kGolden.load("chroma_silent");
  Tensor got = features::chroma_from_power(as_batch(power), ChromaParams{});
  const std::vector<float> v = got.to_vector();
  EXPECT_LE(max_abs_error(v, want.data), 1e-5);
  for (int c = 0; c < 12; ++c)
    for (int64_t t = 10; t < 13; ++t) EXPECT_EQ(v[c * frames + t], 0.f);
}

TEST(Chroma, BatchedClipsAreIndependent) {
  const Golden power = kGolden.load("power_default");
  const int64_t bins = power.shape[0], frames = power.shape[1];
  std::vector<float> two(power.data);
  for (float x : power.data) two.push_back(1e-6f * x);  // a much quieter second clip
  Tensor both = features::chroma_from_power(Tensor::from_vector(two, {2, bins, frames}), {});
  Tensor one = features::chroma_from_power(as_batch(power), {});
  const std::vector<float> vb = both.to_vector(), v1 = one.to_vector();
  for (size_t i = 0; i < v1.size(); ++i) ASSERT_EQ(vb[i], v1[i]);
  for (size_t i = 0; i < v1.size(); ++i) ASSERT_NEAR(vb[v1.size() + i], v1[i], 1e-5);
}

TEST(Chroma, ParamsValidationNamesTheField) {
  auto fails_with = [](ChromaParams p, const std::string& field) {
    try {
      p.validate();
    } catch (const Error& e) {
      return std::string(e.what()).find(field) != std::string::npos;
    }
    return false;
  };
  ChromaParams p;
  EXPECT_NO_THROW(p.validate());
  p.n_chroma = 0;
  EXPECT_TRUE(fails_with(p, "n_chroma"));
  p = {};
  p.norm = -1;
  EXPECT_TRUE(fails_with(p, "norm"));
  p = {};
  p.octwidth = -2;
  EXPECT_TRUE(fails_with(p, "octwidth"));
  p = {};
  p.tuning = NAN;
  EXPECT_TRUE(fails_with(p, "tuning"));
  EXPECT_THROW(features::chroma_from_power(Tensor::zeros({1, 513, 4}), ChromaParams{}), Error);
}

// Onset envelope with a spike every `period` frames starting at `first` (plus small noise).
Tensor spike_env(int frames, double period, double first, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.f, 0.05f);
  std::vector<float> e(static_cast<size_t>(frames));
  for (float& x : e) x = u(rng);
  for (double t = first; t < frames; t += period) e[static_cast<size_t>(std::lround(t))] += 1.f;
  return Tensor::from_vector(e, {1, frames});
}

TEST(Chroma, GridBeatSyncChromaMeansBeatIntervalsAndRepeatsTheLast) {
  const int frames = 200;  // ~4.6 s: 120 BPM gives ~9 beats, fewer than 30
  Tensor env = spike_env(frames, 21.533, 7.0, 5);
  std::vector<float> c(12 * frames);
  for (int k = 0; k < 12; ++k)
    for (int t = 0; t < frames; ++t) c[k * frames + t] = float(std::sin(0.1 * t + k));
  Tensor chroma = Tensor::from_vector(c, {1, 12, frames});
  Tensor out =
      features::beat_sync_chroma(chroma, env, 30, 512, 22050, features::BeatTracker::kGrid);
  ASSERT_EQ(out.shape(), (Shape{1, 360}));
  const std::vector<int32_t> beats = features::beat_frames(env).to_vector_i32();
  std::vector<int> edge;
  for (int32_t f : beats)
    if (f >= 0) edge.push_back(f);
  ASSERT_GE(edge.size(), 5u);
  ASSERT_LT(edge.size(), 30u);
  EXPECT_NEAR(edge[0], 7, 1);
  edge.push_back(frames);
  const std::vector<float> v = out.to_vector();
  const int segments = int(edge.size()) - 1;
  for (int m = 0; m < 30; ++m) {
    const int s = std::min(m, segments - 1);
    for (int k = 0; k < 12; ++k) {
      double mean = 0;
      for (int t = edge[s]; t < edge[s + 1]; ++t) mean += c[k * frames + t];
      mean /= edge[s + 1] - edge[s];
      ASSERT_NEAR(v[m * 12 + k], mean, 1e-6) << "beat " << m << " chroma " << k;
    }
  }
  // The padding repeats the last interval's vector exactly.
  for (int m = segments; m < 30; ++m)
    for (int k = 0; k < 12; ++k) EXPECT_EQ(v[m * 12 + k], v[(segments - 1) * 12 + k]);
}

TEST(Chroma, BeatSyncChromaBatchAndShapeChecks) {
  const int frames = 400;
  Tensor e1 = spike_env(frames, 21.533, 3.0, 1), e2 = spike_env(frames, 14.0, 10.0, 2);
  std::vector<float> ev = e1.to_vector(), ev2 = e2.to_vector();
  ev.insert(ev.end(), ev2.begin(), ev2.end());
  Tensor env = Tensor::from_vector(ev, {2, frames});
  Tensor chroma = test::random_tensor({2, 12, frames}, 9, 0.f, 1.f);
  for (auto tracker : {features::BeatTracker::kDp, features::BeatTracker::kGrid}) {
    SCOPED_TRACE(tracker == features::BeatTracker::kDp ? "dp" : "grid");
    Tensor out = features::beat_sync_chroma(chroma, env, 30, 512, 22050, tracker);
    ASSERT_EQ(out.shape(), (Shape{2, 360}));
    // Each clip alone gives the same row.
    std::vector<float> cv = chroma.to_vector();
    Tensor c2 = Tensor::from_vector(std::vector<float>(cv.begin() + 12 * frames, cv.end()),
                                    {1, 12, frames});
    Tensor alone = features::beat_sync_chroma(c2, e2, 30, 512, 22050, tracker);
    const std::vector<float> vo = out.to_vector(), va = alone.to_vector();
    for (int i = 0; i < 360; ++i) ASSERT_EQ(vo[360 + i], va[i]);
    EXPECT_THROW(features::beat_sync_chroma(chroma, e1, 30, 512, 22050, tracker),
                 Error);  // batch mismatch
    EXPECT_THROW(features::beat_sync_chroma(chroma, env, 0, 512, 22050, tracker), Error);
  }
}

TEST(ChromaCuda, MatchesCpu) {
  MGR_REQUIRE_CUDA();
  const Golden power = kGolden.load("power_default");
  const int64_t bins = power.shape[0], frames = power.shape[1];
  std::vector<float> three(power.data);
  for (float x : power.data) three.push_back(0.5f * x);
  for (size_t i = 0; i < power.data.size(); ++i) three.push_back(i % 7 == 0 ? 0.f : power.data[i]);
  Tensor cpu = Tensor::from_vector(three, {3, bins, frames});
  for (double norm : {double(INFINITY), 2.0, 1.0, 0.0}) {
    ChromaParams p;
    p.norm = norm;
    SCOPED_TRACE(norm);
    Tensor want = features::chroma_from_power(cpu, p);
    Tensor got = features::chroma_from_power(cpu.to(Device::cuda(0)), p);
    EXPECT_TRUE(got.is_cuda());
    EXPECT_TRUE(test::all_close(got.cpu(), want, 1e-5f, 1e-6f));
  }
  ChromaParams p24;
  p24.n_fft = 1024;
  p24.n_chroma = 24;
  Tensor small = test::random_tensor({2, 513, 50}, 4, 0.f, 1.f);
  EXPECT_TRUE(test::all_close(features::chroma_from_power(small.to(Device::cuda(0)), p24).cpu(),
                              features::chroma_from_power(small, p24), 1e-5f, 1e-6f));
  // Beat-synchronous chroma (both trackers): beats are found on the device; the means match.
  const int t = 300;
  Tensor env = Tensor::from_vector(
      [&] {
        std::vector<float> v = spike_env(t, 21.533, 4.0, 3).to_vector();
        std::vector<float> w = spike_env(t, 30.0, 11.0, 4).to_vector();
        v.insert(v.end(), w.begin(), w.end());
        return v;
      }(),
      {2, t});
  Tensor chroma = test::random_tensor({2, 12, t}, 8, 0.f, 1.f);
  for (auto tracker : {features::BeatTracker::kDp, features::BeatTracker::kGrid}) {
    Tensor want = features::beat_sync_chroma(chroma, env, 30, 512, 22050, tracker);
    Tensor got = features::beat_sync_chroma(chroma.to(Device::cuda(0)), env.to(Device::cuda(0)), 30,
                                            512, 22050, tracker);
    EXPECT_TRUE(got.is_cuda());
    EXPECT_TRUE(test::all_close(got.cpu(), want, 1e-6f, 1e-7f));
  }
}

}  // namespace
}  // namespace mgr
