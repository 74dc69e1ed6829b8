// The network of one tree node: model.layers with the node's overrides, planned for `children`
// classes (`units: children`).
#pragma once

#include <memory>
#include <string>

#include "framework/config/experiment_config.h"
#include "framework/graph/graph_model.h"

namespace mgr::graph {

// Plans the network of one tree node with `children` classes (model.layers with the node's
// overrides, in `c` already): the last layer must give [children] logits.
std::shared_ptr<const GraphPlan> plan_tree_node(const config::ExperimentConfig& c,
                                                const std::string& node, int children);

}  // namespace mgr::graph
