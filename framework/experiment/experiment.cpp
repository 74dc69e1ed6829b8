#include "framework/experiment/experiment.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "framework/config/yaml_config.h"
#include "framework/engine/run_setup.h"
#include "framework/experiment/load.h"
#include "framework/experiment/protocol.h"
#include "framework/store/atomic_write.h"
#include "framework/store/progress.h"
#include "framework/tasks/task_kind.h"

namespace mgr::train {

namespace fs = std::filesystem;

RunResult run_experiment(const config::ExperimentConfig& cfg, const tasks::PlannedTask& task,
                         const RunOptions& opt) {
  const auto t_start = Clock::now();
  MGR_CHECK(task.kind && task.plan && task.kind == &tasks::task_kind(cfg.model.type),
            "run_experiment: the plan is not this config's (model.type " << cfg.model.type << ")");
  const tasks::TaskKind& kind = *task.kind;
  std::unique_ptr<RunSetup> s = setup_run(cfg, opt);

  RunResult result;
  result.run_dir = s->run_dir;
  result.metrics = common_metrics(*s);
  nlohmann::json& m = result.metrics;
  m["timing_seconds"] = {{"data", s->data_seconds}, {"features", s->feature_seconds}};
  kind.run(*s, *task.plan, opt, result);
  m["timing_seconds"]["total"] = seconds_since(t_start);
  if (s->resume) m["resumed"] = true;
  kind.write_reports(s->run_dir, m);
  // metrics.json last and atomically: its presence says the run finished (--resume relies on it).
  write_file_atomically((fs::path(s->run_dir) / "metrics.json").string(),
                        m.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  s->say(fmt::format("run directory: {}", result.run_dir));
  return result;
}

RunResult run_experiment(const experiment::Experiment& e, const RunOptions& opt) {
  return run_experiment(e.cfg, e.task, opt);
}

RunResult resume_experiment(const std::string& run_dir, bool quiet) {
  const fs::path dir(run_dir);
  MGR_CHECK(fs::is_directory(dir), "--resume " << run_dir << ": not a directory");
  const fs::path config = dir / "config.yaml";
  MGR_CHECK(fs::is_regular_file(config),
            "--resume " << run_dir
                        << ": no config.yaml (not a run directory, or the run was stopped before "
                           "it started: run the experiment again)");
  RunResult result;
  result.run_dir = run_dir;
  if (fs::is_regular_file(dir / "metrics.json")) {
    std::ifstream in(dir / "metrics.json");
    result.metrics = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    MGR_CHECK(!result.metrics.is_discarded(), (dir / "metrics.json").string()
                                                  << " is not valid JSON");
    if (!quiet) std::cerr << "run " << run_dir << " finished already: nothing to resume\n";
    return result;
  }
  RunOptions opt;
  opt.out_dir = run_dir;
  opt.config_source = config.string();
  opt.quiet = quiet;
  opt.resume = true;
  // A protocol's directory continues run by run; a single run is its own protocol.
  return run_protocol(experiment::load(config.string(), {}), opt);
}

std::string model_summary(const experiment::Experiment& e) {
  return e.task.kind->summary(e.cfg, *e.task.plan);
}

}  // namespace mgr::train
