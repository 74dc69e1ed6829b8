// train.augment: the list read from YAML (types, keys, ranges, located errors, the rules with
// features.mode and features.type, --set, the resolved config), each transform's CPU function
// against a direct reference, the CUDA kernels against their CPU twins (skipped without a GPU),
// the draws (new every batch, the same for the same seed, restored from the generator's state),
// mixup's loss, validation untouched, and a stopped run with augmentation resumed to the
// uninterrupted one's weights.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "framework/config/augment_types.h"
#include "framework/config/field_table.h"
#include "framework/engine/classifier_task.h"
#include "framework/engine/run_setup.h"
#include "framework/engine/trainer.h"
#include "framework/experiment/load.h"
#include "framework/features/augment.h"
#include "framework/graph/graph_model.h"
#include "framework/graph/model_check.h"
#include "framework/graph/resolved_config.h"
#include "framework/ops/loss.h"
#include "framework/store/feature_table.h"
#include "tests/temp_dir.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

config::ExperimentConfig parse(const std::string& yaml, const std::vector<std::string>& sets = {}) {
  return experiment::parse(yaml, "aug.yaml", sets).cfg;
}

const std::string kOnTheFly = "features: {mode: on_the_fly}\n";

// ---- the list in YAML

TEST(AugmentConfig, ReadsTheListWithDefaultsFilledIn) {
  const config::ExperimentConfig c = parse(kOnTheFly + R"(train:
  augment:
    - {type: freq_mask, p: 1.0, max_width: 8, count: 2}
    - {type: time_mask, max_width: 20, count: 2}
    - {type: mixup, p: 0.5, alpha: 0.4}
    - {type: gain, p: 0.5, min_db: -6, max_db: 6}
    - {type: polarity}
    - {type: time_shift, max_seconds: 0.25, mode: zero}
    - {type: noise, min_snr_db: 20, max_snr_db: 20}
)");
  const auto& a = c.train.augment;
  ASSERT_EQ(a.size(), 7u);
  EXPECT_EQ(a[0].type, "freq_mask");
  EXPECT_EQ(a[0].p, 1.0);
  EXPECT_EQ(a[0].keys, (std::vector<std::pair<std::string, std::string>>{
                           {"count", "2"}, {"max_width", "8"}, {"fill", "0"}}));
  EXPECT_EQ(a[0].where, "aug.yaml:4:7");
  EXPECT_EQ(a[1].p, 1.0);  // the type's default
  EXPECT_EQ(a[2].number("alpha"), 0.4);
  EXPECT_EQ(a[3].number("min_db"), -6);
  EXPECT_EQ(a[4].p, 0.5);  // polarity's default
  EXPECT_TRUE(a[4].keys.empty());
  EXPECT_EQ(a[5].text("mode"), "zero");
  EXPECT_EQ(a[6].number("max_snr_db"), 20);
  // No list: no augmentation.
  EXPECT_TRUE(parse("train: {epochs: 2}\n").train.augment.empty());
  EXPECT_TRUE(parse("train: {augment: []}\n").train.augment.empty());
}

TEST(AugmentConfig, UnknownTypesKeysAndBadValuesAreLocatedWithASuggestion) {
  const std::string e = test::error_of([] {
    parse(kOnTheFly + R"(train:
  augment:
    - {type: freq_msk, max_width: 8}
    - {type: time_mask, max_widht: 20}
    - {type: time_mask, p: 1.5}
    - {type: freq_mask, count: 0}
    - {type: freq_mask, max_width: 2.5}
    - {type: gain, min_db: 6, max_db: -6}
    - {type: time_shift, mode: wrap}
    - {p: 0.5}
    - polarity
    - {type: mixup, alpha: [1, 2]}
)");
  });
  EXPECT_THAT(e, HasSubstr("aug.yaml:4:14: train.augment[0]: unknown transform type 'freq_msk' "
                           "(did you mean 'freq_mask'?)"));
  EXPECT_THAT(e, HasSubstr("aug.yaml:5:25: train.augment[1] (time_mask): unknown key "
                           "'max_widht' (did you mean 'max_width'?); its keys are type, p, "
                           "count, max_width, fill"));
  EXPECT_THAT(e, HasSubstr("aug.yaml:6:25: train.augment[2].p: expected a number in [0, 1], "
                           "got \"1.5\""));
  EXPECT_THAT(e, HasSubstr("aug.yaml:7:25: train.augment[3].count: expected an integer in "
                           "[1, 64], got \"0\""));
  EXPECT_THAT(e, HasSubstr("aug.yaml:8:25: train.augment[4].max_width: expected an integer"));
  EXPECT_THAT(e, HasSubstr("aug.yaml:9:7: train.augment[5] (gain): min_db (6) must not exceed "
                           "max_db (-6)"));
  EXPECT_THAT(e, HasSubstr("aug.yaml:10:26: train.augment[6].mode: expected one of circular, "
                           "zero, got \"wrap\""));
  EXPECT_THAT(e, HasSubstr("aug.yaml:11:7: train.augment[7]: every transform needs a type"));
  EXPECT_THAT(e, HasSubstr("aug.yaml:12:7: train.augment[8]: expected a mapping"));
  EXPECT_THAT(e, HasSubstr("aug.yaml:13:21: train.augment[9].alpha: expected a single value"));
  EXPECT_THAT(test::error_of([] { parse("train: {augment: {type: gain}}\n"); }),
              HasSubstr("aug.yaml:1:18: train.augment: expected a list of transforms"));
  EXPECT_THAT(test::error_of([] { parse("train: {augmnet: []}\n"); }),
              HasSubstr("unknown key 'train.augmnet' (did you mean 'augment'?)"));
}

