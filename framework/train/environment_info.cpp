#include "framework/train/environment_info.h"

namespace mgr {
const char* git_commit() { return MGR_GIT_COMMIT; }
}  // namespace mgr
