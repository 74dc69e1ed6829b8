// The pitch histogram (framework/features/pitch.h): against an independent numpy / scipy
// implementation of the same algorithm (tests/data/pitch/make_golden.py), on tones and chords
// whose answer is known from music theory, silence, level invariance, parameter errors, and the
// CUDA kernels against the CPU twin (skipped without a GPU).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "framework/features/fft_pass.h"
#include "framework/features/pipeline.h"
#include "framework/features/pitch.h"
#include "tests/golden.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

namespace pitch = kernels::pitch;
using features::FeaturePipeline;

const test::GoldenSet& goldens() {
  static const test::GoldenSet g(test::GoldenSet::DataDir{"pitch"});
  return g;
}

double midi_hz(int m) { return 440.0 * std::pow(2.0, (m - 69) / 12.0); }

// Harmonics 1..5 of f0 with amplitudes 1/h (the golden script's `harmonic`).
std::vector<float> harmonic(double f0, int64_t n, int sr, double amp = 0.3) {
  std::vector<float> x(size_t(n), 0.f);
  for (int h = 1; h <= 5; ++h) {
    if (h * f0 >= sr / 2.0) break;
    for (int64_t i = 0; i < n; ++i)
      x[size_t(i)] += float(amp / h * std::sin(2 * std::numbers::pi * h * f0 * i / sr + h));
  }
  return x;
}

std::vector<float> mix(std::vector<float> a, const std::vector<float>& b) {
  for (size_t i = 0; i < a.size(); ++i) a[i] += b[i];
  return a;
}

config::FeatureConfig pitch_config(const std::string& output = "summary") {
  config::FeatureConfig f;
  f.type = "pitch_histogram";
  f.pitch_histogram_output = output;
  return f;
}

// The clip vectors of one or more clips of equal length through the feature pipeline.
std::vector<float> features_of(const std::vector<std::vector<float>>& clips,
                               const config::FeatureConfig& f, int sr = 22050,
                               Device d = Device::cpu()) {
  std::vector<float> flat;
  for (const auto& c : clips) flat.insert(flat.end(), c.begin(), c.end());
  const Tensor audio =
      Tensor::from_vector(flat, {int64_t(clips.size()), int64_t(clips[0].size())}, d);
  FeaturePipeline p(f, sr, d);
  return p(audio).cpu().to_vector();
}

TEST(PitchHistogram, HighbandMatchesScipyLfilter) {
  const test::Golden audio = goldens().load("audio_chord");
  const test::Golden want = goldens().load("highband_chord");
  features::PitchParams p;
  const Tensor got = features::pitch_highband(test::as_batch(audio), p);
  std::vector<float> head = got.to_vector();
  head.resize(want.data.size());
  EXPECT_LE(test::max_abs_error(head, want.data), 1e-6 * test::max_abs(want.data));
}

// Every clip vector of make_golden.py: the integer features exactly, the amplitudes and both
// histograms to 1e-5 (float32 STFT and SACF here, float64 after the STFT there; 3e-8 reached).
TEST(PitchHistogram, MatchesTheNumpyReference) {
  const test::json& arrays = goldens().manifest().at("arrays");
  int cases = 0;
  for (auto it = arrays.begin(); it != arrays.end(); ++it) {
    if (it.value().at("kind") != "pitch_full") continue;
    SCOPED_TRACE(it.key());
    ++cases;
    const test::Golden want = goldens().load(it.key());
    const test::Golden audio = goldens().load(want.meta.at("audio"));
    const test::json& params = want.meta.at("params");
    const int sr = want.meta.at("sample_rate");
    config::FeatureConfig f = pitch_config("full");
    f.n_fft = params.at("n_fft");
    f.hop_length = params.at("hop_length");
    f.window = params.at("window");
    f.center = params.at("center");
    f.pad_mode = params.at("pad_mode");
    f.pitch_fmin = params.at("pitch_fmin");
    f.pitch_fmax = params.at("pitch_fmax");
    f.pitch_compression = params.at("pitch_compression");
    f.pitch_enhance = params.at("pitch_enhance");
    const std::vector<float> got = features_of({audio.data}, f, sr);
    ASSERT_EQ(got.size(), size_t(pitch::kFull));
    EXPECT_EQ(got[1], want.data[1]) << "UP0";
    EXPECT_EQ(got[2], want.data[2]) << "FP0";
    EXPECT_EQ(got[3], want.data[3]) << "IPO1";
    EXPECT_NEAR(got[0], want.data[0], 1e-5) << "FA0";
    EXPECT_NEAR(got[4], want.data[4], 1e-5 * want.data[4]) << "SU0";
    const double err = test::max_abs_error(got, want.data);
    RecordProperty("max_abs_error_" + it.key(), fmt::format("{:.3g}", err));
    EXPECT_LE(err, 1e-5 * std::max(1.0, double(want.data[4])));
  }
  EXPECT_EQ(cases, 5);
}

