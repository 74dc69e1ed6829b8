#include "framework/tasks/gan/gan_quality.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "framework/features/pipeline.h"
#include "framework/features/standardise.h"
#include "framework/graph/model_check.h"
#include "framework/tasks/gan/frechet.h"
#include "framework/tasks/trained_model.h"
#include "framework/tensor/index.h"
#include "kernels/error.h"

namespace mgr::gan {

void check_same_features(const config::ExperimentConfig& gan, const config::ExperimentConfig& clf,
                         const std::string& clf_dir) {
  // The keys that change the features' numbers (the feature cache key's list), both sides.
  const nlohmann::json a = features::feature_parameters(gan.features, gan.data.sample_rate);
  const nlohmann::json b = features::feature_parameters(clf.features, clf.data.sample_rate);
  std::vector<std::string> diff;
  auto text = [](const nlohmann::json& v) {
    return v.is_string() ? v.get<std::string>() : v.dump();
  };
  nlohmann::json keys = a;
  keys.update(b);
  for (const auto& [key, unused] : keys.items()) {
    const nlohmann::json x = a.value(key, nlohmann::json()), y = b.value(key, nlohmann::json());
    if (x == y) continue;
    const std::string name = key == "sample_rate"            ? "data.sample_rate"
                             : key == "feature_code_version" ? key
                                                             : "features." + key;
    diff.push_back(fmt::format("{}: {} here, {} in the classifier", name,
                               x.is_null() ? "not read" : text(x),
                               y.is_null() ? "not read" : text(y)));
  }
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
