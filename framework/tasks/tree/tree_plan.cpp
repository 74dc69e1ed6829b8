#include "framework/tasks/tree/tree_plan.h"

#include <fmt/format.h>

#include "framework/graph/model_check.h"

namespace mgr::graph {

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

}  // namespace mgr::graph
