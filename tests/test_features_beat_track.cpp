// librosa.beat.beat_track parity (framework/features/rhythm.h tempo / beat_track, the median
// onset envelope, chroma.h beat_sync) against librosa 0.11 golden files
// (tests/data/librosa/chroma_rhythm/make_golden.py): the tracker is fed librosa's stored float32
// envelope and must give the same tempo and exactly the same beat frames. Then edge cases, the
// shared helpers of kernels/shared/beat_dp.h, and the CUDA twin against the CPU (skips without
// GPU).
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "framework/features/chroma.h"
#include "framework/features/log_mel.h"
#include "framework/features/rhythm.h"
#include "kernels/shared/beat_dp.h"
#include "tests/golden.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

using features::BeatTrackParams;
using features::OnsetAggregate;
using features::OnsetParams;
using test::as_batch;
using test::Golden;
using test::json;
using test::max_abs_error;

const test::GoldenSet kGolden("chroma_rhythm");
constexpr int kSr = 22050;
constexpr int kHop = 512;

double max_of(const std::vector<float>& v) { return *std::max_element(v.begin(), v.end()); }

// Every beat_track golden: beat_frames_<case>, its envelope named by meta "input".
std::vector<std::string> beat_cases() {
  std::vector<std::string> names;
  for (const auto& [name, meta] : kGolden.manifest().at("arrays").items())
    if (meta.at("kind") == "beat_track") names.push_back(name);
  return names;
}

std::vector<int32_t> valid(const std::vector<int32_t>& row) {
  std::vector<int32_t> out;
  for (int32_t f : row)
    if (f >= 0) out.push_back(f);
  return out;
}

std::vector<int32_t> as_frames(const std::vector<float>& v) {
  return std::vector<int32_t>(v.begin(), v.end());
}

BeatTrackParams params_of(const json& kw) {
  BeatTrackParams p;
  p.tightness = kw.value("tightness", 100.0);
  p.trim = kw.value("trim", true);
  p.tempo.start_bpm = kw.value("start_bpm", 120.0);
  return p;
}

TEST(BeatTrack, MedianOnsetMatchesLibrosa) {
  Tensor S = as_batch(kGolden.load("mel_db_a"));
  for (const char* name : {"default", "lag2_max3"}) {
    SCOPED_TRACE(name);
    const Golden want = kGolden.load(std::string("onset_median_") + name);
    const json& kw = want.meta.at("params");
    OnsetParams p;
    p.lag = kw.at("lag");
    p.max_size = kw.at("max_size");
    p.aggregate = OnsetAggregate::kMedian;
    const std::vector<float> got = features::onset_strength(S, p).to_vector();
    // np.median picks the same float32 values and averages the middle two in float32: exact.
    EXPECT_EQ(max_abs_error(got, want.data), 0.0);
  }
}

TEST(BeatTrack, MedianOnsetFromAudioMatchesLibrosa) {
  // librosa.onset.onset_strength(y, aggregate=np.median): mel power, power_to_db(ref=1), flux.
  const Golden audio = kGolden.load("audio_a");
  const Golden want = kGolden.load("onset_median_audio_a");
  features::LogMelParams lp;
  lp.ref = "one";
  features::LogMelExtractor ex(lp, Device::cpu());
  OnsetParams p;
  p.aggregate = OnsetAggregate::kMedian;
  const std::vector<float> got = features::onset_strength(ex(as_batch(audio)), p).to_vector();
  EXPECT_LE(max_abs_error(got, want.data), 1e-5 * max_of(want.data));
}

TEST(BeatTrack, StdOfTheEnvelopeEqualsNumpy) {
  // librosa normalises the envelope by np.std(ddof=1) in float32 (pairwise sums): bit for bit.
  for (const std::string& name : beat_cases()) {
    SCOPED_TRACE(name);
    const Golden want = kGolden.load(name);
    const Golden env = kGolden.load(want.meta.at("input"));
    const float got = kernels::beat_dp::std_ddof1(env.data.data(), int(env.data.size()));
    EXPECT_EQ(got, want.meta.at("std").get<float>());
  }
}

