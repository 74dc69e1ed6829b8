// Fixture for the floors check (CMakeLists.txt, test floors_refuse_an_upward_include): a file of
// the config floor that includes the graph floor above it. Never compiled.
#pragma once

#include "framework/config/experiment_config.h"
#include "framework/graph/graph_model.h"
