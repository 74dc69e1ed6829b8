// model.type tree: its entry in the task-kind registry (framework/tasks/task_kind.h).
#pragma once

#include "framework/tasks/task_kind.h"

namespace mgr::train {

// A tree of classifiers and the flat baseline beside it (framework/tasks/tree/tree_run.cpp).
void run_tree(RunSetup& s, const RunOptions& opt, RunResult& result);

}  // namespace mgr::train

namespace mgr::tasks {

const TaskKind& tree_kind();

}  // namespace mgr::tasks
