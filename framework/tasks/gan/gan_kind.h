// model.type gan: its entry in the task-kind registry (framework/tasks/task_kind.h).
#pragma once

#include "framework/tasks/task_kind.h"

namespace mgr::tasks {

const TaskKind& gan_kind();

}  // namespace mgr::tasks
