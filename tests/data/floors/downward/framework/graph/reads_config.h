// Fixture for the floors check (CMakeLists.txt, test floors_allow_a_downward_include): a file of
// the graph floor that includes floors below it. Never compiled.
#pragma once

#include "framework/config/experiment_config.h"
#include "framework/features/pipeline.h"
#include "framework/graph/graph_model.h"
#include "kernels/error.h"
