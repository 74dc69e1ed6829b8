#pragma once
namespace mgr {
// The git commit the binary was configured from ("unknown" outside a git checkout).
const char* git_commit();
}  // namespace mgr
