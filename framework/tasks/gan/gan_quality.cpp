#include "framework/tasks/gan/gan_quality.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "framework/features/standardise.h"
#include "framework/graph/model_check.h"
#include "framework/tasks/gan/frechet.h"
#include "framework/tasks/trained_model.h"
#include "framework/tensor/index.h"
#include "kernels/error.h"

namespace mgr::gan {

void check_same_features(const config::ExperimentConfig& gan, const config::ExperimentConfig& clf,
                         const std::string& clf_dir) {
  const config::FeatureConfig &a = gan.features, &b = clf.features;
  std::vector<std::string> diff;
  auto cmp = [&](const char* key, const auto& x, const auto& y) {
    if (x != y) diff.push_back(fmt::format("{}: {} here, {} in the classifier", key, x, y));
  };
  cmp("features.type", a.type, b.type);
  cmp("data.sample_rate", gan.data.sample_rate, clf.data.sample_rate);
  cmp("features.n_fft", a.n_fft, b.n_fft);
  cmp("features.hop_length", a.hop_length, b.hop_length);
  cmp("features.win_length", a.win_length, b.win_length);
  cmp("features.window", a.window, b.window);
  cmp("features.center", a.center, b.center);
  cmp("features.n_mels", a.n_mels, b.n_mels);
  cmp("features.fmin", a.fmin, b.fmin);
  cmp("features.fmax", a.fmax, b.fmax);
  cmp("features.mel_scale", a.mel_scale, b.mel_scale);
  cmp("features.mel_norm", a.mel_norm, b.mel_norm);
  cmp("features.power", a.power, b.power);
  cmp("features.top_db", a.top_db, b.top_db);
  cmp("features.ref", a.ref, b.ref);
  const Shape sa = graph::model_input_shape(gan), sb = graph::model_input_shape(clf);
  if (sa != sb)
    diff.push_back(
        fmt::format("clip shape: {} here, {} in the classifier", shape_str(sa), shape_str(sb)));
  if (!diff.empty())
    MGR_FAIL("model.gan.classifier_run " << clf_dir
                                         << ": the classifier was trained on other features, so "
                                            "it cannot judge these spectrograms:\n  "
                                         << fmt::format("{}", fmt::join(diff, "\n  ")));
}

namespace {

// Rows `rows` of the run's (dB) features as a tensor.
Tensor real_db(train::RunSetup& s, const std::vector<int>& rows) { return s.source->batch(rows); }

double accuracy(const std::vector<float>& probs, int classes, const std::vector<int>& want) {
  int64_t hit = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    const float* p = probs.data() + i * size_t(classes);
    hit += int(std::max_element(p, p + classes) - p) == want[i];
  }
  return want.empty() ? 0.0 : double(hit) / double(want.size());
}

// Every `step`-th row (deterministic subsample of at most `limit`).
std::vector<int> spread(const std::vector<int>& rows, size_t limit) {
  if (rows.size() <= limit) return rows;
  std::vector<int> out;
  for (size_t k = 0; k < limit; ++k) out.push_back(rows[k * rows.size() / limit]);
  return out;
}

}  // namespace

