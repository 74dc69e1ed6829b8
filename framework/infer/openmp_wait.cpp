#include "framework/infer/openmp_wait.h"

#include <omp.h>
#include <unistd.h>

#include <cstdlib>

namespace mgr::infer {

void reexec_with_passive_openmp_wait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  if (setenv("OMP_WAIT_POLICY", "passive", 0) != 0) return;
  execv("/proc/self/exe", argv);
  // Still here: the exec failed, and this process keeps libgomp's default, as the variable
  // should then say.
  unsetenv("OMP_WAIT_POLICY");
}

std::string openmp_description() {
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  return std::to_string(omp_get_max_threads()) +
         " OpenMP threads, OMP_WAIT_POLICY=" + (policy ? policy : "unset");
}

}  // namespace mgr::infer
