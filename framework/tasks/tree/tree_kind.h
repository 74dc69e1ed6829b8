// model.type tree: its entry in the task-kind registry (framework/tasks/task_kind.h).
#pragma once

#include "framework/tasks/task_kind.h"

namespace mgr::train {

// A tree of classifiers and the flat baseline beside it (framework/tasks/tree/tree_run.cpp).
void run_tree(RunSetup& s, const tasks::TaskPlan& plan, const RunOptions& opt, RunResult& result);

}  // namespace mgr::train

namespace mgr::tasks {

// Each node's classifier planned from its own config (config::node_config), in the tree's node
// order, and the flat baseline's (model.layers on every genre) when model.tree_baseline.
struct TreePlan : TaskPlan {
  std::shared_ptr<const tree::ClassTree> tree;
  std::vector<std::shared_ptr<const graph::GraphPlan>> nodes;  // tree->nodes() order
  std::shared_ptr<const graph::GraphPlan> flat;                // null without the baseline
};

const TaskKind& tree_kind();

}  // namespace mgr::tasks
