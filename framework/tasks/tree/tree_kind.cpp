#include "framework/tasks/tree/tree_kind.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "framework/config/tree_yaml.h"
#include "framework/engine/report.h"
#include "framework/graph/model_check.h"
#include "framework/tasks/tree/class_tree.h"
#include "framework/tasks/tree/tree_plan.h"

namespace mgr::tasks {

namespace {

// The tree against the genres, each node's overrides and network, and the flat baseline's.
void check(const config::ExperimentConfig& c) {
  if (c.model.tree.empty())
    throw Error(
        "model.type is tree but model.tree is empty: list the nodes ({name: ..., "
        "children: [...]}); docs/config.md");
  const tree::ClassTree t(c.model.tree, graph::model_genres(c));
  std::vector<std::string> errors;
  for (int k : t.order()) {
    const tree::TreeNode& n = t.nodes()[static_cast<size_t>(k)];
    const config::TreeNodeSpec& spec = c.model.tree[static_cast<size_t>(k)];
    std::vector<std::string> node_errors;
    const config::ExperimentConfig nc = config::node_config(c, spec, node_errors);
    if (node_errors.empty()) {
      try {
        graph::plan_tree_node(nc, n.name, n.children());
      } catch (const Error& e) {
        node_errors.push_back(e.what());
      }
    }
    errors.insert(errors.end(), node_errors.begin(), node_errors.end());
  }
  if (errors.empty() && c.model.tree_baseline) {
    try {
      graph::plan_classifier(c, graph::model_num_classes(c));
    } catch (const Error& e) {
      errors.push_back(std::string("model.tree_baseline (the flat classifier):\n") + e.what());
    }
  }
  if (!errors.empty()) throw Error(fmt::format("{}", fmt::join(errors, "\n")));
}

std::shared_ptr<const graph::GraphPlan> plan_flat(const config::ExperimentConfig& c) {
  return graph::plan_classifier(c, graph::model_num_classes(c));
}

std::string summary(const config::ExperimentConfig& cfg) {
  const tree::ClassTree t(cfg.model.tree, graph::model_genres(cfg));
  std::string out = "tree of classifiers (" + std::to_string(t.nodes().size()) + " nodes):\n";
  for (int k : t.order()) {
    const tree::TreeNode& n = t.nodes()[static_cast<size_t>(k)];
    std::vector<std::string> children;
    for (int c = 0; c < n.children(); ++c)
      children.push_back(n.child_name(c, t.genres(), t.nodes()));
    out += std::string(2 * static_cast<size_t>(n.depth) + 2, ' ') + n.name + " -> " +
           fmt::format("{}", fmt::join(children, " | ")) + "\n";
  }
  for (int k : t.order()) {
    const tree::TreeNode& n = t.nodes()[static_cast<size_t>(k)];
    std::vector<std::string> errors;
    const config::ExperimentConfig nc =
        config::node_config(cfg, cfg.model.tree[static_cast<size_t>(k)], errors);
    graph::GraphModel model(graph::plan_tree_node(nc, n.name, n.children()), cfg.seed);
    out += "\nnode " + n.name + " (" +
           (nc.train.iterations > 0 ? std::to_string(nc.train.iterations) + " iterations"
                                    : std::to_string(nc.train.epochs) + " epochs") +
           "):\n" + model.summary_text();
  }
  return out;
}

}  // namespace

const TaskKind& tree_kind() {
  static const TaskKind kind{"tree",    check, train::run_tree, summary, train::write_reports,
                             plan_flat, true};
  return kind;
}

}  // namespace mgr::tasks