nlohmann::json measure_generator(train::RunSetup& s, graph::GraphModel& generator,
                                 const std::string& classifier_run) {
  const config::ExperimentConfig& cfg = s.cfg;
  infer::TrainedModel clf = infer::TrainedModel::load(classifier_run, s.device.str());
  check_same_features(cfg, clf.config(), classifier_run);
  // Our genre index -> the classifier's class index, by name.
  const std::vector<std::string>& ours = s.loaded.ds.genres;
  const std::vector<std::string>& theirs = clf.class_names();
  std::vector<int> to_clf;
  for (const std::string& g : ours) {
    const auto it = std::find(theirs.begin(), theirs.end(), g);
    MGR_CHECK(it != theirs.end(), "model.gan.classifier_run " << classifier_run
                                                              << ": the classifier does not know "
                                                                 "the genre '"
                                                              << g << "'");
    to_clf.push_back(int(it - theirs.begin()));
  }
  const int classes = clf.num_classes();
  const MelScaling scaling = mel_scaling(cfg);
  auto embed_db = [&](Tensor db) {
    features::apply_normalisation_(db, clf.standardisation());
    return clf.embed_features(db, 64);
  };

  // The reference: real training clips (at most 2000, spread over the split).
  const std::vector<int> ref_rows = spread(s.split.train, 2000);
  const infer::ClipEmbeddings ref = embed_db(real_db(s, ref_rows));
  // The ceiling: the held-back test clips.
  const std::vector<int>& test = s.split.test;
  const infer::ClipEmbeddings held = embed_db(real_db(s, test));
  std::vector<int> held_want;
  for (int r : test) held_want.push_back(to_clf[size_t(s.labels[size_t(r)])]);

  // Generated clips: as many as the test split (or model.gan.eval_samples), conditional ones
  // asked for the test split's genres in turn, so both sets have the same genre mix.
  const bool conditional = cfg.model.gan.conditional;
  const int64_t n = cfg.model.gan.eval_samples > 0 ? int64_t(cfg.model.gan.eval_samples) *
                                                         (conditional ? int64_t(ours.size()) : 1)
                                                   : int64_t(test.size());
  std::vector<int> asked;
  if (conditional)
    for (int64_t i = 0; i < n; ++i)
      asked.push_back(cfg.model.gan.eval_samples > 0 ? int(i % int64_t(ours.size()))
                                                     : s.labels[size_t(test[size_t(i)])]);
  Tensor gen = generate(generator, cfg, n, asked, cfg.seed + 777);
  affine_(gen, static_cast<float>(scaling.top_db / 2), static_cast<float>(-scaling.top_db / 2));
  const infer::ClipEmbeddings fake = embed_db(gen);

  const Gaussian g_ref = fit_gaussian(ref.values, ref.clips, ref.dim);
  nlohmann::json out;
  out["classifier_run"] = classifier_run;
  out["embedding_dim"] = ref.dim;
  out["reference_clips"] = ref.clips;
  out["note"] =
      "Frechet distances to the real training clips in the classifier's penultimate-layer "
      "embedding; held_back (the test split) is the ceiling a perfect generator would reach "
      "with the same number of clips";
  out["held_back"] = {{"clips", held.clips},
                      {"frechet_distance",
                       frechet_distance(g_ref, fit_gaussian(held.values, held.clips, held.dim))},
                      {"genre_accuracy", accuracy(held.probs, classes, held_want)}};
  out["generated"] = {{"clips", fake.clips},
                      {"frechet_distance",
                       frechet_distance(g_ref, fit_gaussian(fake.values, fake.clips, fake.dim))}};
  // Which genres the classifier hears in the generated clips.
  std::vector<int> hist(size_t(classes), 0);
  for (int64_t i = 0; i < fake.clips; ++i) {
    const float* p = fake.probs.data() + size_t(i) * classes;
    ++hist[size_t(std::max_element(p, p + classes) - p)];
  }
  nlohmann::json h;
  for (int c = 0; c < classes; ++c) h[theirs[size_t(c)]] = hist[size_t(c)];
  out["generated"]["classified_as"] = h;
  if (conditional) {
    std::vector<int> want;
    for (int g : asked) want.push_back(to_clf[size_t(g)]);
    out["generated"]["genre_accuracy"] = accuracy(fake.probs, classes, want);
    nlohmann::json per;
    for (size_t g = 0; g < ours.size(); ++g) {
      std::vector<float> p;
      std::vector<int> w;
      for (size_t i = 0; i < asked.size(); ++i)
        if (asked[i] == int(g)) {
          p.insert(p.end(), fake.probs.begin() + long(i * classes),
                   fake.probs.begin() + long((i + 1) * classes));
          w.push_back(to_clf[g]);
        }
      per[ours[g]] = w.empty() ? nlohmann::json(nullptr) : nlohmann::json(accuracy(p, classes, w));
    }
    out["generated"]["genre_accuracy_per_genre"] = per;
  } else {
    out["generated"]["genre_accuracy"] = nullptr;  // an unconditional generator is asked nothing
  }
  return out;
}

}  // namespace mgr::gan
