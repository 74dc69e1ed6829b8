// infer::TrainedModel against the run that trained it: a tiny network and tree run are loaded
// back from their run directories, and the clips of the corpus tracks cut, featurised,
// standardised and scored by TrainedModel must give the run's own test metrics, the run's
// feature rows and the checkpoint's probabilities; short audio, knn runs and CUDA beside CPU.
#include <gmock/gmock.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "framework/autograd/var.h"
#include "framework/data/split.h"
#include "framework/engine/checkpoint.h"
#include "framework/engine/classifier.h"
#include "framework/engine/run_setup.h"
#include "framework/graph/graph_model.h"
#include "framework/graph/model_check.h"
#include "framework/store/feature_source.h"
#include "framework/store/feature_table.h"
#include "framework/tasks/trained_model.h"
#include "tests/classify_runs.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

struct Corpus {
  train::LoadedData loaded;
  data::Split split;
};

Corpus corpus_of(const config::ExperimentConfig& cfg) {
  Corpus c;
  std::ostringstream log;
  c.loaded = train::load_experiment_data(cfg, log);
  c.split = data::make_split(c.loaded.ds, data::parse_split(cfg.data.split),
                             cfg.data.split_fractions, cfg.seed);
  return c;
}

// TrainedModel's probabilities for the test clips of the corpus, in the split's order: each
// test track scored whole, its clips found by offset.
std::vector<float> test_clip_probabilities(infer::TrainedModel& model, const Corpus& c,
                                           std::vector<int>* decisions = nullptr) {
  const data::Dataset& ds = c.loaded.ds;
  const auto k = static_cast<size_t>(model.num_classes());
  std::map<int, infer::ClipScores> by_track;
  std::vector<float> probs;
  for (int row : c.split.test) {
    const data::Clip& clip = ds.clips[static_cast<size_t>(row)];
    auto it = by_track.find(clip.track_id);
    if (it == by_track.end())
      it = by_track
               .emplace(clip.track_id, model.score(ds.audio[static_cast<size_t>(clip.track_id)], 5))
               .first;
    const infer::ClipScores& s = it->second;
    const auto pos = std::find(s.offsets.begin(), s.offsets.end(), clip.offset);
    EXPECT_NE(pos, s.offsets.end()) << "clip at " << clip.offset << " not cut";
    if (pos == s.offsets.end()) return {};
    const auto i = static_cast<size_t>(pos - s.offsets.begin());
    probs.insert(probs.end(), s.probs.begin() + static_cast<long>(i * k),
                 s.probs.begin() + static_cast<long>((i + 1) * k));
    if (decisions) decisions->push_back(s.decisions[i]);
  }
  return probs;
}

nlohmann::json metrics_of(const config::ExperimentConfig& cfg, const Corpus& c,
                          const std::vector<float>& probs, int classes) {
  std::vector<int> truth, tracks;
  for (int row : c.split.test) {
    truth.push_back(c.loaded.ds.clips[static_cast<size_t>(row)].label);
    tracks.push_back(c.loaded.ds.clips[static_cast<size_t>(row)].track_id);
  }
  return train::test_metrics(truth, tracks, probs, classes, c.loaded.ds.genres,
                             cfg.evaluation.vote_thresholds);
}

TEST(Classify, NetworkRunGivesTheRunsOwnTestMetrics) {
  const test::TinyRun& run = test::tiny_run(false);
  infer::TrainedModel model = infer::TrainedModel::load(run.result.run_dir, "cpu");
  EXPECT_EQ(model.model_type(), "network");
  EXPECT_EQ(model.class_names(), run.result.metrics["class_names"].get<std::vector<std::string>>());
  const Corpus c = corpus_of(model.config());
  ASSERT_EQ(c.split.test.size(), run.result.metrics["data"]["test_clips"].get<size_t>());
  const std::vector<float> probs = test_clip_probabilities(model, c);
  ASSERT_EQ(probs.size(), c.split.test.size() * 4);
  const nlohmann::json m = metrics_of(model.config(), c, probs, 4);
  const nlohmann::json& want = run.result.metrics["test"];
  EXPECT_EQ(m["clip"]["confusion_matrix"], want["clip"]["confusion_matrix"]);
  EXPECT_EQ(m["track"]["confusion_matrix"], want["track"]["confusion_matrix"]);
  EXPECT_DOUBLE_EQ(m["clip_accuracy"].get<double>(), want["clip_accuracy"].get<double>());
  EXPECT_DOUBLE_EQ(m["track_accuracy"].get<double>(), want["track_accuracy"].get<double>());
}