TEST(AugmentConfig, AudioTransformsNeedOnTheFlyAndMasksNeedTimeFrequencyFeatures) {
  EXPECT_THAT(test::error_of([] { parse("train:\n  augment:\n    - {type: gain}\n"); }),
              HasSubstr("aug.yaml:3:7: train.augment[0] (gain): acts on the audio before the "
                        "features, which needs features.mode on_the_fly (features.mode is "
                        "precomputed"));
  EXPECT_NO_THROW(parse(kOnTheFly + "train:\n  augment:\n    - {type: gain}\n"));
  const std::string vectors = R"(features: {type: spectral}
model:
  layers:
    - {name: out, type: dense, units: num_classes}
train:
  augment:
    - {type: time_mask}
    - {type: mixup}
)";
  const std::string e = test::error_of([&] { parse(vectors); });
  EXPECT_THAT(e, HasSubstr("aug.yaml:7:7: train.augment[0] (time_mask): masks bands or frames "
                           "of time-frequency features [C, D, T]; features.type spectral gives "
                           "clip-level vectors [D]"));
  EXPECT_THAT(e, Not(HasSubstr("train.augment[1]")));  // mixup mixes any features
  EXPECT_THAT(test::error_of([] {
                parse(
                    "model: {type: knn}\nfeatures: {type: spectral}\ntrain:\n  augment:\n"
                    "    - {type: mixup}\n");
              }),
              HasSubstr("knn has no training batches to augment"));
}

TEST(AugmentConfig, RoundTripsThroughTheResolvedConfig) {
  const config::ExperimentConfig c = parse(kOnTheFly + R"(train:
  augment:
    - {type: time_mask, count: 2, max_width: 20}
    - {type: mixup, p: 0.5, alpha: 0.2}
    - {type: noise, p: 0.25, min_snr_db: 5, max_snr_db: 15.5}
    - {type: time_shift, mode: zero, max_seconds: 0.125}
)");
  const std::string text = graph::to_yaml(c);
  EXPECT_THAT(text, HasSubstr("    - {type: time_mask, p: 1, count: 2, max_width: 20, fill: 0}\n"));
  EXPECT_THAT(text, HasSubstr("    - {type: noise, p: 0.25, min_snr_db: 5, max_snr_db: 15.5}\n"));
  const config::ExperimentConfig back = parse(text);
  EXPECT_TRUE(graph::configs_equal(back, c)) << text;
  EXPECT_EQ(graph::to_yaml(back), text);
  // The default writes an empty list, which reads back to none.
  const std::string plain = graph::to_yaml(config::ExperimentConfig{});
  EXPECT_THAT(plain, HasSubstr("  augment: []"));
  EXPECT_TRUE(parse(plain).train.augment.empty());
  config::ExperimentConfig other = c;
  other.train.augment[1].p = 0.75;
  EXPECT_EQ(graph::differing_keys(c, other), std::vector<std::string>{"train.augment"});
}

TEST(AugmentConfig, SetOverridesOneKeyOrTheWholeList) {
  const std::string yaml = R"(train:
  augment:
    - {type: time_mask, count: 2}
    - {type: freq_mask}
    - {type: freq_mask}
)";
  config::ExperimentConfig c =
      parse(yaml, {"train.augment.time_mask.count=3", "train.augment.1.p=0.5"});
  EXPECT_EQ(c.train.augment[0].number("count"), 3);
  EXPECT_EQ(c.train.augment[1].p, 0.5);
  c = parse(yaml, {"train.augment=[{type: mixup, alpha: 1}]"});
  ASSERT_EQ(c.train.augment.size(), 1u);
  EXPECT_EQ(c.train.augment[0].number("alpha"), 1);
  EXPECT_THAT(test::error_of([&] { parse(yaml, {"train.augment.freq_mask.count=2"}); }),
              HasSubstr("train.augment has 2 transforms of type 'freq_mask'; name one by its "
                        "index"));
  EXPECT_THAT(test::error_of([&] { parse(yaml, {"train.augment.time_msk.count=2"}); }),
              HasSubstr("--set train.augment.time_msk.count=2: train.augment has no transform "
                        "of type 'time_msk' (did you mean 'time_mask'?)"));
  EXPECT_THAT(test::error_of([&] { parse(yaml, {"train.augment.0.count=100"}); }),
              HasSubstr("--set train.augment.0.count=100: train.augment[0].count: expected an "
                        "integer in [1, 64]"));
  EXPECT_THAT(test::error_of([&] { parse(yaml, {"train.augment.7.count=1"}); }),
              HasSubstr("train.augment has 3 entries; no entry 7"));
}

TEST(AugmentConfig, EveryTypeIsDocumented) {
  const std::string md = config::augment_types_markdown();
  for (const config::AugmentType& t : config::augment_types()) {
    EXPECT_THAT(md, HasSubstr("| `" + t.name + "` |"));
    for (const config::AugmentKey& k : t.keys) {
      std::string canonical;
      EXPECT_FALSE(config::check_augment_value(k, k.def, canonical)) << t.name << "." << k.name;
      EXPECT_EQ(canonical, k.def);
    }
  }
}

