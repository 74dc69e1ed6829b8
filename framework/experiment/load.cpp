#include "framework/experiment/load.h"

#include "framework/config/yaml_config.h"

namespace mgr::experiment {

Experiment load(const std::string& path, const std::vector<std::string>& overrides) {
  Experiment e{config::load_experiment(path, overrides, tasks::kind_rules()), {}};
  e.task = tasks::plan_task(e.cfg);
  return e;
}

Experiment parse(const std::string& yaml_text, const std::string& source_name,
                 const std::vector<std::string>& overrides) {
  Experiment e{config::parse_experiment(yaml_text, source_name, overrides, tasks::kind_rules()),
               {}};
  e.task = tasks::plan_task(e.cfg);
  return e;
}

Experiment resolve(config::ExperimentConfig c) {
  config::validate(c, tasks::kind_rules());
  Experiment e{std::move(c), {}};
  e.task = tasks::plan_task(e.cfg);
  return e;
}

}  // namespace mgr::experiment
