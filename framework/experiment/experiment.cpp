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
#include "framework/graph/resolved_config.h"
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
  // What a process killed in mid-write left behind (NAME.tmp.PID), in the run's folder and in
  // its tree nodes', protocol runs' and samples' folders.
  remove_stale_temporaries(run_dir);
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec))
    if (e.is_directory(ec)) remove_stale_temporaries(e.path().string());
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

RunResult extend_experiment(const std::string& run_dir, int epochs, bool quiet) {
  const fs::path dir(run_dir);
  const std::string pre = "--resume " + run_dir + " --epochs " + std::to_string(epochs) + ": ";
  MGR_CHECK(fs::is_regular_file(dir / "config.yaml"),
            pre << "no config.yaml (not a run directory)");
  const experiment::Experiment e = experiment::load((dir / "config.yaml").string(), {});
  const config::ExperimentConfig& cfg = e.cfg;
  const config::TrainConfig& t = cfg.train;
  MGR_CHECK(e.task.kind->cannot_extend == nullptr, pre << "a model.type " << cfg.model.type
                                                       << " run cannot be extended ("
                                                       << e.task.kind->cannot_extend << ")");
  MGR_CHECK(protocol_runs(cfg).size() == 1,
            pre << "a protocol of " << protocol_runs(cfg).size()
                << " runs; extend one run directory of it at a time");
  MGR_CHECK(t.iterations == 0,
            pre << "the run is trained for train.iterations " << t.iterations << ", not epochs");
  MGR_CHECK(t.lr_schedule == "constant" || t.lr_schedule == "step",
            pre << "train.lr_schedule " << t.lr_schedule
                << " depends on the total number of steps, so " << t.epochs << " epochs of it "
                << "are not the first " << t.epochs << " of " << epochs
                << " (constant and step schedules can be extended); run it again instead");
  const fs::path metrics = dir / "metrics.json";
  if (!fs::exists(metrics)) {
    MGR_CHECK(t.epochs == epochs, pre << "the run has not finished its " << t.epochs
                                      << " epochs: run_experiment --resume " << run_dir
                                      << " first");
    return resume_experiment(run_dir, quiet);  // an extension that was stopped: continue it
  }
  MGR_CHECK(epochs > t.epochs, pre << "the run has " << t.epochs << " epochs already");
  std::ifstream in(metrics);
  const nlohmann::json m = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  MGR_CHECK(!m.is_discarded(), metrics.string() << " is not valid JSON");
  MGR_CHECK(!m.value("stopped_early", false),
            pre << "the run stopped early at epoch " << m.value("epochs_run", 0)
                << " (train.patience): more epochs would not train");
  // The finished metrics move aside first: a stop between the two writes leaves a run that a
  // plain --resume finishes again at its old length.
  fs::rename(metrics, dir / fmt::format("metrics-{}-epochs.json", t.epochs));
  const config::ExperimentConfig longer =
      experiment::load((dir / "config.yaml").string(), {"train.epochs=" + std::to_string(epochs)})
          .cfg;
  write_file_atomically(
      (dir / "config.yaml").string(),
      fmt::format("# resolved configuration of this run (extended from {} to {} epochs by "
                  "run_experiment --resume --epochs)\n",
                  t.epochs, epochs) +
          graph::to_yaml(longer));
  if (!quiet)
    std::cerr << "run " << run_dir << ": extending from " << t.epochs << " to " << epochs
              << " epochs\n";
  return resume_experiment(run_dir, quiet);
}

std::string model_summary(const experiment::Experiment& e) {
  return e.task.kind->summary(e.cfg, *e.task.plan);
}

}  // namespace mgr::train