// A harmonic complex (and a sine) at MIDI note m: the unfolded peak is m, the folded peak its
// place on the circle of fifths, (7 (m mod 12)) mod 12.
TEST(PitchHistogram, ToneLandsOnItsNoteAndFifthsClass) {
  const int sr = 22050;
  for (int m : {40, 45, 52, 57, 62, 69, 76}) {
    SCOPED_TRACE("MIDI " + std::to_string(m));
    const std::vector<float> v = features_of({harmonic(midi_hz(m), sr, sr)}, pitch_config());
    EXPECT_EQ(v[1], float(m)) << "UP0";
    EXPECT_EQ(v[2], float(pitch::fifths_class(m))) << "FP0";
    EXPECT_GT(v[0], 0.3f) << "FA0";
    EXPECT_GT(v[4], 0.5f) << "SU0";
  }
  std::vector<float> sine(static_cast<size_t>(sr));
  for (int i = 0; i < sr; ++i)
    sine[size_t(i)] = 0.3f * float(std::sin(2 * std::numbers::pi * 440.0 * i / sr));
  const std::vector<float> v = features_of({sine}, pitch_config());
  EXPECT_EQ(v[1], 69.f);
  EXPECT_EQ(v[2], 3.f);
}

// Two notes sounding together: IPO1 is their distance on the circle of fifths. C4 + G4 (a fifth:
// +1) and C4 + E4 (a major third: +4). Both pairs also have a common period at C3 (2:3) and C2
// (4:5), which the folded histogram adds to C: C is FP0 and the other note comes second.
TEST(PitchHistogram, TwoNotesGiveTheirIntervalOnTheCircleOfFifths) {
  const int sr = 22050;
  const std::vector<float> c4 = harmonic(midi_hz(60), sr, sr);
  struct Case {
    int other, ipo1;
  };
  for (const Case& c : {Case{67, 1}, Case{64, 4}}) {
    SCOPED_TRACE("C4 + MIDI " + std::to_string(c.other));
    const std::vector<float> v =
        features_of({mix(c4, harmonic(midi_hz(c.other), sr, sr))}, pitch_config());
    EXPECT_EQ(v[2], 0.f) << "FP0 (C)";
    EXPECT_EQ(v[3], float(c.ipo1)) << "IPO1";
  }
}

TEST(PitchHistogram, SilenceGivesZerosAndDoesNotDisturbItsBatch) {
  const int sr = 22050;
  const std::vector<float> silence(size_t(sr), 0.f);
  const std::vector<float> tone = harmonic(midi_hz(57), sr, sr);
  const std::vector<float> both = features_of({silence, tone}, pitch_config("full"));
  ASSERT_EQ(both.size(), size_t(2 * pitch::kFull));
  for (int i = 0; i < pitch::kFull; ++i) EXPECT_EQ(both[size_t(i)], 0.f) << "column " << i;
  const std::vector<float> alone = features_of({tone}, pitch_config("full"));
  EXPECT_EQ(std::vector<float>(both.begin() + pitch::kFull, both.end()), alone);
}

// Each frame's SACF is divided by its lag-0 value: a quieter copy gives the same vector (up to
// float rounding; the high band's rectification is scale-free too).
TEST(PitchHistogram, IndependentOfLevel) {
  const int sr = 22050;
  std::vector<float> loud = mix(harmonic(midi_hz(62), sr, sr), harmonic(midi_hz(69), sr, sr));
  std::vector<float> quiet = loud;
  for (float& x : quiet) x *= 0.01f;
  const std::vector<float> a = features_of({loud}, pitch_config("full"));
  const std::vector<float> b = features_of({quiet}, pitch_config("full"));
  EXPECT_EQ(a[1], b[1]);
  EXPECT_EQ(a[2], b[2]);
  EXPECT_EQ(a[3], b[3]);
  EXPECT_LE(test::max_abs_error(b, a), 1e-4 * std::max(1.0, double(a[4])));
}

