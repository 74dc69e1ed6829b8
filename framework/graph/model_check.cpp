#include "framework/graph/model_check.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "framework/config/tree_yaml.h"
#include "framework/data/dataset.h"
#include "framework/features/pipeline.h"
#include "framework/tree/class_tree.h"

namespace mgr::graph {

int64_t clip_samples(const config::ExperimentConfig& c) {
  return std::llround(c.data.clip_seconds * c.data.sample_rate);
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

std::shared_ptr<const GraphPlan> plan_classifier(const config::ExperimentConfig& c) {
  const int classes = model_num_classes(c);
  // A tree's template says `units: children`; as the flat baseline, children are the genres.
  auto plan = plan_graph(c.model.layers, model_input_shape(c), classes,
                         c.model.type == "tree" ? classes : 0);
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

std::shared_ptr<const GraphPlan> plan_tree_node(const config::ExperimentConfig& c,
                                                const std::string& node, int children) {
  std::shared_ptr<const GraphPlan> plan;
  try {
    plan = plan_graph(c.model.layers, model_input_shape(c), model_num_classes(c), children);
  } catch (const Error& e) {
    throw Error(fmt::format("model.tree node '{}':\n{}", node, e.what()));
  }
  if (plan->output() != Shape{children}) {
    const config::LayerSpec& last = plan->specs.back();
    throw Error(fmt::format(
        "{}: layer '{}' ({}): in tree node '{}' the last layer must give [children] = [{}] "
        "logits per clip, got {} (end the model with e.g. a dense layer with units: children)",
        last.where, last.name, last.type, node, children, shape_text(plan->output())));
  }
  return plan;
}

namespace {

Shape gan_condition(const config::ExperimentConfig& c) {
  return c.model.gan.conditional ? Shape{model_num_classes(c)} : Shape{};
}

// The last layer of `plan` must give `want`; else a located error that says what it is for.
void need_output(const GraphPlan& plan, const Shape& want, const std::string& what) {
  if (plan.output() == want) return;
  const config::LayerSpec& last = plan.specs.back();
  throw Error(fmt::format(
      "{}: layer '{}' ({}): the last layer is {} and must give {} per clip, "
      "got {}",
      last.where, last.name, last.type, what, shape_text(want), shape_text(plan.output())));
}

}  // namespace

std::shared_ptr<const GraphPlan> plan_generator(const config::ExperimentConfig& c) {
  if (c.model.generator.empty())
    throw Error(
        "model.generator: model.type gan needs a generator layer list (its input is z "
        "[model.gan.latent], its output the clip's feature shape)");
  auto plan = plan_graph(c.model.generator, {c.model.gan.latent}, model_num_classes(c), 0,
                         gan_condition(c), "model.generator");
  need_output(*plan, model_input_shape(c),
              "the generated clip (the features' shape, e.g. a conv_transpose2d to 1 channel "
              "and a tanh)");
  return plan;
}

std::shared_ptr<const GraphPlan> plan_discriminator(const config::ExperimentConfig& c) {
  if (c.model.discriminator.empty())
    throw Error(
        "model.discriminator: model.type gan needs a discriminator layer list (its input "
        "is the clip's features, its output one logit [1])");
  auto plan = plan_graph(c.model.discriminator, model_input_shape(c), model_num_classes(c), 0,
                         gan_condition(c), "model.discriminator");
  need_output(*plan, {1}, "the real/fake logit (no sigmoid: the loss takes logits)");
  return plan;
}

std::vector<features::FeatureGroup> knn_feature_groups(const config::ExperimentConfig& c) {
  if (features::has_feature_stage(c.features.type) &&
      features::feature_stage(c.features.type).clip_level)
    return features::feature_groups(c.features, c.data.sample_rate, clip_samples(c));
  return {{c.features.type, 0, shape_numel(model_input_shape(c))}};
}

void check_model(const config::ExperimentConfig& c) {
  const std::string& type = c.model.type;
  if (type != "tree" && !c.model.tree.empty())
    throw Error(fmt::format("{}: model.tree is set but model.type is '{}' (set model.type: tree)",
                            c.model.tree[0].where, type));
  if (type == "network") {
    plan_classifier(c);
    return;
  }
  if (type == "gan") {
    std::vector<std::string> errors;
    for (auto plan : {plan_generator, plan_discriminator}) {
      try {
        plan(c);
      } catch (const Error& e) {
        errors.push_back(e.what());
      }
    }
    if (!errors.empty()) throw Error(fmt::format("{}", fmt::join(errors, "\n")));
    return;
  }
  if (type == "knn") {
    const std::vector<features::FeatureGroup> groups = knn_feature_groups(c);
    std::vector<std::string> names;
    for (const features::FeatureGroup& g : groups) names.push_back(g.name);
    for (const std::string& g : c.model.knn.groups)
      if (std::find(names.begin(), names.end(), g) == names.end())
        throw Error(fmt::format(
            "model.knn.groups: no feature group named '{}'; the groups of features.type {} are "
            "{}",
            g, c.features.type, fmt::join(names, ", ")));
    return;  // no network
  }
  MGR_CHECK(type == "tree", "model.type: unknown model type '" << type << "'");
  if (c.model.tree.empty())
    throw Error(
        "model.type is tree but model.tree is empty: list the nodes ({name: ..., "
        "children: [...]}); docs/config.md");
  const tree::ClassTree t(c.model.tree, model_genres(c));
  std::vector<std::string> errors;
  for (int k : t.order()) {
    const tree::TreeNode& n = t.nodes()[static_cast<size_t>(k)];
    const config::TreeNodeSpec& spec = c.model.tree[static_cast<size_t>(k)];
    std::vector<std::string> node_errors;
    const config::ExperimentConfig nc = config::node_config(c, spec, node_errors);
    if (node_errors.empty()) {
      try {
        plan_tree_node(nc, n.name, n.children());
      } catch (const Error& e) {
        node_errors.push_back(e.what());
      }
    }
    errors.insert(errors.end(), node_errors.begin(), node_errors.end());
  }
  if (errors.empty() && c.model.tree_baseline) {
    try {
      plan_classifier(c);
    } catch (const Error& e) {
      errors.push_back(std::string("model.tree_baseline (the flat classifier):\n") + e.what());
    }
  }
  if (!errors.empty()) throw Error(fmt::format("{}", fmt::join(errors, "\n")));
}

}  // namespace mgr::graph
