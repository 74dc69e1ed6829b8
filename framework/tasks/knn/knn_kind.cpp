#include "framework/tasks/knn/knn_kind.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "framework/engine/report.h"
#include "framework/features/pipeline.h"
#include "framework/graph/model_check.h"

namespace mgr::tasks {

std::vector<features::FeatureGroup> knn_feature_groups(const config::ExperimentConfig& c) {
  if (features::has_feature_stage(c.features.type) &&
      features::feature_stage(c.features.type).clip_level)
    return features::feature_groups(c.features, c.data.sample_rate, graph::clip_samples(c));
  return {{c.features.type, 0, shape_numel(graph::model_input_shape(c))}};
}

namespace {

// model.knn.groups must name groups of the clip's vector; a KNN has no network to plan.
void check(const config::ExperimentConfig& c) {
  const std::vector<features::FeatureGroup> groups = knn_feature_groups(c);
  std::vector<std::string> names;
  for (const features::FeatureGroup& g : groups) names.push_back(g.name);
  for (const std::string& g : c.model.knn.groups)
    if (std::find(names.begin(), names.end(), g) == names.end())
      throw Error(fmt::format(
          "model.knn.groups: no feature group named '{}'; the groups of features.type {} are "
          "{}",
          g, c.features.type, fmt::join(names, ", ")));
}

std::string summary(const config::ExperimentConfig& cfg) {
  const config::KnnConfig& k = cfg.model.knn;
  return fmt::format(
      "k nearest neighbours on {} features of {} values per clip: k {}, {} distance, {} vote, "
      "{}\n",
      cfg.features.type, shape_str(graph::model_input_shape(cfg)), k.k, k.metric, k.vote,
      k.standardise ? "standardised columns" : "raw columns");
}

}  // namespace

const TaskKind& knn_kind() {
  static const TaskKind kind{"knn",   check, train::run_knn, summary, train::write_reports,
                             nullptr, true};
  return kind;
}

}  // namespace mgr::tasks
