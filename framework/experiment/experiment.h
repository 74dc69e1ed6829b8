// One experiment from config to run directory: data, features on the device, training with
// validation each epoch and the best checkpoint kept, test evaluation, metrics and reports.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "framework/config/experiment_config.h"
#include "framework/engine/run_setup.h"

namespace mgr::train {

RunResult run_experiment(const config::ExperimentConfig& cfg, const RunOptions& opt);

// run_experiment --resume: the run directory's own config.yaml, continued where it stopped.
RunResult resume_experiment(const std::string& run_dir, bool quiet = false);

// What run_experiment --summary prints, from the config alone: the network's layer table; for a
// tree, the tree and each node's network; for a KNN, its settings.
std::string model_summary(const config::ExperimentConfig& cfg);

}  // namespace mgr::train