TEST(BeatTrack, TempoAndBeatsMatchLibrosa) {
  for (const std::string& name : beat_cases()) {
    SCOPED_TRACE(name);
    const Golden want = kGolden.load(name);
    const Golden env = kGolden.load(want.meta.at("input"));
    const BeatTrackParams p = params_of(want.meta.at("params"));
    const float bpm = want.meta.at("bpm").get<float>();
    const features::BeatTrack got = features::beat_track(as_batch(env), kHop, kSr, p);
    EXPECT_EQ(got.bpm.to_vector(), std::vector<float>{bpm});
    if (bpm > 0) {  // librosa.feature.tempo (no silence check) agrees with beat_track's tempo
      EXPECT_EQ(features::tempo(as_batch(env), kHop, kSr, p.tempo).to_vector()[0], bpm);
    }
    EXPECT_EQ(valid(got.beats.to_vector_i32()), as_frames(want.data));
  }
}

TEST(BeatTrack, BatchedClipsAreIndependent) {
  const Golden a = kGolden.load("beat_env_m120"), b = kGolden.load("beat_env_m95_lead");
  ASSERT_EQ(a.data.size(), b.data.size());
  const int64_t frames = int64_t(a.data.size());
  std::vector<float> batch(a.data);
  batch.insert(batch.end(), frames, 0.f);  // a silent clip between them
  batch.insert(batch.end(), b.data.begin(), b.data.end());
  const features::BeatTrack got = features::beat_track(Tensor::from_vector(batch, {3, frames}));
  ASSERT_EQ(got.beats.dim(0), 3);
  const int64_t m = got.beats.dim(1);
  const std::vector<int32_t> beats = got.beats.to_vector_i32();
  const std::vector<float> bpm = got.bpm.to_vector();
  EXPECT_EQ(bpm[0], kGolden.load("beat_frames_m120").meta.at("bpm").get<float>());
  EXPECT_EQ(bpm[1], 0.f);  // librosa's tempo for an all-zero envelope
  EXPECT_EQ(bpm[2], kGolden.load("beat_frames_m95_lead").meta.at("bpm").get<float>());
  auto row = [&](int i) {
    return std::vector<int32_t>(beats.begin() + i * m, beats.begin() + (i + 1) * m);
  };
  EXPECT_EQ(valid(row(0)), as_frames(kGolden.load("beat_frames_m120").data));
  for (int32_t f : row(1)) EXPECT_EQ(f, -1);
  EXPECT_EQ(valid(row(2)), as_frames(kGolden.load("beat_frames_m95_lead").data));
  // Padding: -1 after the beats; M bounds any clip (beats >= round(fpb_min / 2) frames apart).
  const std::vector<int32_t> r0 = row(0);
  const size_t n0 = valid(r0).size();
  for (size_t j = n0; j < r0.size(); ++j) EXPECT_EQ(r0[j], -1);
  EXPECT_GE(m, frames / 4);
}

TEST(BeatTrack, EdgeCases) {
  // All-zero envelopes: no beats, tempo 0 (librosa returns (0, [])).
  const features::BeatTrack zero = features::beat_track(Tensor::zeros({2, 300}));
  for (float x : zero.bpm.to_vector()) EXPECT_EQ(x, 0.f);
  for (int32_t f : zero.beats.to_vector_i32()) EXPECT_EQ(f, -1);
  // librosa.feature.tempo on silence: an all-zero tempogram leaves the prior's argmax, the lag
  // nearest 120 BPM (22 frames: 117.45 BPM).
  EXPECT_EQ(features::tempo(Tensor::zeros({1, 300})).to_vector(),
            std::vector<float>{float(60.0 * kSr / (double(kHop) * 22))});
  // One frame (librosa raises on it): no beats; the tempo is still estimated.
  const features::BeatTrack one = features::beat_track(Tensor::full({1, 1}, 3.f));
  EXPECT_GT(one.bpm.to_vector()[0], 0.f);
  EXPECT_EQ(one.beats.shape(), (Shape{1, 1}));
  EXPECT_EQ(one.beats.to_vector_i32()[0], -1);
  // Shorter than the tempogram window, than two beats, than one beat, two frames: the goldens
  // beat_frames_short{150,30,10,2} in TempoAndBeatsMatchLibrosa; here only their shapes.
  for (int t : {150, 30, 10, 2}) {
    const features::BeatTrack r =
        features::beat_track(as_batch(kGolden.load("beat_env_short" + std::to_string(t))));
    // The fastest allowed tempo (< 320 BPM) is lag 9: beats are >= round(9 / 2) = 4 apart.
    EXPECT_EQ(r.beats.dim(1), std::min(t, (t - 1) / 4 + 1)) << t;
  }
  EXPECT_EQ(features::beat_track(Tensor::zeros({0, 50})).beats.shape(), (Shape{0, 13}));
}