TEST(Classify, FeaturesAndProbabilitiesEqualTheTrainingPath) {
  const test::TinyRun& run = test::tiny_run(false);
  // Loading by the checkpoint's path means its run directory.
  infer::TrainedModel model =
      infer::TrainedModel::load(run.result.run_dir + "/best_model.h5", "cpu");
  const config::ExperimentConfig& cfg = model.config();
  const Corpus c = corpus_of(cfg);
  const data::Dataset& ds = c.loaded.ds;

  // The run's feature table, recomputed: every clip, statistics of the training split.
  features::FeaturePipeline pipeline(cfg.features, cfg.data.sample_rate, Device::cpu());
  std::vector<int> all(ds.clips.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
  Tensor table = train::compute_features(ds, all, pipeline);
  const features::NormalisationStats stats =
      features::normalisation_statistics(table, c.split.train, cfg.features.normalize);
  EXPECT_EQ(model.standardisation().mode, "per_band");
  EXPECT_EQ(model.standardisation().mean, stats.mean) << "metrics.json keeps floats exactly";
  EXPECT_EQ(model.standardisation().stddev, stats.stddev);
  features::apply_normalisation_(table, stats);

  // One track's clips: the same rows as the table's.
  const int track = ds.clips[static_cast<size_t>(c.split.test[0])].track_id;
  std::vector<int> rows;
  std::vector<int64_t> offsets;
  for (size_t i = 0; i < ds.clips.size(); ++i)
    if (ds.clips[i].track_id == track) {
      rows.push_back(static_cast<int>(i));
      offsets.push_back(ds.clips[i].offset);
    }
  const std::vector<float>& audio = ds.audio[static_cast<size_t>(track)];
  EXPECT_EQ(model.clip_offsets(static_cast<int64_t>(audio.size())), offsets);
  ASSERT_EQ(offsets.size(), 5u) << "3.2 s in 1 s clips every 0.5 s";
  auto source = train::precomputed_source(table);
  const std::vector<float> want = source->batch(rows).to_vector();
  EXPECT_EQ(model.clip_features(audio, offsets, 2).to_vector(), want);

  // The checkpoint through the run's own prediction code on those rows.
  graph::GraphModel net(graph::plan_classifier(cfg), 99);
  train::load_checkpoint(run.result.run_dir + "/best_model.h5", net);
  const std::vector<float> p_run = train::predict_probabilities(net, *source, rows, 8);
  const std::vector<float> p = model.clip_probabilities(audio, 3);
  ASSERT_EQ(p.size(), p_run.size());
  for (size_t i = 0; i < p.size(); ++i) EXPECT_NEAR(p[i], p_run[i], 1e-6) << i;
}

TEST(Classify, TreeRunLoadsAndItsGenreProbabilitiesSumToOne) {
  const test::TinyRun& run = test::tiny_run(true);
  // A node's checkpoint names the tree's run directory.
  infer::TrainedModel model =
      infer::TrainedModel::load(run.result.run_dir + "/nodes/calm/best_model.h5", "cpu");
  EXPECT_EQ(model.model_type(), "tree");
  EXPECT_EQ(model.run_dir(), run.result.run_dir);
  const Corpus c = corpus_of(model.config());
  std::vector<int> hard;
  const std::vector<float> soft = test_clip_probabilities(model, c, &hard);
  ASSERT_EQ(soft.size(), c.split.test.size() * 4);
  for (size_t i = 0; i < c.split.test.size(); ++i) {
    double sum = 0;
    for (size_t g = 0; g < 4; ++g) sum += soft[i * 4 + g];
    EXPECT_NEAR(sum, 1.0, 1e-5) << "clip " << i;
  }
  // Soft path products and hard routing give the run's soft and hard test metrics.
  const nlohmann::json& tm = run.result.metrics["tree"];
  EXPECT_EQ(metrics_of(model.config(), c, soft, 4)["clip"]["confusion_matrix"],
            tm["soft"]["clip"]["confusion_matrix"]);
  std::vector<float> one_hot(hard.size() * 4, 0.0f);
  for (size_t i = 0; i < hard.size(); ++i) one_hot[i * 4 + static_cast<size_t>(hard[i])] = 1.0f;
  EXPECT_EQ(metrics_of(model.config(), c, one_hot, 4)["clip"]["confusion_matrix"],
            tm["hard"]["clip"]["confusion_matrix"]);
}

TEST(Classify, AudioShorterThanOneClipIsOneZeroPaddedClip) {
  const test::TinyRun& run = test::tiny_run(false);
  infer::TrainedModel model = infer::TrainedModel::load(run.result.run_dir, "cpu");
  const data::Dataset& ds = corpus_of(model.config()).loaded.ds;
  const std::vector<float>& whole = ds.audio[0];
  // 0.4 s: one clip, the same as the first clip of the audio with its end zeroed.
  const std::vector<float> part(whole.begin(), whole.begin() + 4410);
  const infer::ClipScores s = model.score(part);
  EXPECT_EQ(s.clips, 1);
  EXPECT_TRUE(s.padded);
  EXPECT_EQ(s.offsets, std::vector<int64_t>{0});
  std::vector<float> padded = part;
  padded.resize(static_cast<size_t>(model.clip_samples()), 0.0f);
  const infer::ClipScores p = model.score(padded);
  EXPECT_FALSE(p.padded);
  EXPECT_EQ(s.probs, p.probs);
  EXPECT_NEAR(s.probs[0] + s.probs[1] + s.probs[2] + s.probs[3], 1.0f, 1e-5f);
  // Long audio: a clip every hop while one fits.
  const int64_t two_hops = model.clip_samples() + 2 * model.hop_samples();
  EXPECT_EQ(model.hop_samples(), 5513) << "0.5 s at 11025 Hz, rounded as segment_clips does";
  EXPECT_EQ(model.clip_offsets(two_hops).size(), 3u);
  EXPECT_EQ(model.clip_offsets(two_hops - 1).size(), 2u);
  EXPECT_THROW(model.score({}), Error);

  // classify --hop: a denser grid of the same clips (the clip at 0.25 s scores as the first
  // clip of the audio from 0.25 s on).
  const std::vector<float> two_clips(whole.begin(), whole.begin() + 2 * model.clip_samples());
  const std::vector<float> from_hop(two_clips.begin() + 2756, two_clips.end());
  const infer::ClipScores later = model.score(from_hop);
  model.set_hop_seconds(0.25);
  EXPECT_EQ(model.hop_samples(), 2756) << "0.25 s at 11025 Hz";
  const infer::ClipScores dense = model.score(two_clips);
  ASSERT_EQ(dense.clips, model.clip_samples() / 2756 + 1);
  EXPECT_EQ(dense.offsets[1], 2756);
  const size_t k = static_cast<size_t>(model.num_classes());
  for (size_t c = 0; c < k; ++c) EXPECT_NEAR(dense.probs[k + c], later.probs[c], 1e-5f) << c;
  EXPECT_THROW(model.set_hop_seconds(0.0), Error);
  EXPECT_THROW(model.set_hop_seconds(1e-6), Error) << "less than one sample";
}

TEST(Classify, KnnRunsAndNonRunFoldersAreRefusedWithAReason) {
  test::TempDir dir("classify_knn");
  std::ofstream(dir.file("config.yaml")) << R"(name: knn_small
data: {genres: [classical, metal, pop], sample_rate: 11025, clip_seconds: 2.0}
features: {type: mfcc_stats, n_mfcc: 13, normalize: none}
model: {type: knn, knn: {k: 3}}
)";
  try {
    infer::TrainedModel::load(dir.path.string(), "cpu");
    FAIL() << "a knn run loaded";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("knn run keeps no training set"));
  }
  fs::remove(dir.file("config.yaml"));
  EXPECT_THROW(infer::TrainedModel::load(dir.path.string(), "cpu"), Error);
  EXPECT_THROW(infer::TrainedModel::load(dir.file("absent"), "cpu"), Error);
}

TEST(Classify, CudaGivesTheCpuProbabilities) {
  MGR_REQUIRE_CUDA();
  for (bool tree : {false, true}) {
    const test::TinyRun& run = test::tiny_run(tree);
    infer::TrainedModel cpu = infer::TrainedModel::load(run.result.run_dir, "cpu");
    infer::TrainedModel gpu = infer::TrainedModel::load(run.result.run_dir, "cuda");
    // The corpus held for the whole comparison (a reference into a temporary would dangle).
    const Corpus corpus = corpus_of(cpu.config());
    const std::vector<float>& audio = corpus.loaded.ds.audio[3];
    const infer::ClipScores a = cpu.score(audio), b = gpu.score(audio);
    ASSERT_EQ(a.probs.size(), b.probs.size());
    for (size_t i = 0; i < a.probs.size(); ++i)
      EXPECT_NEAR(a.probs[i], b.probs[i], 1e-3) << (tree ? "tree " : "network ") << i;
  }
}

}  // namespace
}  // namespace mgr
