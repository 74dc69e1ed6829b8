// The task kinds: one line each. A new kind is a folder under framework/tasks/ and a line here.
#include "framework/tasks/gan/gan_kind.h"
#include "framework/tasks/knn/knn_kind.h"
#include "framework/tasks/network/network_kind.h"
#include "framework/tasks/task_kind.h"
#include "framework/tasks/tree/tree_kind.h"

namespace mgr::tasks {

const std::vector<const TaskKind*>& task_kinds() {
  static const std::vector<const TaskKind*> kinds = {
      &network_kind(),
      &tree_kind(),
      &knn_kind(),
      &gan_kind(),
  };
  return kinds;
}

}  // namespace mgr::tasks
