// An experiment as every program that runs or plans one reads it: the YAML checked key by key
// (config::load_experiment: types, ranges, cross-field rules, with file:line), then the model
// checked against the data's shape by its task kind (tasks::check_model), before any audio is
// read. The problems of the first step are reported alone: a model is judged only on a config
// whose fields are valid.
#pragma once

#include <string>
#include <vector>

#include "framework/config/experiment_config.h"

namespace mgr::experiment {

config::ExperimentConfig load(const std::string& path,
                              const std::vector<std::string>& overrides = {});
config::ExperimentConfig parse(const std::string& yaml_text, const std::string& source_name,
                               const std::vector<std::string>& overrides = {});
// config::validate, then the model check.
void validate(const config::ExperimentConfig& c);

}  // namespace mgr::experiment