TEST(BeatTrack, BeatSyncMatchesLibrosa) {
  const Golden chroma = kGolden.load("beat_chroma_m120");
  const Golden want = kGolden.load("beat_sync_m120");  // [12, segments]
  const Golden beats = kGolden.load(want.meta.at("beats"));
  const int segments = int(want.shape[1]);
  ASSERT_EQ(segments, int(beats.data.size()) + 1);  // the first beat is after frame 0
  Tensor c = as_batch(chroma);
  Tensor b = Tensor::from_vector(as_frames(beats.data), {1, int64_t(beats.data.size())});
  auto check = [&](const Tensor& got) {
    ASSERT_EQ(got.shape(), (Shape{1, 12 * int64_t(segments)}));
    const std::vector<float> v = got.to_vector();
    double worst = 0;
    for (int m = 0; m < segments; ++m)
      for (int k = 0; k < 12; ++k)
        worst = std::max(worst, std::abs(double(v[m * 12 + k]) - want.data[k * segments + m]));
    EXPECT_LE(worst, 1e-5);
  };
  check(features::beat_sync(c, b, segments));
  // The whole dp path from librosa's median envelope: our beats equal librosa's.
  check(features::beat_sync_chroma(c, as_batch(kGolden.load("beat_env_m120")), segments, kHop, kSr,
                                   features::BeatTracker::kDp));
}

TEST(BeatTrack, BeatSyncSegmentsAndPadding) {
  // x = frame index: a segment's mean is the mean of its frame indices.
  std::vector<float> x(10);
  for (int t = 0; t < 10; ++t) x[t] = float(t);
  Tensor xs = Tensor::from_vector(x, {1, 1, 10});
  auto sync = [&](std::vector<int32_t> beats, int n) {
    const int64_t m = int64_t(beats.size());
    return features::beat_sync(xs, Tensor::from_vector(beats, {1, m}), n).to_vector();
  };
  // Beats 3, 7: segments [0,3) [3,7) [7,10); the 4th repeats the last.
  EXPECT_EQ(sync({3, 7, -1}, 4), (std::vector<float>{1.f, 4.5f, 8.f, 8.f}));
  // A beat at frame 0 is not a segment of its own (fix_frames is unique).
  EXPECT_EQ(sync({0, 5}, 2), (std::vector<float>{2.f, 7.f}));
  // No beats: one segment, the whole clip.
  EXPECT_EQ(sync({-1, -1}, 2), (std::vector<float>{4.5f, 4.5f}));
  // A row is read up to its first entry that is not a later frame inside the clip.
  EXPECT_EQ(sync({4, 2, 8}, 3), (std::vector<float>{1.5f, 6.5f, 6.5f}));
  EXPECT_EQ(sync({4, 12, 8}, 2), (std::vector<float>{1.5f, 6.5f}));
  EXPECT_THROW(features::beat_sync(xs, Tensor::zeros({2, 3}, DType::I32), 2), Error);
  EXPECT_THROW(features::beat_sync(xs, Tensor::zeros({1, 3}), 2), Error);  // f32 beats
  EXPECT_THROW(features::beat_sync(xs, Tensor::zeros({1, 3}, DType::I32), 0), Error);
}

