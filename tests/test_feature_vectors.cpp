// features.type vectors (framework/features/vectors.h): the concatenation equals its parts
// computed one by one, the column groups, the cache key holds every part's parameters, bad
// lists fail in code and in YAML (with file:line), whole tracks as single clips, and the
// config's lists of feature types against the registered stages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include "framework/config/field_table.h"
#include "framework/config/yaml_config.h"
#include "framework/data/dataset.h"
#include "framework/experiment/load.h"
#include "framework/features/pipeline.h"
#include "framework/features/vectors.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

using features::FeaturePipeline;
using ::testing::HasSubstr;

constexpr int kSr = 8000;

// Small settings (as tests/test_feature_pipeline.cpp) with every clip-level type listed.
config::FeatureConfig small_vectors(std::vector<std::string> parts = {
                                        "spectral", "rhythm", "pitch_histogram", "beat_chroma"}) {
  config::FeatureConfig f;
  f.type = "vectors";
  f.vectors = std::move(parts);
  f.n_fft = 512;
  f.hop_length = 128;
  f.n_mels = 40;
  f.beat_chroma_beats = 4;
  f.beat_histogram_bins = 50;
  f.pitch_histogram_output = "full";
  return f;
}

// Two chords with noise: every part has structure.
Tensor test_audio(int64_t batch, int64_t n) {
  Tensor a = test::random_tensor({batch, n}, 9, -0.05f, 0.05f);
  float* p = a.f32();
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < n; ++i)
      for (double f : {196.0 * (b + 1), 293.7, 392.0})
        p[b * n + i] += 0.2f * float(std::sin(2 * std::numbers::pi * f * i / kSr));
  return a;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(FeatureVectors, ConcatenationEqualsThePartsComputedSeparately) {
  const Tensor audio = test_audio(2, 2 * kSr);
  const config::FeatureConfig f = small_vectors();
  FeaturePipeline all(f, kSr, Device::cpu());
  ASSERT_TRUE(all.clip_level());
  const std::vector<float> got = all(audio).to_vector();
  const int64_t width = all.output_shape(audio.dim(1)).at(0);
  ASSERT_EQ(int64_t(got.size()), 2 * width);
  int64_t at = 0;
  for (const std::string& part : f.vectors) {
    SCOPED_TRACE(part);
    config::FeatureConfig one = f;
    one.type = part;
    const std::vector<float> want = FeaturePipeline(one, kSr, Device::cpu())(audio).to_vector();
    const int64_t d = int64_t(want.size()) / 2;
    for (int64_t b = 0; b < 2; ++b)
      for (int64_t i = 0; i < d; ++i)
        ASSERT_EQ(got[size_t(b * width + at + i)], want[size_t(b * d + i)]) << "clip " << b;
    at += d;
  }
  EXPECT_EQ(at, width);
}

TEST(FeatureVectors, GroupsGiveEachPartsColumns) {
  const config::FeatureConfig f = small_vectors();
  const std::vector<features::FeatureGroup> g = features::feature_groups(f, kSr, 2 * kSr);
  ASSERT_EQ(g.size(), 4u);
  const std::vector<std::string> names = {"spectral", "rhythm", "pitch_histogram", "beat_chroma"};
  const std::vector<int64_t> widths = {15, 50, 5 + 12 + 128, 12 * 4};
  int64_t at = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    EXPECT_EQ(g[i].name, names[i]);
    EXPECT_EQ(g[i].begin, at);
    EXPECT_EQ(g[i].end, at + widths[i]);
    at = g[i].end;
  }
  EXPECT_EQ(features::feature_output_shape(f, kSr, 2 * kSr), (Shape{at}));

  config::FeatureConfig single = f;
  single.type = "rhythm";
  const std::vector<features::FeatureGroup> r = features::feature_groups(single, kSr, 2 * kSr);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].name, "rhythm");
  EXPECT_EQ(r[0].begin, 0);
  EXPECT_EQ(r[0].end, 50);

  single.type = "log_mel";
  EXPECT_THAT(error_of([&] { features::feature_groups(single, kSr, 2 * kSr); }),
              HasSubstr("time-frequency"));
}

// The cache key (describe) holds the list and the keys of the listed parts, and only those.
TEST(FeatureVectors, CacheKeyHoldsEveryPartsParameters) {
  const nlohmann::json j =
      FeaturePipeline(small_vectors({"spectral", "rhythm"}), kSr, Device::cpu()).parameters();
  for (const char* key : {"vectors", "roll_percent", "low_energy_frames", "beat_histogram_bins",
                          "n_mels", "top_db", "n_fft", "hop_length"})
    EXPECT_TRUE(j.contains(key)) << key;
  for (const char* key : {"pitch_fmin", "beat_chroma_beats", "n_chroma"})
    EXPECT_FALSE(j.contains(key)) << key;
  const nlohmann::json all = FeaturePipeline(small_vectors(), kSr, Device::cpu()).parameters();
  for (const char* key : {"pitch_fmin", "pitch_histogram_output", "beat_chroma_beats", "tuning"})
    EXPECT_TRUE(all.contains(key)) << key;
  // The order of the parts is the order of the columns: part of the key.
  EXPECT_NE(FeaturePipeline(small_vectors({"rhythm", "spectral"}), kSr, Device::cpu()).describe(),
            FeaturePipeline(small_vectors({"spectral", "rhythm"}), kSr, Device::cpu()).describe());
}