// ---- the transforms with given parameters, CPU against a direct reference

TEST(AugmentTransforms, MasksSetExactlyTheGivenBandsOrFramesInEveryChannel) {
  const Tensor x0 = test::random_tensor({2, 2, 6, 5}, 3);
  for (int axis : {2, 3}) {
    Tensor x = x0.clone();
    // row 0: [1, 3) and [4, 5); row 1: one empty mask and [0, 2).
    const std::vector<int32_t> start = {1, 4, 3, 0}, width = {2, 1, 0, 2};
    features::mask_(x, axis, start, width, 2, -7.f);
    const std::vector<float> got = x.to_vector(), before = x0.to_vector();
    for (int b = 0; b < 2; ++b)
      for (int c = 0; c < 2; ++c)
        for (int d = 0; d < 6; ++d)
          for (int t = 0; t < 5; ++t) {
            const int pos = axis == 2 ? d : t;
            const bool masked = b == 0 ? (pos >= 1 && pos < 3) || pos == 4 : pos < 2;
            const size_t i = size_t(((b * 2 + c) * 6 + d) * 5 + t);
            EXPECT_EQ(got[i], masked ? -7.f : before[i]) << axis << " " << b << c << d << t;
          }
  }
  Tensor v = test::random_tensor({2, 6}, 1);
  EXPECT_THAT(test::error_of([&] {
                features::mask_(v, 2, {0, 0}, {1, 1}, 1, 0.f);
              }),
              HasSubstr("[B, C, D, T] expected"));
}

TEST(AugmentTransforms, MixRowsIsTheConvexCombinationWithThePartner) {
  const Tensor x = test::random_tensor({3, 2, 4}, 5);
  const Tensor y = features::mix_rows(x, {2, 0, 1}, 0.25f);
  const std::vector<float> a = x.to_vector(), m = y.to_vector();
  const int partner[3] = {2, 0, 1};
  for (int b = 0; b < 3; ++b)
    for (int i = 0; i < 8; ++i)
      EXPECT_EQ(m[size_t(b * 8 + i)],
                0.25f * a[size_t(b * 8 + i)] + 0.75f * a[size_t(partner[b] * 8 + i)]);
}

TEST(AugmentTransforms, ScaleShiftAndNoiseOnAudioRows) {
  const Tensor x0 = test::random_tensor({3, 7}, 9);
  const std::vector<float> a = x0.to_vector();
  Tensor x = x0.clone();
  features::scale_rows_(x, {2.f, -1.f, 1.f});
  std::vector<float> v = x.to_vector();
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(v[size_t(i)], 2.f * a[size_t(i)]);
    EXPECT_EQ(v[size_t(7 + i)], -a[size_t(7 + i)]);
    EXPECT_EQ(v[size_t(14 + i)], a[size_t(14 + i)]);
  }
  for (bool circular : {true, false}) {
    x = x0.clone();
    const std::vector<int32_t> shift = {2, -3, 0};
    features::shift_rows_(x, shift, circular);
    v = x.to_vector();
    for (int b = 0; b < 3; ++b)
      for (int i = 0; i < 7; ++i) {
        int j = i - shift[size_t(b)];
        float want;
        if (circular)
          want = a[size_t(b * 7 + ((j % 7) + 7) % 7)];
        else
          want = j >= 0 && j < 7 ? a[size_t(b * 7 + j)] : 0.f;
        EXPECT_EQ(v[size_t(b * 7 + i)], want) << circular << " " << b << " " << i;
      }
  }
  // Noise at 20 dB: standard deviation rms / 10, mean 0; a NaN row untouched; the same key the
  // same noise, another key other noise.
  const int64_t S = 20000;
  const Tensor tone = test::random_tensor({2, S}, 4, -0.5f, 0.5f);
  Tensor n1 = tone.clone(), n2 = tone.clone(), n3 = tone.clone();
  const float nan = std::nanf("");
  features::add_noise_(n1, {20.f, nan}, 77);
  features::add_noise_(n2, {20.f, nan}, 77);
  features::add_noise_(n3, {20.f, nan}, 78);
  EXPECT_EQ(n1.to_vector(), n2.to_vector());
  EXPECT_NE(n1.to_vector(), n3.to_vector());
  const std::vector<float> t = tone.to_vector(), n = n1.to_vector();
  double ss = 0, dn = 0, dn2 = 0;
  for (int64_t i = 0; i < S; ++i) {
    ss += double(t[size_t(i)]) * t[size_t(i)];
    const double d = double(n[size_t(i)]) - t[size_t(i)];
    dn += d, dn2 += d * d;
    EXPECT_EQ(n[size_t(S + i)], t[size_t(S + i)]);
  }
  const double sigma = std::sqrt(ss / S) / 10;
  EXPECT_NEAR(std::sqrt(dn2 / S), sigma, 0.03 * sigma);
  EXPECT_NEAR(dn / S, 0.0, 4 * sigma / std::sqrt(double(S)));
}

