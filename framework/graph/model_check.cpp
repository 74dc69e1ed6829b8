#include "framework/graph/model_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "framework/data/dataset.h"
#include "framework/features/pipeline.h"

namespace mgr::graph {

int64_t clip_samples(const config::ExperimentConfig& c) {
  return data::seconds_to_samples(c.data.clip_seconds, c.data.sample_rate);
}

Shape model_input_shape(const config::ExperimentConfig& c) {
  return features::feature_output_shape(c.features, c.data.sample_rate, clip_samples(c));
}

int model_num_classes(const config::ExperimentConfig& c) {
  return c.data.genres.empty() ? 10 : static_cast<int>(c.data.genres.size());
}

std::vector<std::string> model_genres(const config::ExperimentConfig& c) {
  return c.data.genres.empty() ? data::gtzan_genres() : c.data.genres;
}

std::shared_ptr<const GraphPlan> plan_classifier(const config::ExperimentConfig& c, int children) {
  const int classes = model_num_classes(c);
  auto plan = plan_graph(c.model.layers, model_input_shape(c), classes, children);
  if (plan->output() != Shape{classes}) {
    const config::LayerSpec& last = plan->specs.back();
    throw Error(fmt::format(
        "{}: layer '{}' ({}): the last layer is the classifier's output and must give "
        "[num_classes] = [{}] logits per clip, got {} (end with e.g. a dense layer with units: "
        "num_classes)",
        last.where, last.name, last.type, classes, shape_text(plan->output())));
  }
  return plan;
}

}  // namespace mgr::graph
