// model.type network: its entry in the task-kind registry (framework/tasks/task_kind.h).
#pragma once

#include "framework/tasks/task_kind.h"

namespace mgr::train {

// One classifier on the experiment's features (framework/tasks/network/network_run.cpp).
void run_network(RunSetup& s, const RunOptions& opt, RunResult& result);

}  // namespace mgr::train

namespace mgr::tasks {

const TaskKind& network_kind();

}  // namespace mgr::tasks