// speed: a sine read at rate r is the sine of r times its frequency, to within the
// interpolation's error; a rate of 1 copies; a tone above the sped-up row's Nyquist frequency is
// filtered out rather than folded back.
TEST(AugmentKernels, ResampleReadsASineAtItsRateAndFiltersWhatWouldAlias) {
  const int64_t S = 2000;
  const double pi = 3.14159265358979323846;
  const std::vector<float> rates = {0.9f, 1.f, 1.13f, 1.8f};
  const float max_rate = 1.8f;
  const int64_t pad = features::resample_pad(max_rate), W = features::resample_window(S, max_rate);
  EXPECT_GE(pad, 17);
  // Rows 0-3: a tone at 0.05 of the sample rate; rows 4-7: the same rates on a tone at 0.35,
  // which rate 1.8 would move to 0.63 (above 0.5): it must be filtered out there.
  auto window = [&](double f) {
    std::vector<float> w(size_t(4 * W));
    for (int64_t r = 0; r < 4; ++r)
      for (int64_t j = 0; j < W; ++j)
        w[size_t(r * W + j)] = float(std::sin(2 * pi * f * double(j - pad) + 0.3));
    return Tensor::from_vector(w, {4, W});
  };
  const std::vector<float> low = features::resample_rows(window(0.05), pad, rates, S).to_vector();
  const Tensor high_in = window(0.35);
  const std::vector<float> high = features::resample_rows(high_in, pad, rates, S).to_vector();
  const std::vector<float> raw = high_in.to_vector();
  for (int64_t r = 0; r < 4; ++r) {
    double worst = 0, energy = 0;
    for (int64_t i = 0; i < S; ++i) {
      const double want = std::sin(2 * pi * 0.05 * double(rates[size_t(r)]) * double(i) + 0.3);
      worst = std::max(worst, std::abs(double(low[size_t(r * S + i)]) - want));
      energy += double(high[size_t(r * S + i)]) * high[size_t(r * S + i)];
      if (rates[size_t(r)] == 1.f) {
        EXPECT_EQ(low[size_t(r * S + i)],
                  float(std::sin(2 * pi * 0.05 * double(i) + 0.3)));  // copied
        EXPECT_EQ(high[size_t(r * S + i)], raw[size_t(r * W + pad + i)]);
      }
    }
    EXPECT_LT(worst, 2e-3) << "rate " << rates[size_t(r)];
    const double rms = std::sqrt(energy / double(S));
    if (rates[size_t(r)] == 1.8f)
      EXPECT_LT(rms, 0.03) << "an aliased tone left at rms " << rms;
    else
      EXPECT_GT(rms, 0.6) << "rate " << rates[size_t(r)] << " lost a tone it can carry";
  }
  EXPECT_THAT(test::error_of([&] { features::resample_rows(window(0.05), pad, rates, W); }),
              HasSubstr("need more than"));
}

// ---- the draws

std::vector<config::AugmentSpec> specs(const std::string& list) {
  return parse(kOnTheFly + "train:\n  augment:\n" + list).train.augment;
}

TEST(AugmentDraws, NewEveryBatchTheSameForTheSameSeedAndRestoredFromTheState) {
  const auto list = specs(R"(    - {type: freq_mask, count: 2, max_width: 3}
    - {type: time_mask, count: 1, max_width: 4, fill: -1}
    - {type: mixup, alpha: 0.4}
)");
  const Tensor x = test::random_tensor({4, 1, 8, 10}, 2);
  features::Augmenter a(list, 11, 22050), b(list, 11, 22050), c(list, 12, 22050);
  features::MixInfo ma, mb, mc;
  const std::vector<float> a1 = a.features(x.clone(), ma).to_vector();
  const std::vector<float> b1 = b.features(x.clone(), mb).to_vector();
  const std::vector<float> c1 = c.features(x.clone(), mc).to_vector();
  EXPECT_EQ(a1, b1);
  EXPECT_EQ(ma.lambda, mb.lambda);
  EXPECT_EQ(ma.partner, mb.partner);
  EXPECT_NE(a1, c1);
  ASSERT_TRUE(ma.on);
  EXPECT_GT(ma.lambda, 0.f);
  EXPECT_LT(ma.lambda, 1.f);
  std::vector<int32_t> sorted = ma.partner;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int32_t>{0, 1, 2, 3}));
  // The next batch (the next epoch's) draws anew; a generator restored from the state saved
  // before it draws the same.
  const std::string state = a.state();
  const std::vector<float> a2 = a.features(x.clone(), ma).to_vector();
  EXPECT_NE(a1, a2);
  features::Augmenter r(list, 999, 22050);
  r.restore(state);
  features::MixInfo mr;
  EXPECT_EQ(r.features(x.clone(), mr).to_vector(), a2);

  // Masks alone: every masked cell of a row lies in at most `count` runs of at most max_width
  // bands, the same in every channel.
  const auto masks = specs("    - {type: freq_mask, count: 2, max_width: 3, fill: 100}\n");
  features::Augmenter m(masks, 5, 22050);
  features::MixInfo none;
  const Tensor x2 = test::random_tensor({6, 2, 12, 3}, 7);
  const std::vector<float> v = m.features(x2.clone(), none).to_vector();
  EXPECT_FALSE(none.on);
  int masked_rows = 0;
  for (int row = 0; row < 6; ++row) {
    int masked = 0;
    for (int d = 0; d < 12; ++d) {
      const bool cell = v[size_t(((row * 2 + 0) * 12 + d) * 3)] == 100.f;
      for (int ch = 0; ch < 2; ++ch)
        for (int t = 0; t < 3; ++t)
          EXPECT_EQ(v[size_t(((row * 2 + ch) * 12 + d) * 3 + t)] == 100.f, cell);
      masked += cell;
    }
    EXPECT_LE(masked, 6);
    masked_rows += masked > 0;
  }
  EXPECT_GT(masked_rows, 0);
}

