// model.type gan: its entry in the task-kind registry (framework/tasks/task_kind.h).
#pragma once

#include "framework/tasks/task_kind.h"

namespace mgr::tasks {

// Both networks planned against the clip's shape (framework/tasks/gan/gan_plan.h).
struct GanPlan : TaskPlan {
  std::shared_ptr<const graph::GraphPlan> generator, discriminator;
};

const TaskKind& gan_kind();

}  // namespace mgr::tasks