TEST(PitchHistogram, FullOutputHoldsNormalisedHistograms) {
  const int sr = 22050;
  const std::vector<float> v = features_of(
      {mix(harmonic(midi_hz(60), sr, sr), harmonic(midi_hz(64), sr, sr))}, pitch_config("full"));
  double folded = 0, unfolded = 0;
  for (int c = 0; c < pitch::kClasses; ++c) folded += v[size_t(pitch::kSummary + c)];
  for (int m = 0; m < pitch::kNotes; ++m) unfolded += v[size_t(pitch::kSummary + 12 + m)];
  EXPECT_NEAR(folded, 1.0, 1e-5);
  EXPECT_NEAR(unfolded, 1.0, 1e-5);
  EXPECT_FLOAT_EQ(v[0], v[size_t(pitch::kSummary) + size_t(v[2])]) << "FA0 = F[FP0] / SU0";
  const std::vector<float> s = features_of(
      {mix(harmonic(midi_hz(60), sr, sr), harmonic(midi_hz(64), sr, sr))}, pitch_config());
  EXPECT_EQ(s, std::vector<float>(v.begin(), v.begin() + pitch::kSummary));
}

TEST(PitchHistogram, ParameterErrorsNameTheKey) {
  auto fails = [](const features::PitchParams& p, const std::string& needle) {
    try {
      p.validate();
      ADD_FAILURE() << "expected an error mentioning " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  features::PitchParams p;
  p.n_fft = 512;  // ceil(22050 / 40) = 552 lags do not fit 256
  fails(p, "pitch_fmin");
  p = {};
  p.fmax = 20000;
  fails(p, "pitch_fmax");
  p = {};
  p.compression = 0;
  fails(p, "pitch_compression");
  p = {};
  p.sample_rate = 2000;
  fails(p, "sample_rate");
  config::FeatureConfig f = pitch_config("both");
  EXPECT_THROW(features::pitch_params_from(f, 22050), Error);
}

// The CUDA kernels against the CPU twin: the same shared arithmetic, but cuFFT vs FFTW and the
// device powf, so heights agree to float rounding; a near tie between the third and fourth peak
// of a frame could still pick a different peak, hence a tolerance on the histograms. Shapes: an
// odd length, one frame (a clip shorter than n_fft), several passes of clips, no centring.
TEST(PitchHistogramCuda, MatchesCpu) {
  MGR_REQUIRE_CUDA();
  const int sr = 22050;
  struct Case {
    int64_t clips, n;
    int n_fft, hop;
    bool center;
    bool enhance;
    double k;
  };
  for (const Case& c :
       {Case{3, 22051, 2048, 512, true, true, 0.67}, Case{2, 400, 2048, 512, true, false, 2.0},
        Case{5, 16001, 1024, 256, false, true, 1.0}}) {
    SCOPED_TRACE("clips " + std::to_string(c.clips) + " n " + std::to_string(c.n));
    std::vector<std::vector<float>> clips;
    for (int64_t b = 0; b < c.clips; ++b) {
      std::vector<float> x = mix(harmonic(midi_hz(45 + 7 * int(b)), c.n, sr),
                                 harmonic(midi_hz(64 + 2 * int(b)), c.n, sr, 0.2));
      const Tensor noise = test::random_tensor({c.n}, uint32_t(b + 1), -0.01f, 0.01f);
      x = mix(x, noise.to_vector());
      if (b == 1) std::fill(x.begin(), x.end(), 0.f);  // a silent clip in the batch
      clips.push_back(x);
    }
    config::FeatureConfig f = pitch_config("full");
    f.n_fft = c.n_fft;
    f.hop_length = c.hop;
    f.center = c.center;
    f.pitch_enhance = c.enhance;
    f.pitch_compression = c.k;
    f.pitch_fmin = c.n_fft == 1024 ? 50 : 40;
    const std::vector<float> cpu = features_of(clips, f, sr);
    for (int64_t pass : {int64_t(0), int64_t(1)}) {
      features::set_cuda_pass_frames(pass);  // 1: one clip per cuFFT pass
      const std::vector<float> gpu = features_of(clips, f, sr, Device::cuda(0));
      EXPECT_LE(test::max_abs_error(gpu, cpu), 1e-3);
      for (int64_t b = 0; b < c.clips; ++b)
        for (int i : {1, 2, 3})
          EXPECT_EQ(gpu[size_t(b * pitch::kFull + i)], cpu[size_t(b * pitch::kFull + i)]);
    }
    features::set_cuda_pass_frames(0);
    // The high band alone is bit-exact (the same double recursion).
    const Tensor audio = Tensor::from_vector(clips[0], {1, c.n});
    features::PitchParams p;
    EXPECT_EQ(features::pitch_highband(audio.to(Device::cuda(0)), p).cpu().to_vector(),
              features::pitch_highband(audio, p).to_vector());
  }
}

}  // namespace
}  // namespace mgr