TEST(AugmentDraws, AudioTransformsFollowTheirProbability) {
  const Tensor x = test::random_tensor({64, 100}, 3);
  features::Augmenter never(specs("    - {type: polarity, p: 0}\n    - {type: gain, p: 0}\n"), 1,
                            100);
  Tensor y = x.clone();
  never.audio_(y);
  EXPECT_EQ(y.to_vector(), x.to_vector());
  features::Augmenter half(specs("    - {type: polarity, p: 0.5}\n"), 1, 100);
  y = x.clone();
  half.audio_(y);
  const std::vector<float> a = x.to_vector(), b = y.to_vector();
  int flipped = 0;
  for (int r = 0; r < 64; ++r) {
    const bool f = b[size_t(r * 100)] == -a[size_t(r * 100)];
    for (int i = 0; i < 100; ++i)
      EXPECT_EQ(b[size_t(r * 100 + i)], f ? -a[size_t(r * 100 + i)] : a[size_t(r * 100 + i)]);
    flipped += f;
  }
  EXPECT_GT(flipped, 16);
  EXPECT_LT(flipped, 48);
}

TEST(AugmentDraws, CropAndSpeedPlaceEveryReadInsideItsTrack) {
  const int64_t S = 1000;
  const std::vector<int64_t> length = {1000, 5000, 30000, 1200, 900};
  const std::vector<int64_t> cut = {0, 4000, 12000, 200, 0};  // the last track is too short
  features::Augmenter both(specs("    - {type: speed, min_rate: 0.8, max_rate: 1.25}\n"
                                 "    - {type: crop}\n"),
                           7, 8000);
  std::set<int64_t> offsets_of_track2;
  for (int call = 0; call < 50; ++call) {
    const features::ClipPlacement pl = both.place(length, cut, S);
    ASSERT_EQ(pl.offset.size(), 5u);
    for (size_t b = 0; b < 5; ++b) {
      EXPECT_GE(pl.rate[b], 0.8f);
      EXPECT_LE(pl.rate[b], 1.25f);
      const int64_t read = int64_t(std::ceil(double(S - 1) * pl.rate[b])) + 1;
      EXPECT_GE(pl.offset[b], 0);
      if (read <= length[b])
        EXPECT_LE(pl.offset[b] + read, length[b]) << b;
      else
        EXPECT_EQ(pl.offset[b], 0) << b;
    }
    offsets_of_track2.insert(pl.offset[2]);
  }
  EXPECT_GT(offsets_of_track2.size(), 45u);  // a new place nearly every time
  // Crop alone reads at rate 1; speed alone keeps each clip where it was cut unless its read
  // would leave the track; p 0 places nothing.
  features::Augmenter crop(specs("    - {type: crop}\n"), 7, 8000);
  features::ClipPlacement pl = crop.place(length, cut, S);
  EXPECT_FALSE(pl.resamples());
  features::Augmenter speed(specs("    - {type: speed, min_rate: 1.1, max_rate: 1.2}\n"), 7, 8000);
  pl = speed.place(length, cut, S);
  EXPECT_TRUE(pl.resamples());
  EXPECT_EQ(pl.offset[2], 12000);
  EXPECT_LT(pl.offset[1], 4000);  // 4000 + 1.1 * 1000 > 5000: moved earlier
  EXPECT_EQ(pl.offset[0], 0);
  features::Augmenter never(specs("    - {type: crop, p: 0}\n    - {type: speed, p: 0}\n"), 7,
                            8000);
  pl = never.place(length, cut, S);
  EXPECT_EQ(pl.offset, cut);
  EXPECT_FALSE(pl.resamples());
  // The draws continue the generator: the same seed, the same placements.
  features::Augmenter again(specs("    - {type: speed, min_rate: 0.8, max_rate: 1.25}\n"
                                  "    - {type: crop}\n"),
                            7, 8000);
  features::Augmenter first(specs("    - {type: speed, min_rate: 0.8, max_rate: 1.25}\n"
                                  "    - {type: crop}\n"),
                            7, 8000);
  const features::ClipPlacement a = again.place(length, cut, S), f = first.place(length, cut, S);
  EXPECT_EQ(a.offset, f.offset);
  EXPECT_EQ(a.rate, f.rate);
}

// ---- CUDA against the CPU twins

