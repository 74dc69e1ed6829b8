// An experiment as every program that runs or plans one reads it: the YAML checked key by key
// (config::load_experiment: types, ranges, cross-field rules, with file:line), then the model
// planned against the data's shape by its task kind (tasks::plan_task), before any audio is
// read. The problems of the first step are reported alone: a model is judged only on a config
// whose fields are valid. The plan is made here once and travels with the config to the run,
// the summary and the benchmarks.
#pragma once

#include <string>
#include <vector>

#include "framework/config/experiment_config.h"
#include "framework/tasks/task_kind.h"

namespace mgr::experiment {

// A checked experiment: its config and its kind's plan.
struct Experiment {
  config::ExperimentConfig cfg;
  tasks::PlannedTask task;
  // Where only the config is wanted.
  operator const config::ExperimentConfig&() const { return cfg; }
};

Experiment load(const std::string& path, const std::vector<std::string>& overrides = {});
Experiment parse(const std::string& yaml_text, const std::string& source_name,
                 const std::vector<std::string>& overrides = {});
// A config made in code: config::validate, then the plan.
Experiment resolve(config::ExperimentConfig c);

}  // namespace mgr::experiment
