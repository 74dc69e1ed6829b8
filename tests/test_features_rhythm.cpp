// Rhythm features: onset strength and tempogram against librosa 0.11 golden files
// (tests/data/librosa/chroma_rhythm/make_golden.py); beat histogram and beat frames on synthetic
// click tracks of known tempo (mel dB from LogMelExtractor, then onset_strength); the CUDA twin
// (skips without GPU). Tolerances are the ones docs/features.md ("Rhythm") states.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <string>
#include <tuple>

#include "framework/features/log_mel.h"
#include "framework/features/rhythm.h"
#include "tests/golden.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

using features::OnsetParams;
using test::as_batch;
using test::Golden;
using test::json;
using test::max_abs_error;

const test::GoldenSet kGolden("chroma_rhythm");
constexpr int kSr = 22050;
constexpr int kHop = 512;

double max_of(const std::vector<float>& v) { return *std::max_element(v.begin(), v.end()); }

TEST(Rhythm, OnsetStrengthMatchesLibrosa) {
  const Golden mel = kGolden.load("mel_db_a");
  Tensor S = as_batch(mel);
  for (const char* name : {"default", "lag2_max3", "nocenter_max4", "hop256_nfft4096"}) {
    SCOPED_TRACE(name);
    const Golden want = kGolden.load(std::string("onset_") + name);
    const json& kw = want.meta.at("params");
    OnsetParams p;
    p.lag = kw.value("lag", 1);
    p.max_size = kw.value("max_size", 1);
    p.center = kw.value("center", true);
    p.hop_length = kw.value("hop_length", 512);
    p.n_fft = kw.value("n_fft", 2048);
    Tensor got = features::onset_strength(S, p);
    ASSERT_EQ(got.shape(), (Shape{1, want.shape[0]}));
    const std::vector<float> v = got.to_vector();
    EXPECT_LE(max_abs_error(v, want.data), 1e-6 * max_of(want.data));
    for (int t = 0; t < p.shift(); ++t) EXPECT_EQ(v[t], 0.f);  // librosa's leading zeros
  }
}

TEST(Rhythm, OnsetStrengthFromAudioMatchesLibrosa) {
  // librosa.onset.onset_strength(y): mel power (defaults), power_to_db(ref=1.0), flux.
  const Golden audio = kGolden.load("audio_a");
  const Golden want = kGolden.load("onset_audio_a");
  features::LogMelParams lp;
  lp.ref = "one";
  features::LogMelExtractor ex(lp, Device::cpu());
  Tensor db = ex(as_batch(audio));
  Tensor got = features::onset_strength(db, OnsetParams{});
  EXPECT_LE(max_abs_error(got.to_vector(), want.data), 1e-5 * max_of(want.data));
}

TEST(Rhythm, TempogramMatchesLibrosa) {
  const Golden env = kGolden.load("onset_b");
  Tensor e = as_batch(env);
  for (int win : {384, 95}) {
    SCOPED_TRACE(win);
    const Golden want = kGolden.load("tempogram_b_" + std::to_string(win));
    Tensor got = features::tempogram(e, win);
    ASSERT_EQ(got.shape(), (Shape{1, win, env.shape[0]}));
    EXPECT_LE(max_abs_error(got.to_vector(), want.data), 5e-6);
  }
}

// A click track: 20 ms decaying 1.5 kHz bursts every 60 / bpm s from `first`, over noise.
std::vector<float> click_track(double bpm, double seconds, double first, uint32_t seed) {
  const int n = static_cast<int>(seconds * kSr);
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.f, 0.01f);
  std::vector<float> y(static_cast<size_t>(n));
  for (float& x : y) x = noise(rng);
  for (double t0 = first; t0 < seconds; t0 += 60.0 / bpm) {
    const int a = static_cast<int>(t0 * kSr);
    for (int i = 0; i < kSr / 10 && a + i < n; ++i) {
      const double t = double(i) / kSr;
      y[a + i] +=
          static_cast<float>(0.5 * std::exp(-t / 0.02) * std::sin(2 * std::numbers::pi * 1500 * t));
    }
  }
  return y;
}