TEST(AugmentCuda, TransformsMatchTheCpuTwins) {
  MGR_REQUIRE_CUDA();
  const Device gpu = Device::cuda(0);
  const Tensor x = test::random_tensor({3, 2, 9, 11}, 1);
  for (int axis : {2, 3}) {
    Tensor c = x.clone(), g = x.to(gpu);
    const std::vector<int32_t> start = {0, 5, 2, 2, 8, 1}, width = {3, 2, 0, 4, 1, 1};
    features::mask_(c, axis, start, width, 2, 0.5f);
    features::mask_(g, axis, start, width, 2, 0.5f);
    EXPECT_EQ(g.cpu().to_vector(), c.to_vector());
  }
  EXPECT_EQ(features::mix_rows(x.to(gpu), {1, 2, 0}, 0.3f).cpu().to_vector(),
            features::mix_rows(x, {1, 2, 0}, 0.3f).to_vector());
  const Tensor audio = test::random_tensor({3, 5000}, 2);
  Tensor c = audio.clone(), g = audio.to(gpu);
  features::scale_rows_(c, {0.5f, -1.f, 2.f});
  features::scale_rows_(g, {0.5f, -1.f, 2.f});
  EXPECT_EQ(g.cpu().to_vector(), c.to_vector());
  for (bool circular : {true, false}) {
    c = audio.clone(), g = audio.to(gpu);
    features::shift_rows_(c, {100, -2500, 0}, circular);
    features::shift_rows_(g, {100, -2500, 0}, circular);
    EXPECT_EQ(g.cpu().to_vector(), c.to_vector());
  }
  c = audio.clone(), g = audio.to(gpu);
  features::add_noise_(c, {10.f, std::nanf(""), -5.f}, 1234);
  features::add_noise_(g, {10.f, std::nanf(""), -5.f}, 1234);
  EXPECT_EQ(g.cpu().to_vector(), c.to_vector());  // the polar method: the same bits
}

TEST(AugmentCuda, TheAugmenterGivesTheSameBatchOnBothDevices) {
  MGR_REQUIRE_CUDA();
  const Device gpu = Device::cuda(0);
  const auto list = specs(R"(    - {type: gain}
    - {type: polarity}
    - {type: time_shift, max_seconds: 0.01}
    - {type: noise}
    - {type: freq_mask, count: 2}
    - {type: time_mask, count: 2, max_width: 5}
    - {type: mixup, alpha: 0.4}
)");
  features::Augmenter a(list, 3, 8000), b(list, 3, 8000);
  const Tensor audio = test::random_tensor({4, 4000}, 8);
  Tensor c = audio.clone(), g = audio.to(gpu);
  a.audio_(c);
  b.audio_(g);
  EXPECT_EQ(g.cpu().to_vector(), c.to_vector());
  const Tensor x = test::random_tensor({4, 1, 16, 12}, 9);
  features::MixInfo mc, mg;
  EXPECT_EQ(b.features(x.to(gpu), mg).cpu().to_vector(), a.features(x.clone(), mc).to_vector());
  EXPECT_EQ(mg.partner, mc.partner);
}

TEST(AugmentCuda, ResampleMatchesTheCpuTwin) {
  MGR_REQUIRE_CUDA();
  const Device gpu = Device::cuda(0);
  const std::vector<float> rates = {0.5f, 0.93f, 1.f, 1.07f, 2.f};
  const int64_t S = 3000, pad = features::resample_pad(2.f), W = features::resample_window(S, 2.f);
  const Tensor x = test::random_tensor({5, W}, 4);
  EXPECT_EQ(features::resample_rows(x.to(gpu), pad, rates, S).cpu().to_vector(),
            features::resample_rows(x, pad, rates, S).to_vector());  // the same bits
}

// ---- training

// A corpus of 4 genres, 1 s clips, a small CNN trained on the fly with every transform.
std::string training_yaml(const std::string& corpus, const std::string& mode) {
  return R"(name: augment_tiny
device: cpu
seed: 5
data:
  root: )" +
         corpus +
         R"(
  genres: [blues, classical, metal, pop]
  sample_rate: 8000
  clip_seconds: 1.0
  clip_hop_seconds: 1.0
  split_fractions: [0.5, 0.25, 0.25]
  synthetic: {tracks_per_genre: 4, track_seconds: 3.0}
features: {type: log_mel, n_fft: 256, hop_length: 256, n_mels: 16, normalize: global,
           cache: "off", mode: )" +
         mode + R"(}
model:
  layers:
    - {name: conv, type: conv2d, channels: 4, kernel: 3, padding: same}
    - {name: relu, type: relu}
    - {name: pool, type: max_pool, size: [2, 2]}
    - {name: flat, type: flatten}
    - {name: out, type: dense, units: num_classes}
train:
  batch_size: 8
  epochs: 3
  lr: 0.01
  augment:
)";
}

const char* kAllTransforms = R"(    - {type: crop, p: 0.75}
    - {type: speed, min_rate: 0.9, max_rate: 1.1}
    - {type: gain, p: 0.5}
    - {type: polarity}
    - {type: time_shift, max_seconds: 0.1}
    - {type: noise, min_snr_db: 10, max_snr_db: 30}
    - {type: freq_mask, count: 2, max_width: 4}
    - {type: time_mask, count: 1, max_width: 6}
    - {type: mixup, p: 0.5, alpha: 0.4}
)";

class AugmentTraining : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new test::TempDir("augment_training");
    cfg_ = new config::ExperimentConfig(
        parse(training_yaml(tmp_->file("corpus"), "on_the_fly") + kAllTransforms));
    train::RunOptions ro;
    ro.quiet = true;
    ro.out_dir = tmp_->file("setup");
    setup_ = train::setup_run(*cfg_, ro).release();
  }
  static void TearDownTestSuite() {
    delete setup_;
    delete cfg_;
    delete tmp_;
  }
  static test::TempDir* tmp_;
  static config::ExperimentConfig* cfg_;
  static train::RunSetup* setup_;
};
test::TempDir* AugmentTraining::tmp_ = nullptr;
config::ExperimentConfig* AugmentTraining::cfg_ = nullptr;
train::RunSetup* AugmentTraining::setup_ = nullptr;

