// Real music (GTZAN excerpts, tests/data/librosa/real_music/make_golden.py): librosa's
// estimate_tuning and chroma_stft(tuning=None) on stored power spectrograms of real clips (stage
// goldens, always run), the two config keys features.tuning and features.mfcc_ref, and an
// end-to-end golden per genre (our pipeline from the decoded excerpt against librosa from the
// same samples; skips unless $MGR_GTZAN_DEV names a copy of the gtzan-dev excerpts). Tolerances
// are docs/features.md's end-to-end figures.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "framework/config/yaml_config.h"
#include "framework/data/audio_io.h"
#include "framework/experiment/load.h"
#include "framework/features/chroma.h"
#include "framework/features/pipeline.h"
#include "framework/features/spectral.h"
#include "framework/features/stft.h"
#include "tests/golden.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

using features::ChromaParams;
using test::as_batch;
using test::Golden;
using test::json;

const test::GoldenSet kGolden("real_music");

std::vector<std::string> genres() {
  std::vector<std::string> g;
  for (const auto& [name, clip] : kGolden.manifest().at("clips").items()) g.push_back(name);
  return g;
}

TEST(RealMusicTuning, EstimateAndChromaMatchLibrosa) {
  ASSERT_FALSE(genres().empty());
  for (const std::string& g : genres()) {
    SCOPED_TRACE(g);
    const Tensor power = as_batch(kGolden.load("tune_" + g + "_power"));  // [1, 1025, 40]
    const ChromaParams p;
    const Tensor bins = features::estimate_tuning_bins(power, p);
    const double want = kGolden.manifest().at("clips").at(g).at("tune_crop_tuning");
    EXPECT_EQ(features::tuning_of_bin(bins.to_vector_i32()[0]), want);  // bit for bit
    const Golden ref = kGolden.load("tune_" + g + "_chroma");
    const Tensor c = features::chroma_from_power(power, p, bins);
    EXPECT_LE(test::max_abs_error(c.to_vector(), ref.data), 2e-6);
  }
}

TEST(RealMusicTuning, SilenceAndBinsOfTheHistogram) {
  // No peaks: librosa returns 0.0 (bin 50).
  const Tensor zero = Tensor::zeros({2, 1025, 5});
  const std::vector<int32_t> b =
      features::estimate_tuning_bins(zero, ChromaParams{}).to_vector_i32();
  EXPECT_EQ(b, (std::vector<int32_t>{50, 50}));
  EXPECT_EQ(features::tuning_of_bin(50), 0.0);
  EXPECT_EQ(features::tuning_of_bin(0), -0.5);
  EXPECT_EQ(features::tuning_of_bin(92), 0.42000000000000004);  // np.linspace's value
  EXPECT_THROW(features::tuning_of_bin(100), Error);
}

// A batch of both real crops, a silent clip and a random one: the same bins and chroma on the GPU.
TEST(RealMusicTuningCuda, MatchesCpu) {
  MGR_REQUIRE_CUDA();
  std::vector<float> all;
  for (const std::string& g : genres()) {
    const Golden p = kGolden.load("tune_" + g + "_power");
    all.insert(all.end(), p.data.begin(), p.data.end());
  }
  all.resize(all.size() + 1025 * 40, 0.f);
  uint32_t state = 12345;
  for (int i = 0; i < 1025 * 40; ++i) {
    state = state * 1664525u + 1013904223u;
    const float u = float(state >> 8) / float(1 << 24);
    all.push_back(u * u * u * u * 10.f);
  }
  const int64_t B = int64_t(all.size()) / (1025 * 40);
  const Tensor power = Tensor::from_vector(all, {B, 1025, 40});
  for (int n_chroma : {12, 24}) {
    ChromaParams p;
    p.n_chroma = n_chroma;
    const Tensor bins = features::estimate_tuning_bins(power, p);
    const Tensor bins_d = features::estimate_tuning_bins(power.to(Device::cuda(0)), p);
    EXPECT_EQ(bins_d.cpu().to_vector_i32(), bins.to_vector_i32());
    const Tensor c = features::chroma_from_power(power, p, bins);
    const Tensor cd = features::chroma_from_power(power.to(Device::cuda(0)), p, bins_d);
    EXPECT_LE(test::max_abs_error(cd.cpu().to_vector(), c.to_vector()), 1e-5);
  }
}