// Onset envelopes [B, T] of click tracks (one per bpm), via the CPU log-mel (dB, ref max).
Tensor click_envelopes(const std::vector<double>& bpms, double seconds, double first) {
  std::vector<float> audio;
  for (size_t i = 0; i < bpms.size(); ++i) {
    std::vector<float> y = click_track(bpms[i], seconds, first, 100 + uint32_t(i));
    audio.insert(audio.end(), y.begin(), y.end());
  }
  const int64_t n = static_cast<int64_t>(audio.size() / bpms.size());
  features::LogMelExtractor ex(features::LogMelParams{}, Device::cpu());
  Tensor db = ex(Tensor::from_vector(audio, {int64_t(bpms.size()), n}));
  return features::onset_strength(db, OnsetParams{});
}

TEST(Rhythm, BeatHistogramPeaksAtTheClickTempo) {
  const std::vector<double> bpms = {120, 90, 150, 72};
  Tensor env = click_envelopes(bpms, 10.0, 0.3);
  Tensor h = features::beat_histogram(env, kHop, kSr, 161, 40, 200);
  ASSERT_EQ(h.shape(), (Shape{4, 161}));
  const std::vector<float> v = h.to_vector();
  for (size_t b = 0; b < bpms.size(); ++b) {
    SCOPED_TRACE(bpms[b]);
    const float* row = v.data() + b * 161;
    const int peak = int(std::max_element(row, row + 161) - row);
    EXPECT_NEAR(40 + peak, bpms[b], 2.0);  // bins are 1 BPM apart from 40
    EXPECT_EQ(row[peak], 1.f);
    for (int i = 0; i < 161; ++i) ASSERT_TRUE(row[i] >= 0.f && row[i] <= 1.f);
    // Half the tempo (a period multiple) is a strong secondary peak when it is in range; the
    // midpoint between the two is not.
    if (bpms[b] / 2 >= 40) {
      const int half = int(std::lround(bpms[b] / 2)) - 40;
      EXPECT_GT(row[half], 0.5f);
      EXPECT_LT(row[int(std::lround(bpms[b] * 0.75)) - 40], 0.3f);
    }
  }
  // One clip alone gives the same histogram as in the batch.
  const std::vector<float> ev = env.to_vector();
  const int64_t frames = env.dim(1);
  Tensor row1 = Tensor::from_vector(
      std::vector<float>(ev.begin() + frames, ev.begin() + 2 * frames), {1, frames});
  Tensor alone = features::beat_histogram(row1, kHop, kSr);
  const std::vector<float> va = alone.to_vector();
  for (int i = 0; i < 161; ++i) EXPECT_EQ(va[i], v[161 + i]);
}

TEST(Rhythm, BeatFramesFollowTheClicks) {
  const double first = 0.3;
  for (double bpm : {120.0, 95.0}) {
    SCOPED_TRACE(bpm);
    Tensor env = click_envelopes({bpm}, 12.0, first);
    Tensor grid = features::beat_grid(env, kHop, kSr);
    const std::vector<float> g = grid.to_vector();
    const double period_s = g[0] * kHop / double(kSr);
    EXPECT_NEAR(period_s, 60.0 / bpm, 0.01);
    const std::vector<int32_t> beats = features::beat_frames(env, kHop, kSr).to_vector_i32();
    std::vector<double> times;
    for (int32_t f : beats)
      if (f >= 0) times.push_back(f * kHop / double(kSr));
    const int expected = static_cast<int>((12.0 - first) / (60.0 / bpm)) + 1;
    EXPECT_NEAR(double(times.size()), expected, 1.0);
    for (size_t i = 1; i < times.size(); ++i)  // one frame of quantisation either way
      EXPECT_NEAR(times[i] - times[i - 1], 60.0 / bpm, 1.01 * kHop / kSr) << "beat " << i;
    // Every beat sits on a click within 70 ms (MIREX's beat F-measure window; 3 frames): the
    // onset envelope peaks up to a frame after the click, and the rigid grid's period, on a
    // 1/16-frame grid, drifts by up to ~0.7 frames over 12 s.
    for (double t : times) {
      const double k = std::round((t - first) / (60.0 / bpm));
      EXPECT_NEAR(t, first + k * 60.0 / bpm, 0.07) << "beat at " << t;
    }
    for (size_t i = times.size(); i < beats.size(); ++i) EXPECT_EQ(beats[i], -1);
  }
}