std::vector<float> weights(graph::GraphModel& m) {
  std::vector<float> w;
  for (auto& [n, p] : m.named_parameters()) {
    const std::vector<float> v = p->value().to_vector();
    w.insert(w.end(), v.begin(), v.end());
  }
  return w;
}

TEST_F(AugmentTraining, MixupLossIsTheWeightedSumOfTheTwoCrossEntropies) {
  config::TrainConfig t = cfg_->train;
  t.augment = specs("    - {type: mixup, p: 1, alpha: 0.4}\n");
  train::RunSetup& s = *setup_;
  auto plan = graph::plan_classifier(*cfg_);
  graph::GraphModel model(plan, 1), copy(plan, 1);
  train::ClassifierTask task(model, *s.source, s.labels, s.tracks, s.split.validation, t,
                             tmp_->file("mix.h5"), 21, 8000);
  const std::vector<int> idx(s.split.train.begin(), s.split.train.begin() + 6);
  // The same draws replayed: the augmenter of the task is seeded the same way.
  features::Augmenter replay(t.augment, 21, 8000);
  features::MixInfo mix;
  const Tensor x = replay.features(s.source->batch(idx), mix);
  ASSERT_TRUE(mix.on);
  std::vector<int32_t> y, yp;
  for (size_t i = 0; i < idx.size(); ++i) {
    y.push_back(s.labels[size_t(idx[i])]);
    yp.push_back(s.labels[size_t(idx[size_t(mix.partner[i])])]);
  }
  copy.train(true);
  double want = 0;
  {
    NoGradGuard no_grad;
    const Var logits = copy.forward(Var(x));
    const double ce =
        ops::softmax_cross_entropy(logits, Tensor::from_vector(y, {6})).value().item();
    const double cp =
        ops::softmax_cross_entropy(logits, Tensor::from_vector(yp, {6})).value().item();
    want = mix.lambda * ce + (1 - double(mix.lambda)) * cp;
  }
  task.set_training(true);
  task.begin_step();
  const train::StepResult r = task.accumulate_gradients(idx, 1.0);
  EXPECT_NEAR(r.loss_sum / 6, want, 1e-5 * std::abs(want));
}

TEST_F(AugmentTraining, ValidationSeesTheFeaturesUntouched) {
  train::RunSetup& s = *setup_;
  auto plan = graph::plan_classifier(*cfg_);
  graph::GraphModel model(plan, 1);
  config::TrainConfig plain = cfg_->train;
  plain.augment.clear();
  config::TrainConfig heavy = cfg_->train;
  heavy.augment = specs(std::string(kAllTransforms) +
                        "    - {type: time_mask, count: 4, max_width: 100, fill: 50}\n");
  train::ClassifierTask with(model, *s.source, s.labels, s.tracks, s.split.validation, heavy,
                             tmp_->file("a.h5"), 3, 8000);
  train::ClassifierTask without(model, *s.source, s.labels, s.tracks, s.split.validation, plain,
                                tmp_->file("b.h5"), 3, 8000);
  with.set_training(false);
  const train::ValidationResult a = with.validate(), b = without.validate(), c = with.validate();
  EXPECT_EQ(a.loss, b.loss);
  EXPECT_EQ(a.accuracy, b.accuracy);
  EXPECT_EQ(c.loss, a.loss);
  // A training step with it does see other features (its loss differs from the plain task's).
  const std::vector<int> idx(s.split.train.begin(), s.split.train.begin() + 8);
  with.set_training(true);
  without.set_training(true);
  graph::GraphModel m1(plan, 1), m2(plan, 1);
  train::ClassifierTask t1(m1, *s.source, s.labels, s.tracks, s.split.validation, heavy,
                           tmp_->file("c.h5"), 3, 8000);
  train::ClassifierTask t2(m2, *s.source, s.labels, s.tracks, s.split.validation, plain,
                           tmp_->file("d.h5"), 3, 8000);
  t1.begin_step();
  t2.begin_step();
  EXPECT_NE(t1.accumulate_gradients(idx, 1).loss_sum, t2.accumulate_gradients(idx, 1).loss_sum);
}