TEST(RealMusicConfig, TuningAndMfccRefKeys) {
  const config::ExperimentConfig d;
  EXPECT_EQ(d.features.tuning, "0");
  EXPECT_EQ(d.features.mfcc_ref, "max");
  for (const std::string ok : {"auto", "0.1", "-0.25", "1", "0"}) {
    EXPECT_EQ(experiment::parse("", "x.yaml", {"features.tuning=" + ok}).cfg.features.tuning, ok);
  }
  for (const std::string bad : {"automatic", "1.5", "0.1x", "nan", ""}) {
    EXPECT_THROW(experiment::parse("", "x.yaml", {"features.tuning=" + bad}), Error) << bad;
  }
  EXPECT_EQ(experiment::parse("", "x.yaml", {"features.mfcc_ref=one"}).cfg.features.mfcc_ref,
            "one");
  EXPECT_THROW(experiment::parse("", "x.yaml", {"features.mfcc_ref=mean"}), Error);
}

// ---- end to end -------------------------------------------------------------------------------

// The excerpts are found only through $MGR_GTZAN_DEV (a copy of the 60 blues and jazz excerpts of
// gtzan-dev, <dir>/<genre>/<genre>.NNNNN.ogg); empty when unset. No default path: the repository
// points nowhere outside itself (.ci/run sets the variable where the machine has a copy).
std::string data_root() {
  const char* env = std::getenv("MGR_GTZAN_DEV");
  return env ? env : "";
}

// Largest |a - b| over the stored frames (every 8th) of our [D, T] against librosa's [D, T/8].
double f8_error(const std::vector<float>& ours, int64_t rows, int64_t frames, const Golden& ref,
                double* ref_max = nullptr) {
  const int64_t kept = ref.shape[1];
  EXPECT_EQ(ref.shape[0], rows);
  EXPECT_EQ(kept, (frames + 7) / 8);
  double worst = 0, m = 0;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < kept; ++j) {
      const double a = ours[r * frames + j * 8], b = ref.data[r * kept + j];
      worst = std::max(worst, std::abs(a - b));
      m = std::max(m, std::abs(b));
    }
  }
  if (ref_max) *ref_max = m;
  return worst;
}

class RealMusicEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    if (data_root().empty())
      GTEST_SKIP() << "set MGR_GTZAN_DEV to a copy of the gtzan-dev excerpts";
    if (!std::filesystem::is_directory(data_root()))
      GTEST_SKIP() << "MGR_GTZAN_DEV=" << data_root()
                   << " is not a folder: set MGR_GTZAN_DEV to a copy of the gtzan-dev excerpts";
  }

  // The clip librosa saw: decoded by our loader, first 661,500 samples; the sums must agree.
  static Tensor clip(const json& meta) {
    std::vector<float> y =
        data::load_audio(data_root() + "/" + meta.at("file").get<std::string>(), 22050);
    const int64_t n = meta.at("samples");
    EXPECT_GE(int64_t(y.size()), n);
    y.resize(size_t(n));
    double sum = 0, sumsq = 0;
    for (float v : y) sum += v, sumsq += double(v) * v;
    EXPECT_NEAR(sum, meta.at("sum").get<double>(), 1e-6 * std::abs(meta.at("sumsq").get<double>()));
    EXPECT_NEAR(sumsq, meta.at("sumsq").get<double>(), 1e-6 * meta.at("sumsq").get<double>());
    return Tensor::from_vector(y, {1, n});
  }

  static Tensor run(const Tensor& audio, const std::vector<std::string>& overrides) {
    const config::ExperimentConfig c = experiment::parse("", "x.yaml", overrides);
    features::FeaturePipeline pipe(c.features, 22050, Device::cpu());
    return pipe(audio);
  }
};