TEST(FeatureVectors, BadListsFailInCode) {
  auto error = [](std::vector<std::string> parts) {
    return error_of([&] {
      FeaturePipeline p(small_vectors(std::move(parts)), kSr, Device::cpu());
      p.output_shape(kSr);
    });
  };
  EXPECT_THAT(error({"spectral", "log_mel"}),
              HasSubstr("entry 1 ('log_mel') is a time-frequency type"));
  EXPECT_THAT(error({"spectral", "spectral"}), HasSubstr("entry 1 ('spectral') repeats"));
  EXPECT_THAT(error({}), HasSubstr("features.vectors: the list is empty"));
  EXPECT_THAT(error({"vectors"}), HasSubstr("would nest"));
  EXPECT_THAT(error({"rhythm", "no_such"}), HasSubstr("no_such is not built into this binary"));
}

const char* kDenseModel = "model:\n  layers:\n    - {name: out, type: dense, units: num_classes}\n";

std::string yaml_error(const std::string& features) {
  return error_of([&] {
    experiment::parse("features:\n  type: vectors\n" + features + kDenseModel, "exp.yaml");
  });
}

TEST(FeatureVectors, BadListsFailInYamlWithFileAndLine) {
  EXPECT_THAT(yaml_error("  vectors: [spectral, log_mel]\n"),
              HasSubstr("exp.yaml:3:3: features.vectors: entry 1 ('log_mel') is a time-frequency "
                        "type ([C, D, T] per clip); only clip-level types concatenate"));
  EXPECT_THAT(yaml_error("  vectors: [rhythm, spectal]\n"),
              HasSubstr("exp.yaml:3:3: features.vectors: entry 1 ('spectal') is not a clip-level "
                        "feature type"));
  EXPECT_THAT(yaml_error("  vectors: [rhythm, spectal]\n"), HasSubstr("did you mean 'spectral'"));
  EXPECT_THAT(yaml_error("  vectors: [rhythm, vectors]\n"), HasSubstr("would nest"));
  EXPECT_THAT(yaml_error("  vectors: [rhythm, rhythm]\n"),
              HasSubstr("exp.yaml:3:3: features.vectors: expected"));
  EXPECT_THAT(yaml_error("  vectors: [rhythm, rhythm]\n"), HasSubstr("no duplicates"));
  EXPECT_THAT(yaml_error("  vectors: []\n"), HasSubstr("non-empty"));
  EXPECT_THAT(yaml_error("  vectors: spectral\n"), HasSubstr("exp.yaml:3:3"));
  // A list that pitch_histogram cannot serve: its longest lag must fit n_fft / 2.
  EXPECT_THAT(yaml_error("  vectors: [rhythm, pitch_histogram]\n  n_fft: 512\n"),
              HasSubstr("features.pitch_fmin: must be >= 86.4706 Hz for features.n_fft = 512"));
  // ... which is no error when pitch_histogram is not listed.
  EXPECT_EQ(yaml_error("  vectors: [rhythm, spectral]\n  n_fft: 512\n"), "(no error)");
}

TEST(FeatureVectors, YamlConfigPlansADenseModelOnTheClipVector) {
  const config::ExperimentConfig c =
      experiment::parse(std::string("data:\n  clip_seconds: 2.0\nfeatures:\n  type: vectors\n"
                                    "  vectors: [spectral, pitch_histogram]\n") +
                            kDenseModel,
                        "exp.yaml");
  EXPECT_EQ(features::feature_output_shape(c.features, c.data.sample_rate, 2 * 22050),
            (Shape{15 + 5}));
}

// One clip per track: data.clip_seconds = the track's length, and a hop longer than any track.
TEST(FeatureVectors, WholeTracksAsSingleClips) {
  data::Dataset ds;
  ds.sample_rate = kSr;
  const Tensor audio = test_audio(3, 2 * kSr + 100);
  const std::vector<float> flat = audio.to_vector();
  for (int t = 0; t < 3; ++t) {
    ds.tracks.push_back({"t" + std::to_string(t), t, "g", t});
    const int64_t len = 2 * kSr + (t == 2 ? 100 : 0);  // the third a little longer
    ds.audio.emplace_back(flat.begin() + t * (2 * kSr + 100),
                          flat.begin() + t * (2 * kSr + 100) + len);
  }
  std::ostringstream log;
  data::segment_clips(ds, 2.0, 30.0, log);
  ASSERT_EQ(ds.clips.size(), 3u);
  EXPECT_EQ(ds.clip_samples, 2 * kSr);
  std::vector<float> clips(size_t(3 * ds.clip_samples));
  data::gather_clips(ds, {0, 1, 2}, clips.data());
  FeaturePipeline p(small_vectors(), kSr, Device::cpu());
  const Tensor out = p(Tensor::from_vector(clips, {3, ds.clip_samples}));
  EXPECT_EQ(out.shape(), (Shape{3, p.output_shape(ds.clip_samples).at(0)}));
  for (float v : out.to_vector()) ASSERT_TRUE(std::isfinite(v));
}

// field_table.cpp spells out the types features.type and features.vectors accept; they must be
// the registered stages, with the same time-frequency / clip-level split.
TEST(FeatureTypes, ConfigListsMatchTheRegistry) {
  std::vector<std::string> registered = features::registered_feature_types();
  std::vector<std::string> listed = config::all_feature_types();
  std::sort(registered.begin(), registered.end());
  std::sort(listed.begin(), listed.end());
  EXPECT_EQ(listed, registered);
  for (const std::string& t : config::clip_level_feature_types())
    EXPECT_TRUE(features::feature_stage(t).clip_level && !features::feature_stage(t).resolve) << t;
  for (const std::string& t : config::time_frequency_feature_types())
    EXPECT_FALSE(features::feature_stage(t).clip_level) << t;
}

}  // namespace
}  // namespace mgr