// The source reads a placed clip from its track: at rate 1 the track's samples from the new
// offset; at another rate the window around it resampled (resample_rows); zeros past the end.
TEST_F(AugmentTraining, PlacedClipsAreReadFromTheirTracks) {
  train::RunSetup& s = *setup_;
  const data::Dataset& ds = s.loaded.ds;
  const int64_t S = ds.clip_samples;
  const std::vector<int> clips = {0, 1, 2};
  std::vector<float> seen;
  train::ComputeOptions opt;
  opt.batch_clips = 3;
  const std::vector<float> rates = {1.f, 1.f, 1.1f};
  std::vector<int64_t> lengths;
  opt.place = [&](const std::vector<int64_t>& length, const std::vector<int64_t>& offset,
                  int64_t clip_samples) {
    EXPECT_EQ(clip_samples, S);
    EXPECT_EQ(offset[1], ds.clips[1].offset);
    lengths = length;
    features::ClipPlacement pl;
    pl.offset = {7, length[1] - S / 2, 11};  // the second runs half past its track's end
    pl.rate = rates;
    return pl;
  };
  opt.audio_transform = [&](Tensor& a) { seen = a.to_vector(); };
  train::compute_features(ds, clips, *s.pipeline, opt);
  ASSERT_EQ(seen.size(), size_t(3 * S));
  const auto& t0 = ds.audio[size_t(ds.clips[0].track_id)];
  const auto& t1 = ds.audio[size_t(ds.clips[1].track_id)];
  for (int64_t i = 0; i < S; ++i) {
    EXPECT_EQ(seen[size_t(i)], t0[size_t(7 + i)]);
    EXPECT_EQ(seen[size_t(S + i)], i < S / 2 ? t1[size_t(lengths[1] - S / 2 + i)] : 0.f);
  }
  // Row 2: the window the source gathers, resampled.
  const auto& t2 = ds.audio[size_t(ds.clips[2].track_id)];
  const int64_t pad = features::resample_pad(1.1f), W = features::resample_window(S, 1.1f);
  std::vector<float> win(size_t(3 * W), 0.f);
  for (int64_t j = 0; j < W; ++j) {
    const int64_t k = 11 - pad + j;
    if (k >= 0 && k < int64_t(t2.size())) win[size_t(2 * W + j)] = t2[size_t(k)];
  }
  const std::vector<float> want =
      features::resample_rows(Tensor::from_vector(win, {3, W}), pad, rates, S).to_vector();
  for (int64_t i = 0; i < S; ++i) EXPECT_EQ(seen[size_t(2 * S + i)], want[size_t(2 * S + i)]);
}

// In process, as tests/test_resume.cpp: a task that throws in the middle of epoch 2, then a
// fresh model and task resumed from the state file, against an uninterrupted run; a second
// uninterrupted run gives the same weights (same seed, same draws).
TEST_F(AugmentTraining, AStoppedRunResumesToTheUninterruptedWeights) {
  train::RunSetup& s = *setup_;
  auto plan = graph::plan_classifier(*cfg_);
  class Stopping : public train::ClassifierTask {
   public:
    using ClassifierTask::ClassifierTask;
    int64_t stop_at = -1, steps = 0;
    train::StepResult train_step(const std::vector<int>& idx) override {
      if (steps++ == stop_at) throw std::runtime_error("stopped");
      return ClassifierTask::train_step(idx);
    }
  };
  auto run = [&](const std::string& dir, int64_t stop_at, bool resume) {
    fs::create_directories(dir);
    graph::GraphModel model(plan, cfg_->seed);
    Stopping task(model, *s.source, s.labels, s.tracks, s.split.validation, cfg_->train,
                  dir + "/best.h5", cfg_->seed, cfg_->data.sample_rate);
    task.stop_at = stop_at;
    train::TrainLoopOptions lo;
    lo.quiet = true;
    lo.train = cfg_->train;
    lo.state_path = dir + "/state.h5";
    lo.resume = resume;
    lo.shuffle_seed = cfg_->seed;
    train::TrainLoopResult r = train::run_training(task, s.split.train, lo);
    return std::make_pair(r, weights(model));
  };
  const auto [ref, ref_w] = run(tmp_->file("ref"), -1, false);
  const auto [again, again_w] = run(tmp_->file("again"), -1, false);
  EXPECT_EQ(again_w, ref_w);
  EXPECT_EQ(again.history, ref.history);
  const int64_t per_epoch = ref.iterations_run / ref.epochs_run;
  EXPECT_THROW(run(tmp_->file("cut"), per_epoch + 1, false), std::runtime_error);
  const auto [res, res_w] = run(tmp_->file("cut"), -1, true);
  EXPECT_EQ(res.resumed_after_epoch, 1);
  EXPECT_EQ(res.history, ref.history);
  EXPECT_EQ(res_w, ref_w);  // bit for bit

  // Without the augmenter's state restored the resumed run would draw the first epoch's
  // parameters again: a run without augmentation trains to other weights.
  config::TrainConfig plain = cfg_->train;
  plain.augment.clear();
  graph::GraphModel model(plan, cfg_->seed);
  train::ClassifierTask task(model, *s.source, s.labels, s.tracks, s.split.validation, plain,
                             tmp_->file("plain.h5"), cfg_->seed, cfg_->data.sample_rate);
  train::TrainLoopOptions lo;
  lo.quiet = true;
  lo.train = plain;
  lo.shuffle_seed = cfg_->seed;
  train::run_training(task, s.split.train, lo);
  EXPECT_NE(weights(model), ref_w);
}

TEST_F(AugmentTraining, AudioTransformsAreRefusedOnPrecomputedFeatures) {
  train::RunSetup& s = *setup_;
  auto plan = graph::plan_classifier(*cfg_);
  graph::GraphModel model(plan, 1);
  const Tensor table = s.source->batch(s.split.train);
  auto pre = train::precomputed_source(table);
  EXPECT_THAT(test::error_of([&] {
                train::ClassifierTask t(model, *pre, s.labels, s.tracks, {}, cfg_->train,
                                        tmp_->file("p.h5"), 1, 8000);
              }),
              HasSubstr("audio transforms need features.mode on_the_fly"));
}

}  // namespace
}  // namespace mgr
