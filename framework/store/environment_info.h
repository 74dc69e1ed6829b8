// What a run ran on: written into every run directory so a number can be traced to its setup.
#pragma once

#include <nlohmann/json.hpp>

#include "framework/tensor/device.h"

namespace mgr {

// The git commit the binary was configured from ("unknown" outside a git checkout).
const char* git_commit();

// Device name, driver / CUDA runtime / cuDNN / cuBLAS / cuFFT versions (when on CUDA), compiler,
// host CPU threads, OpenMP threads, build type and time of the run.
nlohmann::json environment_info(Device device);

}  // namespace mgr