TEST(BeatTrack, SharedHelpers) {
  namespace dp = kernels::beat_dp;
  // np.round(fpb / 2): half to even.
  EXPECT_EQ(dp::half_round_even(43), 22);
  EXPECT_EQ(dp::half_round_even(45), 22);
  EXPECT_EQ(dp::half_round_even(44), 22);
  EXPECT_EQ(dp::half_round_even(1), 0);
  EXPECT_EQ(dp::half_round_even(3), 2);
  // The deterministic log1p is within a few ulp of libm's over the range the tempo uses.
  double worst = 0;
  for (double x = 1e-9; x < 2e6; x *= 1.0137) {
    const double want = std::log1p(x);
    worst = std::max(worst, std::abs(dp::det_log1p(x) - want) / want);
    EXPECT_EQ(float(dp::det_log1p(x)), float(want)) << x;
  }
  EXPECT_LT(worst, 1e-15);
  // numpy's pairwise float32 sum differs from a sequential one past 8 values; check the split.
  std::vector<float> v(1000);
  for (int i = 0; i < 1000; ++i) v[i] = 1.f + float(i % 7) * 1e-3f;
  float seq = 0.f;
  for (float y : v) seq += y;
  const float pw = dp::pairwise_sum(dp::F32Values{v.data()}, 1000);
  // Reference: 1000 -> 496 + 504 -> (248 + 248) + (248 + 256) -> blocks of <= 128.
  auto block = [&](int off, int n) { return dp::pairwise_block(dp::F32Values{v.data()}, off, n); };
  auto half = [&](int off, int n) {  // n in (128, 256]
    const int n2 = dp::pairwise_split(n);
    return block(off, n2) + block(off + n2, n - n2);
  };
  EXPECT_EQ(pw, (half(0, 248) + half(248, 248)) + (half(496, 248) + half(744, 256)));
  EXPECT_NEAR(pw, seq, 1e-2);
  // Heap sort and the librosa localmax rule.
  double a[7] = {3, -1, 2, 2, 9, 0, -5};
  dp::heap_sort(a, 7);
  EXPECT_TRUE(std::is_sorted(a, a + 7));
  const double c[5] = {5, 1, 2, 2, 3};
  EXPECT_FALSE(dp::is_local_max(c, 0, 5));  // frame 0 never
  EXPECT_TRUE(dp::is_local_max(c, 2, 5));   // x[n] >= x[n+1]
  EXPECT_FALSE(dp::is_local_max(c, 3, 5));  // not > x[n-1]
  EXPECT_TRUE(dp::is_local_max(c, 4, 5));   // last frame: x[T-1] > x[T-2]
}

TEST(BeatTrack, ValidationNamesTheField) {
  auto fails_with = [](auto fn, const std::string& field) {
    try {
      fn();
    } catch (const Error& e) {
      return std::string(e.what()).find(field) != std::string::npos;
    }
    return false;
  };
  Tensor env = Tensor::full({1, 100}, 1.f);
  features::TempoParams tp;
  tp.start_bpm = 0;
  EXPECT_TRUE(fails_with([&] { features::tempo(env, kHop, kSr, tp); }, "start_bpm"));
  tp = {};
  tp.std_bpm = -1;
  EXPECT_TRUE(fails_with([&] { features::tempo(env, kHop, kSr, tp); }, "std_bpm"));
  tp = {};
  tp.ac_size = 0;
  EXPECT_TRUE(fails_with([&] { features::tempo(env, kHop, kSr, tp); }, "ac_size"));
  // 8 s at hop 64 is 2756 frames, beyond the tempogram's 1024.
  EXPECT_TRUE(fails_with([&] { features::beat_track(env, 64, kSr); }, "ac_size"));
  BeatTrackParams bp;
  bp.tightness = 0;
  EXPECT_TRUE(fails_with([&] { features::beat_track(env, kHop, kSr, bp); }, "tightness"));
  EXPECT_TRUE(fails_with([&] { features::beat_track(Tensor::zeros({1, 0})); }, "beat_track"));
  EXPECT_TRUE(fails_with([&] { features::beat_track(Tensor::zeros({4})); }, "beat_track"));
  EXPECT_TRUE(fails_with([&] { features::beat_track(env, 0, kSr); }, "hop_length"));
}

