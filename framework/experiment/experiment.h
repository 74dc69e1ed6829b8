// One experiment from config to run directory: data, features on the device, training with
// validation each epoch and the best checkpoint kept, test evaluation, metrics and reports.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "framework/config/experiment_config.h"
#include "framework/engine/run_setup.h"
#include "framework/experiment/load.h"

namespace mgr::train {

// `task` is the plan of a config that differs from `cfg` at most in seed and protocol.fold (one
// run of a protocol: run_config).
RunResult run_experiment(const config::ExperimentConfig& cfg, const tasks::PlannedTask& task,
                         const RunOptions& opt);
RunResult run_experiment(const experiment::Experiment& e, const RunOptions& opt);

// run_experiment --resume: the run directory's own config.yaml, continued where it stopped.
RunResult resume_experiment(const std::string& run_dir, bool quiet = false);

// run_experiment --resume RUN_DIR --epochs N: a finished run trained on to N epochs, as if it
// had been started with train.epochs N (the same weights, history and metrics up to rounding:
// the loop continues with its saved shuffle state, optimiser and task state). Its metrics.json
// is kept as metrics-<E>-epochs.json and config.yaml says N. For runs whose schedule does not
// depend on the total (train.lr_schedule constant or step, train.epochs not iterations), of
// model.type network or gan, a single run (no protocol of several), not stopped early; anything
// else is refused with the reason before a file is touched.
RunResult extend_experiment(const std::string& run_dir, int epochs, bool quiet = false);

// What run_experiment --summary prints, from the config alone: the network's layer table; for a
// tree, the tree and each node's network; for a KNN, its settings.
std::string model_summary(const experiment::Experiment& e);

}  // namespace mgr::train
