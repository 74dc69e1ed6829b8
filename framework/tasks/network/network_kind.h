// model.type network: its entry in the task-kind registry (framework/tasks/task_kind.h).
#pragma once

#include "framework/tasks/task_kind.h"

namespace mgr::tasks {

// The classifier planned from model.layers against the clip's shape.
struct NetworkPlan : TaskPlan {
  std::shared_ptr<const graph::GraphPlan> network;
};

const TaskKind& network_kind();

}  // namespace mgr::tasks

namespace mgr::train {

// One classifier on the experiment's features (framework/tasks/network/network_run.cpp).
void run_network(RunSetup& s, const tasks::TaskPlan& plan, const RunOptions& opt,
                 RunResult& result);

}  // namespace mgr::train
