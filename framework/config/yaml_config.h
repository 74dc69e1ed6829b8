// Strict YAML <-> ExperimentConfig. Unknown keys, wrong types and out-of-range values are errors
// (mgr::Error) that name file:line:column (1-based) and the full key path; overrides given as
// "key.path=value" are applied in order after the file and checked the same way. Every field is
// declared once in field_table.cpp; see docs/config.md for the key reference.
#pragma once

#include <string>
#include <vector>

#include "framework/config/experiment_config.h"
#include "framework/config/field_table.h"

namespace mgr::config {

// Reads the YAML file at `path`, applies `overrides` ("train.epochs=2", "data.root=/x/gtzan",
// "model.layers.conv1.channels=16", "features.center=false") in order, validates, and returns the
// typed config. All problems found are reported together, one per line of the message. The
// model is not checked against the data here: experiment::load (framework/experiment/load.h)
// does both, and is what programs read experiments with. `rules` are cross-field rules declared
// by higher floors (the task kinds' rules, tasks::kind_rules()), checked and located like the
// table's own.
ExperimentConfig load_experiment(const std::string& path,
                                 const std::vector<std::string>& overrides = {},
                                 const std::vector<CrossCheck>& rules = {});

// The same for YAML text; `source_name` stands for the file in messages.
ExperimentConfig parse_experiment(const std::string& yaml_text, const std::string& source_name,
                                  const std::vector<std::string>& overrides = {},
                                  const std::vector<CrossCheck>& rules = {});

// Throws mgr::Error naming each offending key path and its allowed range or choices.
void validate(const ExperimentConfig& c, const std::vector<CrossCheck>& rules = {});

}  // namespace mgr::config