TEST_F(RealMusicEndToEnd, EveryFeatureWithinTheDocumentedFigures) {
  for (const std::string& g : genres()) {
    SCOPED_TRACE(g);
    const json& meta = kGolden.manifest().at("clips").at(g);
    const Tensor y = clip(meta);
    const std::string e = "e2e_" + g + "_";
    // Chroma with librosa's default tuning=None: the same estimate, then values as the stage.
    {
      const Tensor power = features::StftExtractor(features::StftParams{}, Device::cpu())(
          y, features::StftOutput::Power);
      const int bin = features::estimate_tuning_bins(power, ChromaParams{}).to_vector_i32()[0];
      EXPECT_EQ(features::tuning_of_bin(bin), meta.at("tuning").get<double>());
      const Tensor c = run(y, {"features.type=chroma", "features.tuning=auto"});
      EXPECT_LE(f8_error(c.to_vector(), 12, c.dim(3), kGolden.load(e + "chroma_auto_f8")), 1e-5);
      const Tensor c0 = run(y, {"features.type=chroma"});
      EXPECT_LE(f8_error(c0.to_vector(), 12, c0.dim(3), kGolden.load(e + "chroma_t0_f8")), 1e-5);
    }
    // log-mel (ref max) and MFCC with either reference, delta order 1.
    const Tensor lm = run(y, {"features.type=log_mel"});
    EXPECT_LE(f8_error(lm.to_vector(), 128, lm.dim(3), kGolden.load(e + "log_mel_f8")), 2e-3);
    const Tensor m1 = run(y, {"features.type=mfcc", "features.mfcc_ref=one"});
    double m1_max = 0;
    const double m1_err =
        f8_error(m1.to_vector(), 20, m1.dim(3), kGolden.load(e + "mfcc_one_f8"), &m1_max);
    EXPECT_LE(m1_err, 1e-5 * m1_max);
    const Tensor mm = run(y, {"features.type=mfcc", "features.deltas=1"});  // [1, 2, 20, T]
    const std::vector<float> v = mm.to_vector();
    const int64_t T = mm.dim(3);
    const std::vector<float> c0(v.begin(), v.begin() + 20 * T), d1(v.begin() + 20 * T, v.end());
    double mm_max = 0, d_max = 0;
    const double mm_err = f8_error(c0, 20, T, kGolden.load(e + "mfcc_max_f8"), &mm_max);
    EXPECT_LE(mm_err, 1e-5 * mm_max);
    const double d_err = f8_error(d1, 20, T, kGolden.load(e + "delta1_f8"), &d_max);
    EXPECT_LE(d_err, 1e-5 * d_max);
    // The two references differ only in c0 (by sqrt(128) * the clip's peak in dB).
    const std::vector<float> one = m1.to_vector();
    for (int64_t k = 1; k < 20; ++k)
      for (int64_t t = 0; t < T; t += 97)
        EXPECT_NEAR(one[k * T + t], c0[k * T + t], 1e-3 + 1e-5 * mm_max) << k << " " << t;
    // Spectral descriptors per frame.
    const Tensor mag = features::StftExtractor(features::StftParams{}, Device::cpu())(
        y, features::StftOutput::Magnitude);
    const Tensor f = features::concat(
        {features::spectral_centroid(mag, 22050, 2048),
         features::spectral_bandwidth(mag, 22050, 2048),
         features::spectral_rolloff(mag, 22050, 2048, 0.85), features::spectral_flatness(mag)},
        1);
    const Golden sref = kGolden.load(e + "spectral_f8");
    const std::vector<float> fv = f.to_vector();
    const int64_t kept = sref.shape[1];
    const double rel_tol[4] = {1e-4, 1e-4, 0, 5e-3};  // rolloff: at most one bin (10.8 Hz)
    for (int r = 0; r < 4; ++r) {
      double worst = 0;
      for (int64_t j = 0; j < kept; ++j) {
        const double a = fv[r * T + j * 8], b = sref.data[r * kept + j];
        worst = std::max(worst, r == 2 ? std::abs(a - b) / 10.8 : std::abs(a - b) / std::abs(b));
      }
      EXPECT_LE(worst, r == 2 ? 1.0 + 1e-6 : rel_tol[r]) << "descriptor " << r;
    }
  }
}

}  // namespace
}  // namespace mgr
