#include "framework/tasks/tree/tree_kind.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>

#include "framework/config/tree_yaml.h"
#include "framework/engine/checkpoint.h"
#include "framework/engine/report.h"
#include "framework/graph/model_check.h"
#include "framework/tasks/tree/class_tree.h"
#include "framework/tasks/tree/tree_plan.h"
#include "framework/tasks/tree/tree_report.h"

namespace mgr::tasks {

namespace {

// The tree against the genres, each node's overrides and network, and the flat baseline's; every
// problem reported together.
std::shared_ptr<const TaskPlan> plan(const config::ExperimentConfig& c) {
  if (c.model.tree.empty())
    throw Error(
        "model.type is tree but model.tree is empty: list the nodes ({name: ..., "
        "children: [...]}); docs/config.md");
  auto p = std::make_shared<TreePlan>();
  p->tree = std::make_shared<const tree::ClassTree>(c.model.tree, graph::model_genres(c));
  p->nodes.resize(p->tree->nodes().size());
  std::vector<std::string> errors;
  for (int k : p->tree->order()) {
    const tree::TreeNode& n = p->tree->nodes()[static_cast<size_t>(k)];
    const config::TreeNodeSpec& spec = c.model.tree[static_cast<size_t>(k)];
    std::vector<std::string> node_errors;
    const config::ExperimentConfig nc = config::node_config(c, spec, node_errors);
    if (node_errors.empty()) {
      try {
        p->nodes[static_cast<size_t>(k)] = graph::plan_tree_node(nc, n.name, n.children());
      } catch (const Error& e) {
        node_errors.push_back(e.what());
      }
    }
    errors.insert(errors.end(), node_errors.begin(), node_errors.end());
  }
  // model.layers on every genre: the flat baseline, and the tree's network for benchmarks.
  try {
    p->flat = graph::plan_classifier(c, graph::model_num_classes(c));
  } catch (const Error& e) {
    if (errors.empty() && c.model.tree_baseline)
      errors.push_back(std::string("model.tree_baseline (the flat classifier):\n") + e.what());
  }
  if (!errors.empty()) throw Error(fmt::format("{}", fmt::join(errors, "\n")));
  return p;
}

std::shared_ptr<const graph::GraphPlan> network(const TaskPlan& p) {
  return plan_as<TreePlan>(p).flat;
}

std::string summary(const config::ExperimentConfig& cfg, const TaskPlan& p) {
  const TreePlan& tp = plan_as<TreePlan>(p);
  const tree::ClassTree& t = *tp.tree;
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
    graph::GraphModel model(tp.nodes[static_cast<size_t>(k)], cfg.seed);
    out += "\nnode " + n.name + " (" +
           (nc.train.iterations > 0 ? std::to_string(nc.train.iterations) + " iterations"
                                    : std::to_string(nc.train.epochs) + " epochs") +
           "):\n" + model.summary_text();
  }
  return out;
}

// Each node's checkpoint (nodes/<name>/best_model.h5) with the tree that routes between them.
void load_trained(const config::ExperimentConfig&, const TaskPlan& p, const std::string& run_dir,
                  Device device, TrainedNetworks& out) {
  const TreePlan& tp = plan_as<TreePlan>(p);
  out.tree = tp.tree;
  for (size_t k = 0; k < tp.tree->nodes().size(); ++k)
    out.models.push_back(train::load_trained_network(
        tp.nodes[k],
        (std::filesystem::path(run_dir) / "nodes" / tp.tree->nodes()[k].name / "best_model.h5")
            .string(),
        device));
}

}  // namespace

const TaskKind& tree_kind() {
  static const TaskKind kind{.name = "tree",
                             .title = "a tree of classifiers",
                             .plan = plan,
                             .run = train::run_tree,
                             .summary = summary,
                             .write_reports = train::write_reports,
                             .report_section = train::tree_report_section,
                             .network = network,
                             .load_trained = load_trained,
                             .cannot_classify = nullptr,
                             .tested = true,
                             .cannot_extend = "a tree's nodes train on schedules of their own"};
  return kind;
}

}  // namespace mgr::tasks
