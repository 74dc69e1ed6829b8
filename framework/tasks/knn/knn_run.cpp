// model.type knn: k nearest neighbours on each clip's feature vector (the features flattened),
// fitted on the training split; the validation and test clips are classified by their
// neighbours' votes (framework/knn/knn.h), and the tracks by the clips' votes like every run.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>

#include "framework/engine/classifier.h"
#include "framework/engine/metrics.h"
#include "framework/graph/model_check.h"
#include "framework/knn/knn.h"
#include "framework/tasks/knn/knn_kind.h"

namespace mgr::train {

namespace {

// Rows of the standardised features, flattened to [rows, D], in chunks of `chunk` clips.
Tensor feature_rows(FeatureSource& source, const std::vector<int>& rows, int64_t columns) {
  Tensor x = source.batch(rows);
  return x.reshape({static_cast<int64_t>(rows.size()), columns});
}

}  // namespace

void run_knn(RunSetup& s, const tasks::TaskPlan& plan, const RunOptions& opt, RunResult& result) {
  (void)opt;
  const config::ExperimentConfig& cfg = s.cfg;
  const config::KnnConfig& kc = cfg.model.knn;
  const int64_t columns = shape_numel(s.clip_shape);
  knn::KnnOptions ko;
  ko.k = kc.k;
  ko.metric = kc.metric;
  ko.vote = kc.vote;
  ko.standardise = kc.standardise;
  const std::vector<features::FeatureGroup>& groups = tasks::plan_as<tasks::KnnPlan>(plan).groups;
  MGR_CHECK(!groups.empty() && groups.back().end == columns,
            "the feature groups end at column " << groups.back().end << ", the features have "
                                                << columns);
  std::vector<std::string> names;
  for (const features::FeatureGroup& g : groups) names.push_back(g.name);
  for (size_t i = 0; i < kc.groups.size(); ++i) {
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const features::FeatureGroup& g) { return g.name == kc.groups[i]; });
    MGR_CHECK(it != groups.end(), "model.knn.groups: no feature group named '"
                                      << kc.groups[i] << "'; the features' groups are "
                                      << fmt::format("{}", fmt::join(names, ", ")));
    ko.groups.emplace_back(it->begin, it->end);
    ko.group_weights.push_back(static_cast<float>(kc.weights[i]));
  }
  MGR_CHECK(static_cast<int64_t>(s.split.train.size()) >= kc.k,
            "model.knn.k = " << kc.k << " but the training split has only " << s.split.train.size()
                             << " clips");

  const auto t0 = std::chrono::steady_clock::now();
  knn::KnnClassifier clf(ko);
  std::vector<int> train_labels;
  for (int r : s.split.train) train_labels.push_back(s.labels[static_cast<size_t>(r)]);
  clf.fit(feature_rows(*s.source, s.split.train, columns), train_labels, s.num_classes);
  s.say(fmt::format("knn: fitted on {} training clips of {} values (k {}, {}, {} vote{})",
                    s.split.train.size(), columns, kc.k, kc.metric, kc.vote,
                    kc.standardise ? ", standardised" : ""));

  auto classify = [&](const std::vector<int>& rows, std::vector<int>& truth,
                      std::vector<int>& tracks) {
    std::vector<float> probs;
    constexpr size_t kChunk = 4096;  // queries per call: bounds the feature rows held at once
    for (size_t start = 0; start < rows.size(); start += kChunk) {
      const std::vector<int> part(
          rows.begin() + static_cast<long>(start),
          rows.begin() + static_cast<long>(std::min(rows.size(), start + kChunk)));
      const std::vector<float> p =
          clf.predict_proba(feature_rows(*s.source, part, columns)).to_vector();
      probs.insert(probs.end(), p.begin(), p.end());
    }
    for (int r : rows) {
      truth.push_back(s.labels[static_cast<size_t>(r)]);
      tracks.push_back(s.tracks[static_cast<size_t>(r)]);
    }
    return probs;
  };
  std::vector<int> vt, vtr, tt, ttr;
  const std::vector<float> vp = classify(s.split.validation, vt, vtr);
  const std::vector<float> tp = classify(s.split.test, tt, ttr);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  nlohmann::json& m = result.metrics;
  const ClassificationReport val =
      classify_report(vt, argmax_rows(vp, s.num_classes), s.num_classes);
  m["validation"] = {{"clip_accuracy", val.accuracy}};
  m["knn"] = {{"k", kc.k},
              {"metric", kc.metric},
              {"vote", kc.vote},
              {"standardise", kc.standardise},
              {"columns", columns},
              {"groups", kc.groups},
              {"weights", kc.weights}};
  m["test"] =
      test_metrics(tt, ttr, tp, s.num_classes, s.loaded.ds.genres, cfg.evaluation.vote_thresholds);
  m["history"] = nlohmann::json::array();
  m["timing_seconds"]["training"] = seconds;
  s.say(fmt::format("test: clip accuracy {:.4f}, track accuracy {:.4f} (validation {:.4f}){}",
                    m["test"]["clip_accuracy"].get<double>(),
                    m["test"]["track_accuracy"].get<double>(), val.accuracy,
                    m["leaky"].get<bool>() ? " [leaky split]" : ""));
}

}  // namespace mgr::train
