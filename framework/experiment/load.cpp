#include "framework/experiment/load.h"

#include "framework/config/yaml_config.h"
#include "framework/tasks/task_kind.h"

namespace mgr::experiment {

config::ExperimentConfig load(const std::string& path, const std::vector<std::string>& overrides) {
  config::ExperimentConfig c = config::load_experiment(path, overrides);
  tasks::check_model(c);
  return c;
}

config::ExperimentConfig parse(const std::string& yaml_text, const std::string& source_name,
                               const std::vector<std::string>& overrides) {
  config::ExperimentConfig c = config::parse_experiment(yaml_text, source_name, overrides);
  tasks::check_model(c);
  return c;
}

void validate(const config::ExperimentConfig& c) {
  config::validate(c);
  tasks::check_model(c);
}

}  // namespace mgr::experiment