TEST(BeatTrackCuda, MatchesCpu) {
  MGR_REQUIRE_CUDA();
  const Device gpu = Device::cuda(0);
  // Median onset strength (even and odd band counts, lag / max filter / centring): bit-identical.
  for (int bands : {40, 41}) {
    Tensor S = test::random_tensor({3, bands, 157}, 31 + uint32_t(bands), -80.f, 0.f);
    for (auto [lag, max_size, center] :
         {std::tuple{1, 1, true}, std::tuple{2, 3, true}, std::tuple{3, 4, false}}) {
      OnsetParams p;
      p.n_mels = bands;
      p.lag = lag;
      p.max_size = max_size;
      p.center = center;
      p.aggregate = OnsetAggregate::kMedian;
      Tensor got = features::onset_strength(S.to(gpu), p);
      EXPECT_TRUE(got.is_cuda());
      EXPECT_TRUE(test::all_close(got.cpu(), features::onset_strength(S, p), 0.f, 0.f))
          << bands << " bands, lag " << lag << ", max_size " << max_size;
    }
  }
  // Tempo and beats on a batch of different clips (odd length 689): the golden envelopes (the
  // noise one zero-padded), a silent clip, and a random sparse envelope.
  const int frames = 689;
  std::vector<float> batch;
  for (const char* name : {"m120", "m95_lead", "tempo_change", "noise"}) {
    std::vector<float> e = kGolden.load(std::string("beat_env_") + name).data;
    e.resize(frames, 0.f);
    batch.insert(batch.end(), e.begin(), e.end());
  }
  batch.insert(batch.end(), frames, 0.f);
  std::vector<float> r = test::random_tensor({frames}, 77, 0.f, 1.f).to_vector();
  for (float& x : r) x = x > 0.9f ? x * 10 : 0.f;
  batch.insert(batch.end(), r.begin(), r.end());
  Tensor env = Tensor::from_vector(batch, {6, frames});
  for (bool trim : {true, false}) {
    BeatTrackParams p;
    p.trim = trim;
    const features::BeatTrack want = features::beat_track(env, kHop, kSr, p);
    const features::BeatTrack got = features::beat_track(env.to(gpu), kHop, kSr, p);
    EXPECT_TRUE(got.beats.is_cuda());
    EXPECT_EQ(got.bpm.cpu().to_vector(), want.bpm.to_vector());
    EXPECT_EQ(got.beats.cpu().to_vector_i32(), want.beats.to_vector_i32());
  }
  EXPECT_EQ(features::tempo(env.to(gpu)).cpu().to_vector(), features::tempo(env).to_vector());
  // Short and one-frame clips.
  for (int t : {1, 2, 31}) {
    Tensor e = test::random_tensor({2, t}, 5 + uint32_t(t), 0.f, 1.f);
    const features::BeatTrack want = features::beat_track(e);
    const features::BeatTrack got = features::beat_track(e.to(gpu));
    EXPECT_EQ(got.bpm.cpu().to_vector(), want.bpm.to_vector()) << t;
    EXPECT_EQ(got.beats.cpu().to_vector_i32(), want.beats.to_vector_i32()) << t;
  }
  // Beat-synchronous chroma with either tracker, and beat_sync on explicit beats.
  Tensor chroma = test::random_tensor({6, 12, frames}, 8, 0.f, 1.f);
  for (auto tracker : {features::BeatTracker::kDp, features::BeatTracker::kGrid}) {
    Tensor want = features::beat_sync_chroma(chroma, env, 30, kHop, kSr, tracker);
    Tensor got = features::beat_sync_chroma(chroma.to(gpu), env.to(gpu), 30, kHop, kSr, tracker);
    EXPECT_TRUE(got.is_cuda());
    EXPECT_TRUE(test::all_close(got.cpu(), want, 1e-5f, 1e-7f));
  }
  Tensor beats = Tensor::from_vector(std::vector<int32_t>{0, 5, 9, -1, 3, 2, 1, 1}, {2, 4});
  Tensor x = test::random_tensor({2, 3, 12}, 9);
  EXPECT_TRUE(test::all_close(features::beat_sync(x.to(gpu), beats.to(gpu), 5).cpu(),
                              features::beat_sync(x, beats, 5), 1e-5f, 1e-7f));
}

}  // namespace
}  // namespace mgr