TEST(Rhythm, SilentEnvelopeGivesZeroHistogramAndADeterministicGrid) {
  Tensor env = Tensor::zeros({2, 300});
  const std::vector<float> h = features::beat_histogram(env, kHop, kSr).to_vector();
  for (float x : h) EXPECT_EQ(x, 0.f);
  const std::vector<float> g = features::beat_grid(env, kHop, kSr).to_vector();
  // Ties go to the shortest period (bpm_max = 200: ceil(16 * 12.92) / 16 frames) and phase 0.
  EXPECT_EQ(g[0], std::ceil(16 * 60.0 * kSr / (kHop * 200.0)) / 16);
  EXPECT_EQ(g[1], 0.f);
  EXPECT_EQ(g[2], g[0]);
}

TEST(Rhythm, ValidationNamesTheField) {
  auto fails_with = [](OnsetParams p, const std::string& field) {
    try {
      p.validate();
    } catch (const Error& e) {
      return std::string(e.what()).find(field) != std::string::npos;
    }
    return false;
  };
  OnsetParams p;
  EXPECT_NO_THROW(p.validate());
  p.lag = 0;
  EXPECT_TRUE(fails_with(p, "lag"));
  p = {};
  p.max_size = 0;
  EXPECT_TRUE(fails_with(p, "max_size"));
  p = {};
  p.hop_length = 0;
  EXPECT_TRUE(fails_with(p, "hop_length"));
  EXPECT_THROW(features::onset_strength(Tensor::zeros({1, 64, 10}), OnsetParams{}), Error);
  Tensor env = Tensor::zeros({1, 100});
  EXPECT_THROW(features::tempogram(env, 1), Error);
  EXPECT_THROW(features::tempogram(env, 4096), Error);
  EXPECT_THROW(features::beat_histogram(env, kHop, kSr, 0), Error);
  EXPECT_THROW(features::beat_histogram(env, kHop, kSr, 161, 200, 40), Error);
  EXPECT_THROW(features::beat_grid(env, 22050, kSr), Error);  // a beat shorter than a frame
  EXPECT_THROW(features::beat_grid(Tensor::zeros({1, 0}), kHop, kSr), Error);
}

TEST(RhythmCuda, MatchesCpu) {
  MGR_REQUIRE_CUDA();
  const Device gpu = Device::cuda(0);
  // Onset strength on a batch of random dB spectrograms, several parameter sets: bit-identical.
  Tensor S = test::random_tensor({3, 40, 157}, 21, -80.f, 0.f);
  for (auto [lag, max_size, center] :
       {std::tuple{1, 1, true}, std::tuple{2, 3, true}, std::tuple{3, 4, false}}) {
    OnsetParams p;
    p.n_mels = 40;
    p.lag = lag;
    p.max_size = max_size;
    p.center = center;
    Tensor got = features::onset_strength(S.to(gpu), p);
    EXPECT_TRUE(got.is_cuda());
    EXPECT_TRUE(test::all_close(got.cpu(), features::onset_strength(S, p), 0.f, 0.f));
  }
  // Tempogram: several window lengths (odd, tile remainder), values match bit for bit.
  Tensor env = click_envelopes({120, 97, 143}, 6.0, 0.2);
  for (int win : {384, 95, 2, 1024}) {
    SCOPED_TRACE(win);
    Tensor got = features::tempogram(env.to(gpu), win);
    EXPECT_TRUE(test::all_close(got.cpu(), features::tempogram(env, win), 1e-6f, 1e-7f));
  }
  // Beat histogram (device exp) and the tempo grid / beat frames (exact).
  for (auto [n_bins, lo, hi] :
       {std::tuple{161, 40.0, 200.0}, std::tuple{1, 60.0, 180.0}, std::tuple{500, 30.0, 240.0}}) {
    Tensor got = features::beat_histogram(env.to(gpu), kHop, kSr, n_bins, lo, hi);
    EXPECT_TRUE(test::all_close(got.cpu(), features::beat_histogram(env, kHop, kSr, n_bins, lo, hi),
                                1e-5f, 1e-6f));
    EXPECT_EQ(features::beat_grid(env.to(gpu), kHop, kSr, lo, hi).cpu().to_vector(),
              features::beat_grid(env, kHop, kSr, lo, hi).to_vector());
    EXPECT_EQ(features::beat_frames(env.to(gpu), kHop, kSr, lo, hi).cpu().to_vector_i32(),
              features::beat_frames(env, kHop, kSr, lo, hi).to_vector_i32());
  }
  Tensor zeros = Tensor::zeros({2, 50});
  EXPECT_EQ(features::beat_grid(zeros.to(gpu), kHop, kSr).cpu().to_vector(),
            features::beat_grid(zeros, kHop, kSr).to_vector());
}

}  // namespace
}  // namespace mgr
